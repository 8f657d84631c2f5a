import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WindowStateStore } from '../../../main/services/windowState';

const EMPTY = { lastJournalId: null, editorTabs: [], activeTab: null };

describe('window state kept by main, per workspace', () => {
  const dirs: string[] = [];
  const scratch = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'window-state-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('keeps each part as it is saved, separately for each workspace, across a new store (a restart)', async () => {
    const dir = await scratch();
    const store = new WindowStateStore(dir);
    expect(await store.get('/ws/one')).toEqual(EMPTY);
    // The journal and the editor save their parts at the same time: neither loses the other's.
    await Promise.all([
      store.save('/ws/one', { lastJournalId: 'j2' }),
      store.save('/ws/one', { editorTabs: ['src/a.ts', 'src/b.ts'], activeTab: 'src/b.ts' }),
      store.save('/ws/two', { lastJournalId: 'other' }),
    ]);
    const restarted = new WindowStateStore(dir);
    expect(await restarted.get('/ws/one')).toEqual({ lastJournalId: 'j2', editorTabs: ['src/a.ts', 'src/b.ts'], activeTab: 'src/b.ts' });
    expect(await restarted.get('/ws/two')).toEqual({ ...EMPTY, lastJournalId: 'other' });
    const [file] = await readdir(dir);
    expect((await stat(join(dir, file!))).mode & 0o777).toBe(0o600);
  });

  it('reads an unreadable or foreign file as an empty state, and a save replaces it', async () => {
    const dir = await scratch();
    const store = new WindowStateStore(dir);
    await store.save('/ws/one', { lastJournalId: 'j1' });
    const [file] = await readdir(dir);
    await writeFile(join(dir, file!), '{"lastJournalId": 3');
    expect(await store.get('/ws/one')).toEqual(EMPTY);
    await writeFile(join(dir, file!), JSON.stringify({ ...EMPTY, lastJournalId: 'j9', workspace: '/ws/elsewhere' }));
    expect(await store.get('/ws/one')).toEqual(EMPTY);
    await store.save('/ws/one', { activeTab: 'a.ts' });
    expect(await store.get('/ws/one')).toEqual({ ...EMPTY, activeTab: 'a.ts' });
  });

  it('answers the calls for the open workspace, and nothing before one is open', async () => {
    let workspace: string | null = null;
    const handlers = new WindowStateStore(await scratch()).handlers(() => workspace);
    await handlers['window.saveState']({ lastJournalId: 'lost' });
    expect(await handlers['window.state']({})).toEqual(EMPTY);
    workspace = '/ws/one';
    await handlers['window.saveState']({ lastJournalId: 'j1' });
    expect(await handlers['window.state']({})).toEqual({ ...EMPTY, lastJournalId: 'j1' });
  });
});
