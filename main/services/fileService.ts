import { watch, type FSWatcher } from 'node:fs';
import { lstat, open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import type { TreeEntry } from '../../app/editor/schemas';
import { writeFileAtomic } from '../storage/atomicFile';
import { UserFacingError, type EventSink, type HandlersOf } from '../transport/dispatcher';
import type { EditorBuffers } from './editorBuffers';
import type { HotExit } from './hotExit';
import { resolveInsideWorkspace } from './workspaceFiles';

/** The editor opens text files up to this size; bigger ones would make Monaco and every save slow. */
export const MAX_EDITOR_BYTES = 5 * 1024 * 1024;
/** How much of a file is checked for NUL bytes, the sign of a binary file (as git does). */
const BINARY_SNIFF_BYTES = 8000;
const MAX_LISTED = 5000;
/** `file.list` skips these, as the contract says; node_modules stays browsable in the tree. */
const HIDDEN_DIRS = new Set(['.git', '.steerway']);
/** Editors and formatters save in bursts (truncate, write, rename); one event per burst is enough. */
const DEFAULT_DEBOUNCE_MS = 75;

export type FileCall = 'file.list' | 'file.read' | 'file.write' | 'file.watch' | 'editor.buffer' | 'editor.backups';

export interface FileServiceOptions {
  /** The open workspace folder; the service follows it when it changes. */
  workspace: () => string | null;
  buffers: EditorBuffers;
  /** Where unsaved buffers are backed up (hot exit); without it they live only in memory. */
  hotExit?: HotExit;
  emit: EventSink;
  debounceMs?: number;
}

/** `a/./b`, `./a` and `a//b` are one file; anything climbing out with `..` is refused. */
function normalizePath(path: string): string {
  const normal = posix.normalize(path.replaceAll('\\', '/')).replace(/^\.\//, '').replace(/\/$/, '');
  if (normal === '..' || normal.startsWith('../') || posix.isAbsolute(normal)) {
    throw new UserFacingError('bad-path', `Outside the workspace: ${path}`);
  }
  return normal === '.' ? '' : normal;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const isMissing = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException)?.code ?? '');

/** What a change looks like from outside: a rename-over keeps the size and may keep the mtime, never the inode. */
type Signature = string | null;
const signatureOf = (info: { mtimeMs: number; size: number; ino: number } | null): Signature =>
  info ? `${info.mtimeMs}:${info.size}:${info.ino}` : null;

/**
 * One open file under watch. fs.watch follows an inode, so after another tool saves by renaming a new
 * file over this one (or deletes it), the watcher is re-armed on whatever the path names now; while the
 * file is missing, its folder is watched so that a re-created file is noticed.
 */
class FileWatch {
  private watcher: FSWatcher | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private known: Signature;
  /** Our own save in progress: its events are not news. */
  private writing = 0;
  private disposed = false;

  constructor(
    readonly path: string,
    private readonly absolute: string,
    initial: { mtimeMs: number; size: number; ino: number } | null,
    private readonly debounceMs: number,
    private readonly changed: (path: string, mtimeMs: number | null) => void,
  ) {
    this.known = signatureOf(initial);
    this.arm(initial !== null);
  }

  private arm(exists: boolean): void {
    this.watcher?.close();
    this.watcher = null;
    const name = basename(this.absolute);
    try {
      this.watcher = exists
        ? watch(this.absolute, { persistent: false }, () => this.schedule())
        : watch(dirname(this.absolute), { persistent: false }, (_event, file) => {
            if (file === null || file === name) this.schedule();
          });
      this.watcher.on('error', () => this.schedule());
    } catch {
      // The file or its folder vanished between the stat and the watch: look again shortly.
      if (exists) this.schedule();
    }
  }

  private schedule(): void {
    if (this.disposed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.check(), this.debounceMs);
  }

  private async check(): Promise<void> {
    if (this.disposed || this.writing > 0) return;
    const info = await stat(this.absolute).catch(() => null);
    if (this.disposed || this.writing > 0) return;
    this.arm(info !== null);
    const signature = signatureOf(info);
    if (signature === this.known) return;
    this.known = signature;
    this.changed(this.path, info?.mtimeMs ?? null);
  }

  /** Runs our own save with events held back, then takes the saved file as the known state. */
  async ownWrite<T>(write: () => Promise<T>): Promise<T> {
    this.writing++;
    try {
      return await write();
    } finally {
      this.writing--;
      if (this.writing === 0 && !this.disposed) {
        const info = await stat(this.absolute).catch(() => null);
        this.known = signatureOf(info);
        this.arm(info !== null);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = null;
  }
}

/**
 * Workspace files for the editor: a lazy tree, reading and atomic saving with conflict detection,
 * watching the open files, and the editor's live buffers. Every path is workspace-relative and resolved
 * with symlinks followed; nothing outside the workspace is read, written or watched.
 */
export class FileService {
  private readonly watches = new Map<string, FileWatch>();
  private watchedRoot: string | null = null;

  constructor(private readonly options: FileServiceOptions) {}

  private root(): string {
    const root = this.options.workspace();
    if (!root) throw new UserFacingError('no-workspace', 'Open a workspace folder first.');
    if (root !== this.watchedRoot) this.workspaceChanged();
    this.watchedRoot = root;
    return root;
  }

  /** Where `path` is, or would be once written: an existing file is resolved whole (symlinks and all), a new one through its folder. */
  private async resolveTarget(root: string, path: string): Promise<string> {
    const normal = normalizePath(path);
    if (!normal) throw new UserFacingError('bad-path', 'A file path is needed, not the workspace folder.');
    const exists = await lstat(join(root, normal)).then(() => true, () => false);
    if (exists) return resolveInsideWorkspace(root, normal);
    const parent = await resolveInsideWorkspace(root, posix.dirname(normal));
    return join(parent, posix.basename(normal));
  }

  private async list(dir: string): Promise<TreeEntry[]> {
    const root = this.root();
    const normal = normalizePath(dir);
    const absolute = normal ? await resolveInsideWorkspace(root, normal) : root;
    const entries = await readdir(absolute, { withFileTypes: true }).catch((error: unknown) => {
      if (isMissing(error)) throw new UserFacingError('not-found', `No such folder in the workspace: ${dir}`);
      throw error;
    });
    const listed: TreeEntry[] = [];
    for (const entry of entries.slice(0, MAX_LISTED)) {
      if (HIDDEN_DIRS.has(entry.name)) continue;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        // Shown by what it points to; a broken link is left out. Opening one outside is refused on read.
        const target = await stat(join(absolute, entry.name)).catch(() => null);
        isDir = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
      }
      if (!isDir && !isFile) continue;
      listed.push({ name: entry.name, path: normal ? `${normal}/${entry.name}` : entry.name, kind: isDir ? 'dir' : 'file' });
    }
    return listed.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
  }

  private async read(path: string) {
    const absolute = await resolveInsideWorkspace(this.root(), normalizePath(path));
    const handle = await open(absolute, 'r');
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new UserFacingError('bad-path', `Not a file: ${path}`);
      if (info.size > MAX_EDITOR_BYTES) {
        throw new UserFacingError('too-large', `${path} is ${megabytes(info.size)}; the editor opens files up to ${megabytes(MAX_EDITOR_BYTES)}.`);
      }
      const bytes = await handle.readFile();
      if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
        throw new UserFacingError('binary', `${path} looks like a binary file; the editor opens text files only.`);
      }
      return { path: normalizePath(path), text: bytes.toString('utf8'), mtimeMs: info.mtimeMs, sizeBytes: info.size };
    } finally {
      await handle.close();
    }
  }

  private async write(path: string, text: string, baseMtimeMs: number | null) {
    const normal = normalizePath(path);
    const absolute = await this.resolveTarget(this.root(), normal);
    const save = async () => {
      const before = await stat(absolute).catch((error: unknown) => {
        if (isMissing(error)) return null;
        throw error;
      });
      if (before && !before.isFile()) throw new UserFacingError('bad-path', `Not a file: ${path}`);
      if (baseMtimeMs !== null && before?.mtimeMs !== baseMtimeMs) {
        throw new UserFacingError('conflict', before
          ? `${path} changed on disk since it was opened.`
          : `${path} was deleted on disk since it was opened.`);
      }
      // A new file gets the usual mode (umask applies); an existing one keeps its own.
      await writeFileAtomic(absolute, text, before ? { mode: before.mode & 0o7777 } : {});
      return { mtimeMs: (await stat(absolute)).mtimeMs };
    };
    const watched = this.watches.get(normal);
    return watched ? watched.ownWrite(save) : save();
  }

  private async setWatched(paths: string[]): Promise<void> {
    const root = this.root();
    const wanted = new Set(paths.map(normalizePath).filter(Boolean));
    for (const [path, existing] of this.watches) {
      if (!wanted.has(path)) {
        existing.dispose();
        this.watches.delete(path);
      }
    }
    for (const path of wanted) {
      if (this.watches.has(path)) continue;
      // A file whose folder is gone, or that leads outside the workspace, is simply not watched.
      const absolute = await this.resolveTarget(root, path).catch(() => null);
      if (!absolute || this.watchedRoot !== root || this.watches.has(path)) continue;
      const info = await stat(absolute).catch(() => null);
      const emit = (changed: string, mtimeMs: number | null) => {
        if (this.watchedRoot === root) this.options.emit('file.changed', { path: changed, mtimeMs });
      };
      this.watches.set(path, new FileWatch(path, absolute, info, this.options.debounceMs ?? DEFAULT_DEBOUNCE_MS, emit));
    }
  }

  /** Another workspace is open: the old one's files are no longer watched. */
  workspaceChanged(): void {
    for (const existing of this.watches.values()) existing.dispose();
    this.watches.clear();
    this.watchedRoot = this.options.workspace();
  }

  readonly handlers: HandlersOf<FileCall> = {
    'file.list': ({ dir }) => this.list(dir),
    'file.read': ({ path }) => this.read(path),
    'file.write': ({ path, text, baseMtimeMs }) => this.write(path, text, baseMtimeMs),
    'file.watch': async ({ paths }) => {
      await this.setWatched(paths);
      return {};
    },
    'editor.buffer': async ({ path, text, baseMtimeMs, keepBackup }) => {
      const normal = normalizePath(path);
      this.options.buffers.set(normal, text);
      const root = this.options.workspace();
      if (root && this.options.hotExit && !keepBackup) {
        // A backup that cannot be written must not cost the edit: the buffer itself is kept.
        await this.options.hotExit.set(root, normal, text, baseMtimeMs ?? null).catch((error: unknown) => {
          console.error(`Could not back up unsaved ${normal}: ${(error as Error).message}`);
        });
      }
      return {};
    },
    'editor.backups': async () => {
      const root = this.options.workspace();
      return root && this.options.hotExit ? this.options.hotExit.list(root) : [];
    },
  };

  dispose(): void {
    for (const existing of this.watches.values()) existing.dispose();
    this.watches.clear();
  }
}
