import { RemoteError } from '../../../app/ipc/api';
import type { CallInput, CallName, CallOutput } from '../../../app/ipc/contract';
import type { EditorBackup } from '../../../app/editor/schemas';
import { FakeApi } from './fakeApi';

/** FakeApi with an in-memory workspace for the editor's calls, as main's FileService answers them. */
export class EditorFakeApi extends FakeApi {
  /** path -> content and mtime. */
  readonly disk = new Map<string, { text: string; mtimeMs: number }>();
  private clock = 1000;
  /** Hot exit: the buffers main would have backed up, by path. */
  readonly backups = new Map<string, EditorBackup>();

  put(path: string, text: string): number {
    const mtimeMs = ++this.clock;
    this.disk.set(path, { text, mtimeMs });
    return mtimeMs;
  }

  /** Changes a file on disk behind the editor's back and tells it, as main's watcher would. */
  changeOnDisk(path: string, text: string | null): void {
    if (text === null) this.disk.delete(path);
    const mtimeMs = text === null ? null : this.put(path, text);
    this.emit('file.changed', { path, mtimeMs });
  }

  private readonly fileFailures = new Map<CallName, string>();

  override failNext(name: CallName, message: string): void {
    if (name in this.fileHandlers) this.fileFailures.set(name, message);
    else super.failNext(name, message);
  }

  override async call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
    const handler = this.fileHandlers[name as keyof typeof this.fileHandlers] as ((input: unknown) => unknown) | undefined;
    if (!handler) return super.call(name, input);
    this.log.push({ name, input });
    await Promise.resolve();
    const failure = this.fileFailures.get(name);
    if (failure !== undefined) {
      this.fileFailures.delete(name);
      throw new RemoteError('failed', failure);
    }
    return handler(input) as CallOutput<K>;
  }

  private readonly fileHandlers: { [K in CallName]?: (input: CallInput<K>) => CallOutput<K> } = {
    'file.list': ({ dir }) => {
      const prefix = dir ? `${dir}/` : '';
      const names = new Map<string, 'file' | 'dir'>();
      for (const path of this.disk.keys()) {
        if (!path.startsWith(prefix)) continue;
        const [first, ...rest] = path.slice(prefix.length).split('/');
        names.set(first!, rest.length ? 'dir' : 'file');
      }
      return [...names].map(([name, kind]) => ({ name, kind, path: prefix + name }));
    },
    'file.read': ({ path }) => {
      const file = this.disk.get(path);
      if (!file) throw new RemoteError('not-found', `No such file in the workspace: ${path}`);
      return { path, text: file.text, mtimeMs: file.mtimeMs, sizeBytes: file.text.length };
    },
    'file.write': ({ path, text, baseMtimeMs }) => {
      const file = this.disk.get(path);
      if (baseMtimeMs !== null && file?.mtimeMs !== baseMtimeMs) throw new RemoteError('conflict', `${path} changed on disk since it was opened.`);
      return { mtimeMs: this.put(path, text) };
    },
    'file.watch': () => ({}),
    // As main does: every buffer is backed up for hot exit, a null one removes its backup.
    'editor.buffer': ({ path, text, baseMtimeMs, keepBackup }) => {
      if (keepBackup) return {};
      if (text === null) this.backups.delete(path);
      else this.backups.set(path, { path, text, baseMtimeMs: baseMtimeMs ?? null });
      return {};
    },
    'editor.backups': () => [...this.backups.values()],
  };
}
