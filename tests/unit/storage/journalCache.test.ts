import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeJournal } from '../../../app/journal/migrate';
import { createJournal, newStep } from '../../../app/journal/schema';
import { WorkspaceStore } from '../../../main/storage/workspaceStore';
import { useTempDirs } from './tempDirs';

const tempDir = useTempDirs();

async function storeWith(id: string, steps: string[]) {
  const store = new WorkspaceStore(await tempDir());
  const path = store.journalPath(id);
  await mkdir(dirname(path), { recursive: true });
  const write = (titles: string[]) =>
    writeFile(path, serializeJournal({ ...createJournal(id, 'Long', new Date('2026-12-01T00:00:00Z')), steps: titles.map((t, i) => newStep(`s${i}`, t)) }));
  await write(steps);
  return { store, write };
}

describe('WorkspaceStore: a journal listed and then opened is parsed once', () => {
  it('answers a read of an unchanged file with what it parsed for the listing', async () => {
    const { store } = await storeWith('j1', ['One', 'Two']);
    const listed = await store.listJournals();
    expect(listed).toMatchObject([{ id: 'j1', stepCount: 2, problem: null }]);

    const first = await store.readJournal('j1');
    const again = await store.readJournal('j1');
    // The same object: nothing was read or validated again.
    expect(again.journal).toBe(first.journal);
  });

  it('reads the file again once it changed, and lists the change', async () => {
    const { store, write } = await storeWith('j1', ['One', 'Two']);
    const before = await store.readJournal('j1');
    await write(['One', 'Two', 'Three']);

    const after = await store.readJournal('j1');
    expect(after.journal).not.toBe(before.journal);
    expect(after.journal.steps.map((s) => s.title)).toEqual(['One', 'Two', 'Three']);
    expect(await store.listJournals()).toMatchObject([{ id: 'j1', stepCount: 3 }]);
  });

  it('still reports a file that became invalid', async () => {
    const { store } = await storeWith('j1', ['One']);
    await store.readJournal('j1');
    await writeFile(store.journalPath('j1'), '{ not json');
    expect((await store.listJournals())[0]!.problem).toMatch(/not valid JSON/);
  });
});
