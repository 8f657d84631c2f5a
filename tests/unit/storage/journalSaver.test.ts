import { readFile, rm, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { serializeJournal } from '../../../app/journal/migrate';
import type { Journal } from '../../../app/journal/schema';
import { JournalMismatchError, WorkspaceStore } from '../../../main/storage/workspaceStore';
import { useTempDirs } from './tempDirs';

const tempDir = useTempDirs();

async function saverSetup() {
  const store = new WorkspaceStore(await tempDir());
  const { journal } = await store.createJournal('Version 0');
  const saver = store.openSaver(journal);
  const path = store.journalPath(journal.id);
  const version = (n: number): Journal => ({ ...journal, title: `Version ${n}` });
  return { store, journal, saver, path, version };
}

const versionOf = (text: string) => Number(/"title": "Version (\d+)"/.exec(text)?.[1]);

describe('JournalSaver', () => {
  it('writes the journal and resolves with the text written', async () => {
    const { saver, path, version } = await saverSetup();
    const text = await saver.save(version(1));
    expect(text).toBe(serializeJournal(version(1)));
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('coalesces saves that arrive during a write: the latest wins, in fewer writes', async () => {
    const { saver, path, version } = await saverSetup();
    const written: number[] = [];
    saver.onSaved((text) => void written.push(versionOf(text)));
    const saves = Array.from({ length: 50 }, (_, i) => saver.save(version(i + 1)));
    const texts = await Promise.all(saves);
    // Each save resolves with a version at least as new as its own.
    texts.forEach((text, i) => expect(versionOf(text)).toBeGreaterThanOrEqual(i + 1));
    expect(written).toEqual([1, 50]);
    expect(versionOf(await readFile(path, 'utf8'))).toBe(50);
  });

  it('keeps saving in order as saves keep arriving', async () => {
    const { saver, path, version } = await saverSetup();
    const written: number[] = [];
    saver.onSaved((text) => void written.push(versionOf(text)));
    const saves: Promise<string>[] = [];
    for (let n = 1; n <= 30; n++) {
      saves.push(saver.save(version(n)));
      if (n % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(saves);
    expect(written.length).toBeLessThan(30);
    expect(written).toEqual([...written].sort((a, b) => a - b));
    expect(written.at(-1)).toBe(30);
    expect(versionOf(await readFile(path, 'utf8'))).toBe(30);
  });

  it('saves the journal as it was when save was called', async () => {
    const { saver, path, version } = await saverSetup();
    const journal = version(1);
    const saving = saver.save(journal);
    journal.title = 'Version 2';
    await saving;
    expect(versionOf(await readFile(path, 'utf8'))).toBe(1);
  });

  it('refuses a journal with another id, and an invalid journal, without writing', async () => {
    const { saver, path, journal } = await saverSetup();
    const before = await readFile(path, 'utf8');
    await expect(saver.save({ ...journal, id: 'other' })).rejects.toThrow(JournalMismatchError);
    await expect(saver.save({ ...journal, title: '' })).rejects.toThrow();
    await saver.flush();
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('flush waits for the writes in progress', async () => {
    const { saver, path, version } = await saverSetup();
    await saver.flush();
    void saver.save(version(1));
    void saver.save(version(2));
    await saver.flush();
    expect(versionOf(await readFile(path, 'utf8'))).toBe(2);
  });

  it('rejects the saves of a failed write, reports it from flush, and recovers on the next save', async () => {
    const { saver, path, version } = await saverSetup();
    await rm(dirname(path), { recursive: true });
    await expect(saver.save(version(1))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(saver.flush()).rejects.toMatchObject({ code: 'ENOENT' });
    await mkdir(dirname(path));
    await saver.save(version(2));
    await saver.flush();
    expect(versionOf(await readFile(path, 'utf8'))).toBe(2);
  });

  it('tells listeners what was written, and resolves only after they finish', async () => {
    const { saver, version } = await saverSetup();
    const seen: string[] = [];
    const stop = saver.onSaved(async (text) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen.push(text);
    });
    const text = await saver.save(version(1));
    expect(seen).toEqual([text]);
    stop();
    await saver.save(version(2));
    expect(seen).toEqual([text]);
  });

  it('does not fail a durable save because a listener failed', async () => {
    const { saver, path, version } = await saverSetup();
    const report = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    saver.onSaved(() => {
      throw new Error('listener broke');
    });
    saver.onSaved(async () => {
      throw new Error('async listener broke');
    });
    await saver.save(version(1));
    expect(versionOf(await readFile(path, 'utf8'))).toBe(1);
    expect(report).toHaveBeenCalledTimes(2);
    report.mockRestore();
  });

  it('tells writing listeners each text before it is written, and writes even if one fails', async () => {
    const { saver, path, version } = await saverSetup();
    const report = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const onDiskWhenTold: number[] = [];
    const stop = saver.onWriting(async (text) => {
      expect(versionOf(text)).toBe(1);
      onDiskWhenTold.push(versionOf(await readFile(path, 'utf8')));
      throw new Error('listener broke');
    });
    await saver.save(version(1));
    expect(onDiskWhenTold).toEqual([0]);
    expect(versionOf(await readFile(path, 'utf8'))).toBe(1);
    expect(report).toHaveBeenCalledTimes(1);
    stop();
    await saver.save(version(2));
    expect(onDiskWhenTold).toEqual([0]);
    report.mockRestore();
  });
});
