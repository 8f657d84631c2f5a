import { mkdir, readdir, readFile, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../app/ipc/contract';
import type { PtyHost } from '../../../main/pty/ptyHost';
import { AppServices } from '../../../main/services/appServices';
import { EditorBuffers } from '../../../main/services/editorBuffers';
import { FileService, MAX_EDITOR_BYTES } from '../../../main/services/fileService';
import { TrustStore } from '../../../main/storage/trustStore';
import type { EventSink } from '../../../main/transport/dispatcher';
import { useTempDirs } from '../storage/tempDirs';

const tempDir = useTempDirs();

async function setup() {
  const root = await tempDir();
  const outside = await tempDir();
  const events: EventPayload<'file.changed'>[] = [];
  const emit: EventSink = (event, payload) => {
    if (event === 'file.changed') events.push(payload as EventPayload<'file.changed'>);
  };
  const buffers = new EditorBuffers();
  let workspace: string | null = root;
  const service = new FileService({ workspace: () => workspace, buffers, emit, debounceMs: 20 });
  const h = service.handlers;
  const setWorkspace = (path: string | null) => (workspace = path);
  return { root, outside, events, buffers, service, h, setWorkspace };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `events` holds `count` entries (watch events take a debounce to arrive), then a little more for strays. */
async function eventsAfter(events: unknown[], count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (events.length < count && Date.now() < deadline) await pause(10);
  await pause(150);
}

describe('FileService', () => {
  it('lists one folder at a time, folders first, without .git and .steerway', async () => {
    const { root, h } = await setup();
    await mkdir(join(root, 'src/lib'), { recursive: true });
    await mkdir(join(root, '.git'));
    await mkdir(join(root, '.steerway'));
    await writeFile(join(root, 'b.ts'), '');
    await writeFile(join(root, 'a.md'), '');
    await writeFile(join(root, 'src/index.ts'), '');

    expect(await h['file.list']({ dir: '' })).toEqual([
      { name: 'src', path: 'src', kind: 'dir' },
      { name: 'a.md', path: 'a.md', kind: 'file' },
      { name: 'b.ts', path: 'b.ts', kind: 'file' },
    ]);
    expect(await h['file.list']({ dir: 'src' })).toEqual([
      { name: 'lib', path: 'src/lib', kind: 'dir' },
      { name: 'index.ts', path: 'src/index.ts', kind: 'file' },
    ]);
  });

  it('reads text with its mtime and size, refusing binary and huge files clearly', async () => {
    const { root, h } = await setup();
    await writeFile(join(root, 'a.ts'), 'const a = 1;\n');
    await writeFile(join(root, 'img.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
    await writeFile(join(root, 'big.log'), Buffer.alloc(MAX_EDITOR_BYTES + 1, 'a'));

    const read = await h['file.read']({ path: './a.ts' });
    expect(read).toEqual({ path: 'a.ts', text: 'const a = 1;\n', mtimeMs: (await stat(join(root, 'a.ts'))).mtimeMs, sizeBytes: 13 });
    await expect(h['file.read']({ path: 'img.png' })).rejects.toMatchObject({ code: 'binary', message: expect.stringMatching(/binary/) });
    await expect(h['file.read']({ path: 'big.log' })).rejects.toMatchObject({ code: 'too-large', message: expect.stringMatching(/5\.0 MB/) });
    await expect(h['file.read']({ path: 'missing.ts' })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('refuses paths that escape the workspace by .., absolute paths or symlinks, for every call', async () => {
    const { root, outside, h } = await setup();
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await symlink(join(outside, 'secret.txt'), join(root, 'link.txt'));
    await symlink(outside, join(root, 'linkdir'));

    for (const path of ['../secret.txt', join(outside, 'secret.txt'), 'link.txt', 'linkdir/secret.txt', 'a/../../secret.txt']) {
      await expect(h['file.read']({ path })).rejects.toMatchObject({ code: 'bad-path' });
      await expect(h['file.write']({ path, text: 'pwned', baseMtimeMs: null })).rejects.toMatchObject({ code: 'bad-path' });
    }
    await expect(h['file.write']({ path: 'linkdir/new.txt', text: 'pwned', baseMtimeMs: null })).rejects.toMatchObject({ code: 'bad-path' });
    await expect(h['file.list']({ dir: 'linkdir' })).rejects.toMatchObject({ code: 'bad-path' });
    await expect(h['file.list']({ dir: '..' })).rejects.toMatchObject({ code: 'bad-path' });
    expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    expect(await readdir(outside)).toEqual(['secret.txt']);
  });

  it('writes atomically (no temp file left), creates new files, and refuses a stale base with conflict', async () => {
    const { root, h } = await setup();
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'src/a.ts'), 'old');
    const { mtimeMs: base } = await h['file.read']({ path: 'src/a.ts' });

    const saved = await h['file.write']({ path: 'src/a.ts', text: 'new', baseMtimeMs: base });
    expect(await readFile(join(root, 'src/a.ts'), 'utf8')).toBe('new');
    expect(saved.mtimeMs).toBe((await stat(join(root, 'src/a.ts'))).mtimeMs);
    expect(await readdir(join(root, 'src'))).toEqual(['a.ts']);

    // Someone else saved since `saved`: the editor's save is refused, the other text kept.
    await writeFile(join(root, 'src/a.ts'), 'theirs');
    await utimes(join(root, 'src/a.ts'), new Date(), new Date(Date.now() + 5000));
    await expect(h['file.write']({ path: 'src/a.ts', text: 'mine', baseMtimeMs: saved.mtimeMs })).rejects.toMatchObject({ code: 'conflict' });
    expect(await readFile(join(root, 'src/a.ts'), 'utf8')).toBe('theirs');
    // Overwrite chosen: no base.
    await h['file.write']({ path: 'src/a.ts', text: 'mine', baseMtimeMs: null });
    expect(await readFile(join(root, 'src/a.ts'), 'utf8')).toBe('mine');

    await h['file.write']({ path: 'src/new.ts', text: 'fresh', baseMtimeMs: null });
    expect(await readFile(join(root, 'src/new.ts'), 'utf8')).toBe('fresh');
    await rm(join(root, 'src/new.ts'));
    await expect(h['file.write']({ path: 'src/new.ts', text: 'again', baseMtimeMs: saved.mtimeMs })).rejects.toMatchObject({ code: 'conflict' });
    await expect(h['file.write']({ path: 'nofolder/x.ts', text: 'x', baseMtimeMs: null })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('keeps the live buffer of a path until null', async () => {
    const { buffers, h } = await setup();
    await h['editor.buffer']({ path: './src/a.ts', text: 'draft' });
    expect(buffers.get('src/a.ts')).toBe('draft');
    await h['editor.buffer']({ path: 'src/a.ts', text: null });
    expect(buffers.get('src/a.ts')).toBeNull();
  });

  it('reports changes to watched files, not its own saves, and stops watching what is no longer open', async () => {
    const { root, events, h, service } = await setup();
    await writeFile(join(root, 'a.ts'), '1');
    await writeFile(join(root, 'b.ts'), '1');
    await h['file.watch']({ paths: ['a.ts', 'b.ts'] });

    await writeFile(join(root, 'a.ts'), '2');
    await eventsAfter(events, 1);
    expect(events).toEqual([{ path: 'a.ts', mtimeMs: (await stat(join(root, 'a.ts'))).mtimeMs }]);

    // Our own save is no news.
    await h['file.write']({ path: 'a.ts', text: '3', baseMtimeMs: null });
    await pause(200);
    expect(events).toHaveLength(1);

    // The watcher survived our atomic save: an outside change is still seen.
    await writeFile(join(root, 'a.ts'), '4');
    await eventsAfter(events, 2);
    expect(events.at(-1)).toEqual({ path: 'a.ts', mtimeMs: (await stat(join(root, 'a.ts'))).mtimeMs });

    await h['file.watch']({ paths: ['a.ts'] });
    await writeFile(join(root, 'b.ts'), '2');
    await pause(200);
    expect(events.map((e) => e.path)).toEqual(['a.ts', 'a.ts']);
    service.dispose();
    await writeFile(join(root, 'a.ts'), '5');
    await pause(200);
    expect(events).toHaveLength(2);
  });

  it('follows a file that another tool saves by renaming over it, again and again', async () => {
    const { root, events, h } = await setup();
    await writeFile(join(root, 'a.ts'), 'v0');
    await h['file.watch']({ paths: ['a.ts'] });

    for (let i = 1; i <= 3; i++) {
      await writeFile(join(root, `.a.ts.tmp${i}`), `v${i}`);
      await rename(join(root, `.a.ts.tmp${i}`), join(root, 'a.ts'));
      await eventsAfter(events, i);
      expect(events).toHaveLength(i);
      expect(events.at(-1)).toEqual({ path: 'a.ts', mtimeMs: (await stat(join(root, 'a.ts'))).mtimeMs });
    }
  });

  it('reports a deleted file with a null mtime, and its re-creation', async () => {
    const { root, events, h } = await setup();
    await writeFile(join(root, 'a.ts'), 'v0');
    await h['file.watch']({ paths: ['a.ts'] });

    await rm(join(root, 'a.ts'));
    await eventsAfter(events, 1);
    expect(events).toEqual([{ path: 'a.ts', mtimeMs: null }]);

    await writeFile(join(root, 'a.ts'), 'back');
    await eventsAfter(events, 2);
    expect(events).toEqual([{ path: 'a.ts', mtimeMs: null }, { path: 'a.ts', mtimeMs: (await stat(join(root, 'a.ts'))).mtimeMs }]);
  });

  it('drops the watches of the previous workspace when another one opens', async () => {
    const { root, events, h, service, setWorkspace } = await setup();
    await writeFile(join(root, 'a.ts'), '1');
    await h['file.watch']({ paths: ['a.ts'] });
    setWorkspace(await tempDir());
    service.workspaceChanged();
    await writeFile(join(root, 'a.ts'), '2');
    await pause(200);
    expect(events).toEqual([]);
  });

  it('in AppServices: answers the editor calls, and opening another workspace drops the old watches', async () => {
    const [first, second, userData] = [await tempDir(), await tempDir(), await tempDir()];
    await writeFile(join(first, 'a.ts'), '1');
    const changed: unknown[] = [];
    const services = await AppServices.create({
      workspacePath: first,
      userDataDir: userData,
      modelPath: null,
      bundledModelPath: null,
      trust: new TrustStore(userData),
      // No journal is opened here, so no shell is ever asked for.
      ptyHost: {} as PtyHost,
      emit: (event, payload) => event === 'file.changed' && changed.push(payload),
      openExternal: async () => undefined,
    });
    try {
      const h = services.handlers;
      expect((await h['file.read']({ path: 'a.ts' })).text).toBe('1');
      await h['editor.buffer']({ path: 'a.ts', text: 'draft' });
      expect(services.buffers.get('a.ts')).toBe('draft');
      await h['file.watch']({ paths: ['a.ts'] });
      await h['workspace.open']({ path: second });
      await writeFile(join(first, 'a.ts'), '2');
      await pause(300);
      expect(changed).toEqual([]);
    } finally {
      await services.dispose();
    }
  });
});
