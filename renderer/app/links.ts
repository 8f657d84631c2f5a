import { useCallback } from 'react';
import { externalLink, linkRefused } from '../../app/text/links';
import { useApp, useReportingCall } from './context';

/**
 * Opens a link from the journal (notes, a URL attachment) outside the app: in Electron main opens it in the
 * system browser; in browser mode a new tab that cannot reach back to this page (noopener, noreferrer).
 * Call it from the click itself: a browser lets a page open a tab only in answer to the user.
 */
export function useOpenLink(): (href: string) => void {
  const call = useReportingCall();
  const reportError = useApp((s) => s.reportError);
  return useCallback(
    (href: string) => {
      const url = externalLink(href);
      if (!url) reportError(new Error(linkRefused(href)));
      else if (window.steerway) void call('shell.openExternal', { url });
      else window.open(url, '_blank', 'noopener,noreferrer');
    },
    [call, reportError],
  );
}
