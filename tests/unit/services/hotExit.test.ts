import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EditorBuffers } from '../../../main/services/editorBuffers';
import { FileService } from '../../../main/services/fileService';
import { HotExit } from '../../../main/services/hotExit';
import { useTempDirs } from '../storage/tempDirs';

const tempDir = useTempDirs();

describe('hot exit', () => {
  it('backs up each unsaved buffer of a workspace to the user data folder, and a clean one removes its backup', async () => {
    const [root, userData, other] = [await tempDir(), await tempDir(), await tempDir()];
    const dir = join(userData, 'hot-exit');
    let workspace = root;
    const service = new FileService({ workspace: () => workspace, buffers: new EditorBuffers(), emit: () => undefined, hotExit: new HotExit(dir) });
    const h = service.handlers;

    await h['editor.buffer']({ path: './src/a.ts', text: 'let a = 2;', baseMtimeMs: 1234 });
    await h['editor.buffer']({ path: 'b.ts', text: 'draft', baseMtimeMs: null });
    await h['editor.buffer']({ path: 'b.ts', text: null });
    // The editor went away (another workspace opened): the buffer goes, its backup stays.
    await h['editor.buffer']({ path: 'src/a.ts', text: null, keepBackup: true });
    // Another process (the next start) reads them back: one per file, only the user may read them.
    expect(await new HotExit(dir).list(root)).toEqual([{ path: 'src/a.ts', text: 'let a = 2;', baseMtimeMs: 1234 }]);
    const [file] = await readdir(dir);
    expect((await stat(join(dir, file!))).mode & 0o777).toBe(0o600);

    // Backups belong to their workspace; a broken backup file is skipped, not fatal.
    workspace = other;
    expect(await h['editor.backups']({})).toEqual([]);
    await writeFile(join(dir, 'broken.json'), '{"workspace":');
    workspace = root;
    expect(await h['editor.backups']({})).toEqual([{ path: 'src/a.ts', text: 'let a = 2;', baseMtimeMs: 1234 }]);
    service.dispose();
  });

  it('keeps the last of quick writes to one buffer, a removal included', async () => {
    const dir = join(await tempDir(), 'hot-exit');
    const hotExit = new HotExit(dir);
    await Promise.all([hotExit.set('/w', 'a', 'one', 1), hotExit.set('/w', 'a', 'two', 1), hotExit.set('/w', 'a', null, 1)]);
    expect(await hotExit.list('/w')).toEqual([]);
    await Promise.all([hotExit.set('/w', 'a', null, 1), hotExit.set('/w', 'a', 'three', 1)]);
    expect(await hotExit.list('/w')).toEqual([{ path: 'a', text: 'three', baseMtimeMs: 1 }]);
  });
});
