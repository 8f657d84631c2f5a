import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** `.<name>.<16 hex>.tmp`: hidden, beside the target, and recognisable as ours when a crash leaves one behind. */
const TEMP_NAME = /^\..+\.[0-9a-f]{16}\.tmp$/;
/** `.<16 hex>.tmp`: what follows the target's name in a temp file's. */
const TEMP_SUFFIX_LENGTH = 21;

/** Temp files being written by this process right now; stale-file cleanup must not pull them from under a save. */
const inFlight = new Set<string>();

export interface AtomicWriteOptions {
  /** File mode of a newly written file (the temp file is created with it, and rename keeps it). */
  mode?: number;
}

/**
 * Makes a directory's entries (a rename, a new file) durable. Windows cannot open a directory for
 * fsync, and NTFS journals renames itself, so there it is skipped.
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Creates `dir` (and missing parents) and fsyncs the parent of each folder it created, since a new
 * folder's entry lives in its parent; without that a power loss can drop a freshly created journal folder.
 */
export async function mkdirDurable(dir: string): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true });
  if (first === undefined) return;
  for (let parent = dirname(dir); ; parent = dirname(parent)) {
    await fsyncDirectory(parent);
    // Never past the root, whatever form mkdir reported `first` in.
    if (parent === dirname(first) || parent === dirname(parent)) return;
  }
}

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the old or the new content:
 * a temp file in the same folder (same filesystem, so rename is atomic), written and fsynced,
 * renamed over the target, then the folder fsynced so the rename itself survives a power loss.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  inFlight.add(temp);
  try {
    const handle = await fs.open(temp, 'wx', options.mode ?? 0o666);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, path);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  } finally {
    inFlight.delete(temp);
  }
  await fsyncDirectory(dir);
}

/**
 * Deletes temp files that a crash left in `dir` (not ones this process is writing now); with `target`, only the
 * temp files of that file name. A missing folder is fine. A `dir` that is a symbolic link is left alone: it may
 * point outside the workspace, where files that merely look like ours are not ours to delete.
 */
export async function removeStaleTempFiles(dir: string, target?: string): Promise<string[]> {
  let names: string[];
  try {
    if (!(await fs.lstat(dir)).isDirectory()) return [];
    names = await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const stale = names.filter(
    (name) => TEMP_NAME.test(name) && (target === undefined || name.slice(1, -TEMP_SUFFIX_LENGTH) === target) && !inFlight.has(join(dir, name)),
  );
  await Promise.all(stale.map((name) => fs.rm(join(dir, name), { force: true })));
  return stale;
}
