import { realpath, readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { fuzzyRank } from '../../app/text/fuzzy';
import { UserFacingError } from '../transport/dispatcher';

/** Folders never worth listing: VCS data, dependencies, build output and Steerway's own. */
const SKIPPED_DIRS = new Set(['.git', '.hg', '.svn', 'node_modules', '.steerway', 'out', 'dist', 'build', '.cache']);
const MAX_SCANNED = 20_000;
const MAX_RESULTS = 200;

/**
 * Workspace files as relative paths with `/`, bounded. With a query, the files it fuzzy-matches (its characters
 * in order, as quick open does), best first; without, the first files in folder order.
 */
export async function listWorkspaceFiles(root: string, query: string): Promise<string[]> {
  const fuzzy = query.trim() !== '';
  const results: string[] = [];
  let scanned = 0;
  const queue: string[] = [root];
  while (queue.length && scanned < MAX_SCANNED && (fuzzy || results.length < MAX_RESULTS)) {
    const dir = queue.shift()!;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      scanned++;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) queue.push(full);
      } else if (entry.isFile()) {
        const rel = relative(root, full).split(sep).join('/');
        results.push(rel);
        if (!fuzzy && results.length >= MAX_RESULTS) break;
      }
    }
  }
  return fuzzy ? fuzzyRank(query, results, MAX_RESULTS) : results;
}

/** Resolves a workspace-relative path, following symlinks, and refuses anything outside the workspace. */
export async function resolveInsideWorkspace(root: string, relativePath: string): Promise<string> {
  if (isAbsolute(relativePath)) throw new UserFacingError('bad-path', `Not a workspace-relative path: ${relativePath}`);
  const realRoot = await realpath(root);
  const target = await realpath(join(realRoot, relativePath)).catch(() => {
    throw new UserFacingError('not-found', `No such file in the workspace: ${relativePath}`);
  });
  if (target !== realRoot && !target.startsWith(realRoot + sep)) {
    throw new UserFacingError('bad-path', `Outside the workspace: ${relativePath}`);
  }
  return target;
}
