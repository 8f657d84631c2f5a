import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BUFFER_DELAY_MS, createEditorStore, isDirty } from '../../../renderer/editor/editorStore';
import { EditorFakeApi } from './editorFakeApi';

async function setup() {
  const fake = new EditorFakeApi();
  fake.put('src/a.ts', 'let a = 1;');
  fake.put('src/b.ts', 'let b = 1;');
  const errors: unknown[] = [];
  const store = createEditorStore(fake, (error) => errors.push(error));
  const connection = store.getState().connect();
  const state = () => store.getState();
  const tab = (path: string) => state().tabs.find((t) => t.path === path)!;
  return { fake, store, connection, state, tab, errors };
}

/** Lets the fake's answers (a microtask later) and the store's follow-ups run. */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('editor store', () => {
  it('hot exit: a new store reopens the backed-up buffers as dirty tabs and says so; one changed on disk says that too', async () => {
    const { fake, state } = await setup();
    await state().open('src/a.ts');
    await state().open('src/b.ts');
    state().edit('src/a.ts', 'let a = 2;');
    state().edit('src/b.ts', 'let b = 2;');
    // The page goes away before the pause: flushing sends both buffers now.
    state().flushBuffers();
    await settle();
    const openedMtime = fake.disk.get('src/b.ts')!.mtimeMs;
    fake.put('src/b.ts', 'let b = 100;');

    const notices: string[] = [];
    const next = createEditorStore(fake, (error) => { throw error; }, (message) => notices.push(message));
    next.getState().connect();
    await settle();

    expect(next.getState().tabs.map((t) => [t.path, t.text, t.savedText, isDirty(t), t.externalChange])).toEqual([
      ['src/a.ts', 'let a = 2;', 'let a = 1;', true, null],
      ['src/b.ts', 'let b = 2;', 'let b = 100;', true, 'changed'],
    ]);
    // The tab active when the page went (main remembers it) is active again.
    expect(next.getState().activePath).toBe('src/b.ts');
    // A save of the changed file still asks before overwriting what changed on disk.
    expect(next.getState().tabs[1]!.mtimeMs).toBe(openedMtime);
    expect(await next.getState().save('src/b.ts')).toBe(false);
    expect(next.getState().tabs[1]!.conflict).toBe(true);
    expect(notices).toEqual(['Restored unsaved changes to a.ts, b.ts (b.ts changed on disk since: check before saving)']);

    // Saved: the backup goes.
    expect(await next.getState().save('src/a.ts')).toBe(true);
    expect([...fake.backups.keys()]).toEqual(['src/b.ts']);
  });

  it('opens a file once, activates it, watches the open set, and picks the neighbour when the active tab closes', async () => {
    const { fake, state } = await setup();
    await state().open('src/a.ts');
    await state().open('src/b.ts');
    await state().open('src/a.ts');
    expect(state().tabs.map((t) => [t.path, t.name, t.text])).toEqual([['src/a.ts', 'a.ts', 'let a = 1;'], ['src/b.ts', 'b.ts', 'let b = 1;']]);
    expect(state().activePath).toBe('src/a.ts');
    expect(fake.inputsOf('file.read')).toHaveLength(2);

    state().close('src/a.ts');
    expect(state().activePath).toBe('src/b.ts');
    state().close('src/b.ts');
    expect(state().activePath).toBeNull();
    expect(fake.inputsOf('file.watch')).toEqual([{ paths: ['src/a.ts'] }, { paths: ['src/a.ts', 'src/b.ts'] }, { paths: ['src/b.ts'] }, { paths: [] }]);
  });

  it('reports a file that cannot be opened and opens no tab', async () => {
    const { state, errors } = await setup();
    await state().open('missing.ts');
    expect(state().tabs).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it('is dirty while the text differs from disk; sends the buffer after a pause, and null once saved', async () => {
    const { fake, state, tab } = await setup();
    await state().open('src/a.ts');
    state().edit('src/a.ts', 'let a = 2');
    state().edit('src/a.ts', 'let a = 22;');
    expect(isDirty(tab('src/a.ts'))).toBe(true);
    await vi.advanceTimersByTimeAsync(BUFFER_DELAY_MS - 1);
    expect(fake.inputsOf('editor.buffer')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.inputsOf('editor.buffer')).toEqual([{ path: 'src/a.ts', text: 'let a = 22;', baseMtimeMs: tab('src/a.ts').mtimeMs }]);

    expect(await state().save('src/a.ts')).toBe(true);
    expect(fake.disk.get('src/a.ts')?.text).toBe('let a = 22;');
    expect(isDirty(tab('src/a.ts'))).toBe(false);
    expect(fake.inputsOf('editor.buffer').at(-1)).toEqual({ path: 'src/a.ts', text: null });
    expect(tab('src/a.ts').mtimeMs).toBe(fake.disk.get('src/a.ts')?.mtimeMs);
  });

  it('typing back to the saved text makes the tab clean, and closing a dirty tab clears its buffer', async () => {
    const { fake, state, tab } = await setup();
    await state().open('src/a.ts');
    state().edit('src/a.ts', 'x');
    await vi.advanceTimersByTimeAsync(BUFFER_DELAY_MS);
    state().edit('src/a.ts', 'let a = 1;');
    expect(isDirty(tab('src/a.ts'))).toBe(false);
    expect(fake.inputsOf('editor.buffer').at(-1)).toEqual({ path: 'src/a.ts', text: null });

    state().edit('src/a.ts', 'y');
    await vi.advanceTimersByTimeAsync(BUFFER_DELAY_MS);
    state().close('src/a.ts');
    expect(fake.inputsOf('editor.buffer').at(-1)).toEqual({ path: 'src/a.ts', text: null });
  });

  it('reloads a clean tab silently when the file changes on disk, and ignores the echo of its own save', async () => {
    const { fake, state, tab } = await setup();
    await state().open('src/a.ts');
    fake.changeOnDisk('src/a.ts', 'let a = 3;');
    await settle();
    expect(tab('src/a.ts')).toMatchObject({ text: 'let a = 3;', savedText: 'let a = 3;', revision: 1, externalChange: null });

    state().edit('src/a.ts', 'mine');
    await state().save('src/a.ts');
    const reads = fake.inputsOf('file.read').length;
    fake.emit('file.changed', { path: 'src/a.ts', mtimeMs: tab('src/a.ts').mtimeMs });
    await settle();
    expect(fake.inputsOf('file.read')).toHaveLength(reads);
  });

  it('keeps the edits of a dirty tab when the file changes on disk, with a notice; Reload takes the disk text', async () => {
    const { fake, state, tab } = await setup();
    await state().open('src/a.ts');
    state().edit('src/a.ts', 'mine');
    fake.changeOnDisk('src/a.ts', 'theirs');
    await settle();
    expect(tab('src/a.ts')).toMatchObject({ text: 'mine', externalChange: 'changed', revision: 0 });

    await state().reload('src/a.ts');
    expect(tab('src/a.ts')).toMatchObject({ text: 'theirs', savedText: 'theirs', externalChange: null, revision: 1 });
  });

  it('marks a deleted file on its tab, and Dismiss keeps the edits', async () => {
    const { fake, state, tab } = await setup();
    await state().open('src/a.ts');
    state().edit('src/a.ts', 'mine');
    fake.changeOnDisk('src/a.ts', null);
    await settle();
    expect(tab('src/a.ts').externalChange).toBe('deleted');
    state().dismissExternalChange('src/a.ts');
    expect(tab('src/a.ts')).toMatchObject({ text: 'mine', externalChange: null });
  });

  it('a save over a change on disk is refused as a conflict: overwrite writes anyway, reload drops the edits', async () => {
    const { fake, state, tab, errors } = await setup();
    await state().open('src/a.ts');
    state().edit('src/a.ts', 'mine');
    fake.put('src/a.ts', 'theirs');

    expect(await state().save('src/a.ts')).toBe(false);
    expect(tab('src/a.ts').conflict).toBe(true);
    expect(fake.disk.get('src/a.ts')?.text).toBe('theirs');
    expect(errors).toEqual([]);

    expect(await state().save('src/a.ts', { overwrite: true })).toBe(true);
    expect(fake.disk.get('src/a.ts')?.text).toBe('mine');
    expect(tab('src/a.ts').conflict).toBe(false);

    state().edit('src/a.ts', 'mine again');
    fake.put('src/a.ts', 'theirs again');
    await state().save('src/a.ts');
    await state().reload('src/a.ts');
    expect(tab('src/a.ts')).toMatchObject({ text: 'theirs again', conflict: false });
  });

  it('disconnecting stops listening, unwatches, and clears the buffers main holds, keeping their backups', async () => {
    const { fake, state, connection, tab } = await setup();
    await state().open('src/a.ts');
    state().edit('src/a.ts', 'mine');
    await vi.advanceTimersByTimeAsync(BUFFER_DELAY_MS);
    connection.dispose();
    expect(fake.inputsOf('editor.buffer').at(-1)).toEqual({ path: 'src/a.ts', text: null, keepBackup: true });
    expect(fake.backups.get('src/a.ts')?.text).toBe('mine');
    expect(fake.inputsOf('file.watch').at(-1)).toEqual({ paths: [] });
    fake.changeOnDisk('src/a.ts', 'theirs');
    await settle();
    expect(tab('src/a.ts').externalChange).toBeNull();
  });
});

describe('editor tabs across restarts', () => {
  it('main keeps the open tabs and the active one; a new store reopens them in order, skipping a file gone since', async () => {
    const { fake, state } = await setup();
    fake.put('src/c.ts', 'let c = 1;');
    await settle();
    await state().open('src/b.ts');
    await state().open('src/a.ts');
    await state().open('src/c.ts');
    state().activate('src/a.ts');
    await settle();
    expect(fake.windowState).toMatchObject({ editorTabs: ['src/b.ts', 'src/a.ts', 'src/c.ts'], activeTab: 'src/a.ts' });

    fake.disk.delete('src/c.ts');
    const errors: unknown[] = [];
    const next = createEditorStore(fake, (error) => errors.push(error));
    next.getState().connect();
    await settle();
    expect(next.getState().tabs.map((t) => t.path)).toEqual(['src/b.ts', 'src/a.ts']);
    expect(next.getState().activePath).toBe('src/a.ts');
    expect(next.getState().tabs.some(isDirty)).toBe(false);
    expect(errors).toEqual([]);
    // Restoring did not forget the tabs before they were back; what is open now is kept.
    expect(fake.windowState).toMatchObject({ editorTabs: ['src/b.ts', 'src/a.ts'], activeTab: 'src/a.ts' });
  });

  it('a backed-up dirty tab keeps its unsaved text when it was also a remembered tab', async () => {
    const { fake, state } = await setup();
    await state().open('src/a.ts');
    state().edit('src/a.ts', 'let a = 2;');
    state().flushBuffers();
    await settle();

    const next = createEditorStore(fake, () => undefined);
    next.getState().connect();
    await settle();
    expect(next.getState().tabs.map((t) => [t.path, t.text])).toEqual([['src/a.ts', 'let a = 2;']]);
  });
});
