// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { createAppStore } from '../../../renderer/app/appStore';
import { FakeApi } from './fakeApi';

afterEach(() => localStorage.clear());

describe('app store', () => {
  it('waits for a folder when no workspace is open, then opens its journal', async () => {
    const fake = new FakeApi();
    fake.workspacePath = null;
    const journal = fake.addJournal('Task');
    const store = createAppStore(fake);

    await store.getState().start();
    expect(store.getState().workspace?.path).toBeNull();
    expect(store.getState().session).toBeNull();

    await store.getState().openWorkspace('/home/me/project');
    expect(fake.inputsOf('workspace.open')).toEqual([{ path: '/home/me/project' }]);
    expect(store.getState().session?.journalId).toBe(journal.id);
  });

  it('reopens the journal used last in this workspace', async () => {
    const fake = new FakeApi();
    fake.addJournal('First');
    const second = fake.addJournal('Second');
    const first = createAppStore(fake);
    await first.getState().start();
    await first.getState().selectJournal(second.id);

    const reopened = createAppStore(fake);
    await reopened.getState().start();

    expect(reopened.getState().session?.journalId).toBe(second.id);
  });

  it('keeps the journal used last with main, so a restart on another port (no localStorage) reopens it', async () => {
    const fake = new FakeApi();
    fake.addJournal('First');
    const second = fake.addJournal('Second');
    const store = createAppStore(fake);
    await store.getState().start();
    await store.getState().selectJournal(second.id);
    expect(fake.inputsOf('window.saveState').at(-1)).toEqual({ lastJournalId: second.id });

    localStorage.clear();
    const restarted = createAppStore(fake);
    await restarted.getState().start();
    expect(restarted.getState().session?.journalId).toBe(second.id);
  });

  it('opens the first journal when main remembers none, or one that is gone', async () => {
    const fake = new FakeApi();
    const first = fake.addJournal('First');
    fake.addJournal('Second');
    fake.windowState = { ...fake.windowState, lastJournalId: 'deleted-journal' };
    const store = createAppStore(fake);
    await store.getState().start();
    expect(store.getState().session?.journalId).toBe(first.id);
  });

  it('closes the previous journal, saving its notes, when another is picked', async () => {
    const fake = new FakeApi();
    const first = fake.addJournal('First', ['Step']);
    const second = fake.addJournal('Second');
    const store = createAppStore(fake);
    await store.getState().start();
    store.getState().session!.store.getState().setNotesDraft(first.steps[0]!.id, 'unsaved');

    await store.getState().selectJournal(second.id);

    expect(fake.journal(first.id).steps[0]!.notes).toBe('unsaved');
    expect(fake.inputsOf('journal.close')).toEqual([{ journalId: first.id }]);
    expect(store.getState().session?.journalId).toBe(second.id);
  });

  it('shows the problem of a journal that cannot be opened without trying to open it', async () => {
    const fake = new FakeApi();
    const broken = fake.addJournal('Broken', [], { problem: 'journal.json: unexpected end of JSON' });
    const store = createAppStore(fake);

    await store.getState().start();

    expect(store.getState().problem).toEqual({ journalId: broken.id, title: 'Broken', message: 'journal.json: unexpected end of JSON' });
    expect(fake.inputsOf('journal.open')).toEqual([]);
  });

  it('shows an error from journal.open as the problem of that journal', async () => {
    const fake = new FakeApi();
    const journal = fake.addJournal('Task');
    fake.failNext('journal.open', 'schema version 9 is newer than this app');
    const store = createAppStore(fake);

    await store.getState().start();

    expect(store.getState().problem).toMatchObject({ journalId: journal.id, message: 'schema version 9 is newer than this app' });
    expect(store.getState().session).toBeNull();
  });

  it('creates a journal, opens it and lists it', async () => {
    const fake = new FakeApi();
    const store = createAppStore(fake);
    await store.getState().start();

    await store.getState().createJournal('Upgrade Node');

    expect(store.getState().workspace?.journals.map((j) => j.title)).toEqual(['Upgrade Node']);
    expect(store.getState().session?.store.getState().journal.title).toBe('Upgrade Node');
  });

  it('keeps errors until each is dismissed', async () => {
    const store = createAppStore(new FakeApi());
    store.getState().reportError(new Error('one'));
    store.getState().reportError('two');

    store.getState().dismissError(store.getState().errors[0]!.id);

    expect(store.getState().errors.map((e) => e.message)).toEqual(['two']);
  });
});
