import type { AttachmentKind } from './schema';

/**
 * What an untrusted journal may load: its pasted text, which is the journal's own content. Every other attachment
 * points outside the journal (a local or workspace file, a URL, a package's docs), so until the user trusts the
 * journal it is listed but never read, fetched or parsed: not in the viewer, not for suggestions, not to warm them.
 */
export function loadsBeforeTrust(kind: AttachmentKind): boolean {
  return kind === 'text';
}

export const NOT_LOADED_UNTIL_TRUSTED = 'Not loaded until you trust this journal.';
