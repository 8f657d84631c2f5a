/**
 * The links that open outside the app (a new tab in browser mode, the system browser in Electron): web pages
 * and mail. `file:`, `javascript:`, `smb:` and custom schemes never leave the app.
 */
export const EXTERNAL_LINK_SCHEMES = ['http', 'https', 'mailto'] as const;

/** The link to open, normalised, if it is one we open; otherwise null. */
export function externalLink(href: string | null | undefined): string | null {
  if (!href) return null;
  try {
    const url = new URL(href);
    return (EXTERNAL_LINK_SCHEMES as readonly string[]).includes(url.protocol.slice(0, -1)) ? url.href : null;
  } catch {
    return null;
  }
}

export const linkRefused = (href: string) => `Not opened: ${href} is not an http, https or mailto link.`;
