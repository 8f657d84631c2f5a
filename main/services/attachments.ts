import { stat } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import type { Attachment } from '../../app/journal/schema';
import { loadsBeforeTrust, NOT_LOADED_UNTIL_TRUSTED } from '../../app/journal/trust';
import type { NewAttachment } from '../../app/ipc/contract';
import { newId } from '../../app/ids';
import { UserFacingError } from '../transport/dispatcher';
import { readFileHead } from './fileHead';
import { readPackageDocs } from './packageDocs';
import { resolveInsideWorkspace } from './workspaceFiles';

/** How much of a file the viewer shows; the assistant reads documents on its own terms later. */
export const MAX_VIEW_BYTES = 1024 * 1024;

async function regularFileSize(path: string): Promise<number> {
  const info = await stat(path).catch(() => {
    throw new UserFacingError('not-found', `No such file: ${path}`);
  });
  if (!info.isFile()) throw new UserFacingError('bad-path', `Not a regular file: ${path}`);
  return info.size;
}

function urlTitle(url: string): string {
  const parsed = new URL(url);
  return (parsed.hostname + parsed.pathname).replace(/\/$/, '');
}

/**
 * Turns what the user asked to attach into an attachment record. Pasted text is returned separately so the
 * caller stores it beside the journal (`text`); files are referenced, not copied.
 */
export async function describeAttachment(
  workspaceRoot: string,
  request: NewAttachment,
  now: Date,
): Promise<{ attachment: Attachment; text: string | null }> {
  const base = { id: newId(), addedAt: now.toISOString() };
  switch (request.kind) {
    case 'file': {
      if (!isAbsolute(request.path)) throw new UserFacingError('bad-path', `A local file needs an absolute path: ${request.path}`);
      const sizeBytes = await regularFileSize(request.path);
      return { attachment: { ...base, kind: 'file', title: basename(request.path), source: request.path, sizeBytes }, text: null };
    }
    case 'workspace-file': {
      const resolved = await resolveInsideWorkspace(workspaceRoot, request.path);
      const sizeBytes = await regularFileSize(resolved);
      const source = request.path.split('\\').join('/').replace(/^\.\//, '');
      return { attachment: { ...base, kind: 'workspace-file', title: basename(source), source, sizeBytes }, text: null };
    }
    case 'url':
      return {
        attachment: { ...base, kind: 'url', title: request.title?.trim() || urlTitle(request.url), source: request.url, sizeBytes: 0 },
        text: null,
      };
    case 'text':
      return {
        attachment: { ...base, kind: 'text', title: request.title, source: '', sizeBytes: Buffer.byteLength(request.text) },
        text: request.text,
      };
    case 'package-docs': {
      const docs = await readPackageDocs(workspaceRoot, request.packageName);
      return {
        attachment: { ...base, kind: 'package-docs', title: `${request.packageName} docs`, source: request.packageName, sizeBytes: Buffer.byteLength(docs.text) },
        text: null,
      };
    }
  }
}

/**
 * The trust gate for reading an attachment, asked by every reader (the viewer's `attachment.read`, the assistant's
 * documents) before it touches a file, the network or a package: an untrusted journal loads only its pasted text.
 */
export function requireTrustToLoad(attachment: Attachment, journalTrusted: boolean): void {
  if (!journalTrusted && !loadsBeforeTrust(attachment.kind)) throw new UserFacingError('untrusted', NOT_LOADED_UNTIL_TRUSTED);
}

/** Reads the head of a file for the viewer; binary files are described, not dumped. */
export async function readFileForView(path: string): Promise<{ text: string; truncated: boolean }> {
  const file = await readFileHead(path, MAX_VIEW_BYTES);
  if (!file) throw new UserFacingError('not-found', `Cannot read ${path}: the file is gone, unreadable or not a regular file.`);
  if (file.head.includes(0)) return { text: `(binary file, ${file.size} bytes)`, truncated: false };
  return { text: file.head.toString('utf8'), truncated: file.size > file.head.length };
}
