import { open, stat } from 'node:fs/promises';
import { basename, isAbsolute } from 'node:path';
import type { Attachment } from '../../app/journal/schema';
import type { NewAttachment } from '../../app/ipc/contract';
import { newId } from '../../app/ids';
import { UserFacingError } from '../transport/dispatcher';
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

/** Reads the head of a file for the viewer; binary files are described, not dumped. */
export async function readFileForView(path: string): Promise<{ text: string; truncated: boolean }> {
  const handle = await open(path, 'r').catch(() => {
    throw new UserFacingError('not-found', `Cannot read ${path}: the file is gone or unreadable.`);
  });
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.min(size, MAX_VIEW_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head.includes(0)) return { text: `(binary file, ${size} bytes)`, truncated: false };
    return { text: head.toString('utf8'), truncated: size > bytesRead };
  } finally {
    await handle.close();
  }
}
