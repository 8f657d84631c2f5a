import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEdit } from '../../../app/journal/edits';
import { serializeJournal } from '../../../app/journal/migrate';
import { createJournal, JOURNAL_SCHEMA_VERSION, type Journal } from '../../../app/journal/schema';
import { InvalidIdError, JournalLoadError, NotAFileError, SaveRefusedError, UnsafePathError, WorkspaceStore } from '../../../main/storage/workspaceStore';
import { useTempDirs } from './tempDirs';

const tempDir = useTempDirs();

async function newStore(): Promise<WorkspaceStore> {
  return new WorkspaceStore(await tempDir());
}

/** Puts a journal file in place as another Steerway (or a clone) would have. */
async function placeJournal(store: WorkspaceStore, id: string, content: string | Uint8Array): Promise<string> {
  const path = store.journalPath(id);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  return path;
}

async function loadError(promise: Promise<unknown>): Promise<JournalLoadError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(JournalLoadError);
  return error as JournalLoadError;
}

describe('WorkspaceStore journals', () => {
  it('keeps journals under <workspace>/.steerway/journals/<id>/journal.json, in stable text', async () => {
    const workspace = await tempDir();
    const store = new WorkspaceStore(workspace);
    const { journal, text } = await store.createJournal('My journal');
    expect(store.root).toBe(join(workspace, '.steerway'));
    expect(store.journalPath(journal.id)).toBe(join(workspace, '.steerway', 'journals', journal.id, 'journal.json'));
    expect(journal).toMatchObject({ schemaVersion: JOURNAL_SCHEMA_VERSION, title: 'My journal', steps: [], currentStepId: null });
    expect(text).toBe(serializeJournal(journal));
    expect(await readFile(store.journalPath(journal.id), 'utf8')).toBe(text);
  });

  it('reads and lists what it created', async () => {
    const store = await newStore();
    const { journal, text } = await store.createJournal('Round trip');
    expect(await store.readJournal(journal.id)).toEqual({ journal, text, path: store.journalPath(journal.id) });
    expect(await store.listJournals()).toEqual([{ id: journal.id, title: 'Round trip', createdAt: journal.createdAt, stepCount: 0, problem: null }]);
  });

  it('lets the caller act on a new journal before its file exists (the trust store signs it then)', async () => {
    const store = await newStore();
    const seen: Array<[string, string, boolean]> = [];
    const { journal, text } = await store.createJournal('Signed first', async (path, written) => {
      seen.push([path, written, await stat(path).then(() => true, () => false)]);
    });
    expect(seen).toEqual([[store.journalPath(journal.id), text, false]]);
    expect(await readFile(store.journalPath(journal.id), 'utf8')).toBe(text);
  });

  it('lists nothing for a workspace without journals', async () => {
    expect(await (await newStore()).listJournals()).toEqual([]);
  });

  it('lists newest first, skips files, and lists a folder whose name is no journal id with why', async () => {
    const store = await newStore();
    await placeJournal(store, 'older', serializeJournal(createJournal('older', 'Older', new Date('2024-01-01T00:00:00Z'))));
    await placeJournal(store, 'newer', serializeJournal(createJournal('newer', 'Newer', new Date('2025-01-01T00:00:00Z'))));
    await writeFile(join(store.root, 'journals', 'README'), 'a file, not a journal');
    await mkdir(join(store.root, 'journals', 'not an id'));
    const listed = await store.listJournals();
    expect(listed.map((s) => s.id)).toEqual(['newer', 'older', 'not an id']);
    expect(listed[2]).toMatchObject({ title: 'not an id', stepCount: 0 });
    expect(listed[2]?.problem).toBe(`Cannot open ${join(store.root, 'journals', 'not an id')}: its folder name is not a journal id (ids are letters, digits, - and _)`);
  });

  it('lists a journal folder named for a Windows device as broken, in any case, and still lists and opens the rest', async () => {
    const store = await newStore();
    const { journal, text } = await store.createJournal('Good');
    const devices = ['Aux', 'CON', 'nul', 'COM1', 'lpt1'];
    for (const name of devices) {
      await mkdir(join(store.root, 'journals', name));
      await writeFile(join(store.root, 'journals', name, 'journal.json'), text);
    }
    const byId = new Map((await store.listJournals()).map((s) => [s.id, s]));
    expect([...byId.keys()].sort()).toEqual([journal.id, ...devices].sort());
    expect(byId.get(journal.id)?.problem).toBeNull();
    for (const name of devices) expect(byId.get(name)?.problem, name).toContain('reserved for a device on Windows');
    expect((await store.readJournal(journal.id)).journal.title).toBe('Good');
  });

  it('lists an invalid, a newer-version and an empty journal folder with their problem, and still lists the good ones', async () => {
    const store = await newStore();
    const { journal } = await store.createJournal('Good');
    const broken = await placeJournal(store, 'broken', '{"schemaVersion": 1, "title": ');
    const future = await placeJournal(store, 'future', JSON.stringify({ schemaVersion: JOURNAL_SCHEMA_VERSION + 1 }));
    await mkdir(join(store.root, 'journals', 'empty'));
    const byId = new Map((await store.listJournals()).map((s) => [s.id, s]));
    expect(byId.get(journal.id)?.problem).toBeNull();
    expect(byId.get('broken')).toMatchObject({ title: 'broken', stepCount: 0 });
    expect(byId.get('broken')?.problem).toContain(broken);
    expect(byId.get('broken')?.problem).toContain('not valid JSON');
    expect(byId.get('future')?.problem).toContain(future);
    expect(byId.get('future')?.problem).toContain('newer Steerway');
    expect(byId.get('empty')?.problem).toContain('does not exist');
  });

  it('throws a JournalLoadError naming the file and the problem, and leaves the bytes alone', async () => {
    const store = await newStore();
    const cases: Array<[string, string | Uint8Array, string, string]> = [
      ['broken', '{"schemaVersion": 1,', 'invalid', 'not valid JSON'],
      ['wrongtype', JSON.stringify({ ...createJournal('wrongtype', 'T', new Date()), steps: 'none' }), 'invalid', 'invalid at steps'],
      ['future', JSON.stringify({ schemaVersion: 99, title: 'From the future' }), 'newer-version', 'format version 99'],
      ['latin1', new Uint8Array([0x7b, 0xe9, 0x7d]), 'invalid', 'not valid UTF-8'],
    ];
    for (const [id, content, kind, problem] of cases) {
      const path = await placeJournal(store, id, content);
      const before = await readFile(path);
      const error = await loadError(store.readJournal(id));
      expect(error).toMatchObject({ path, kind });
      expect(error.problem).toContain(problem);
      expect(error.message).toBe(`Cannot open ${path}: ${error.problem}`);
      expect(await readFile(path)).toEqual(before);
    }
    const missing = await loadError(store.readJournal('nothere'));
    expect(missing).toMatchObject({ kind: 'missing', path: store.journalPath('nothere') });
    await mkdir(store.journalPath('isadir'), { recursive: true });
    const unreadable = await loadError(store.readJournal('isadir'));
    expect(unreadable).toMatchObject({ kind: 'invalid', path: store.journalPath('isadir') });
    expect(unreadable.problem).toBe('the file is a folder, not a regular file');
  });

  it('refuses a saver for a journal whose last read failed, until it reads well again', async () => {
    const store = await newStore();
    const path = await placeJournal(store, 'future', JSON.stringify({ schemaVersion: 99 }));
    await loadError(store.readJournal('future'));
    const journal = createJournal('future', 'Mine', new Date());
    expect(() => store.openSaver(journal)).toThrow(SaveRefusedError);
    expect(() => store.openSaver(journal)).toThrow(`Not saving over ${path}: it could not be opened (written by a newer Steerway`);
    await writeFile(path, serializeJournal(journal));
    await store.readJournal('future');
    await store.openSaver(journal).save(journal);
  });

  it('also refuses a saver after listJournals found the journal unreadable', async () => {
    const store = await newStore();
    await placeJournal(store, 'broken', 'nope');
    await store.listJournals();
    expect(() => store.openSaver(createJournal('broken', 'x', new Date()))).toThrow(SaveRefusedError);
  });

  it('gives one saver per journal, so its writes stay in order', async () => {
    const store = await newStore();
    const { journal } = await store.createJournal('One');
    expect(store.openSaver(journal)).toBe(store.openSaver(journal));
  });

  it('reads a journal that starts with a byte order mark', async () => {
    const store = await newStore();
    await placeJournal(store, 'bom', '\uFEFF' + serializeJournal(createJournal('bom', 'Edited on Windows', new Date())));
    expect((await store.readJournal('bom')).journal.title).toBe('Edited on Windows');
  });

  it('treats the folder name as the id, so a copied folder never saves over the original', async () => {
    const store = await newStore();
    const { journal, text } = await store.createJournal('Original');
    const copyDir = join(store.root, 'journals', 'copy');
    await cp(dirname(store.journalPath(journal.id)), copyDir, { recursive: true });
    const copy = await store.readJournal('copy');
    expect(copy.journal.id).toBe('copy');
    expect(copy.text).toBe(text);
    await store.openSaver(copy.journal).save({ ...copy.journal, title: 'Copy' });
    expect(await readFile(store.journalPath(journal.id), 'utf8')).toBe(text);
    expect((await store.readJournal('copy')).journal).toMatchObject({ id: 'copy', title: 'Copy' });
  });

  it('removes temp files left by a crash when a journal is opened', async () => {
    const store = await newStore();
    const { journal } = await store.createJournal('Crashed');
    await store.writeAttachmentText(journal.id, 'a1', 'text');
    await (await store.openOutput(journal.id, 'c1')).close();
    const dir = dirname(store.journalPath(journal.id));
    const leftovers = [
      join(dir, '.journal.json.0123456789abcdef.tmp'),
      join(dir, 'attachments', '.a1.txt.0123456789abcdef.tmp'),
    ];
    await Promise.all(leftovers.map((path) => writeFile(path, 'half')));
    await store.readJournal(journal.id);
    expect(await readdir(dir)).not.toContain('.journal.json.0123456789abcdef.tmp');
    expect(await readdir(join(dir, 'attachments'))).toEqual(['a1.txt']);
  });

  it.skipIf(process.platform === 'win32')('never cleans up through a linked outputs or attachments folder', async () => {
    const store = await newStore();
    const { journal } = await store.createJournal('Linked leftovers');
    const outside = await tempDir();
    await writeFile(join(outside, '.victim.0123456789abcdef.tmp'), 'not ours');
    const dir = dirname(store.journalPath(journal.id));
    await symlink(outside, join(dir, 'outputs'));
    await symlink(outside, join(dir, 'attachments'));
    expect((await store.listJournals())[0]?.problem).toBeNull();
    await store.readJournal(journal.id);
    expect(await readdir(outside)).toEqual(['.victim.0123456789abcdef.tmp']);
  });

  it('opens a journal even when crash cleanup cannot look into a folder', async () => {
    const store = await newStore();
    const { journal } = await store.createJournal('Odd folder');
    await writeFile(join(dirname(store.journalPath(journal.id)), 'outputs'), 'a file where a folder should be');
    expect((await store.readJournal(journal.id)).journal.title).toBe('Odd folder');
  });

  it('saves through the saver what readJournal reads back', async () => {
    const store = await newStore();
    const { journal } = await store.createJournal('Edited');
    const edited: Journal = applyEdit(journal, { type: 'addStep', stepId: 's1', title: 'First' });
    const text = await store.openSaver(journal).save(edited);
    expect(await store.readJournal(journal.id)).toEqual({ journal: edited, text, path: store.journalPath(journal.id) });
  });
});

describe('WorkspaceStore ids', () => {
  it('rejects ids that could leave their folder or name a device', async () => {
    const store = await newStore();
    const { journal } = await store.createJournal('Ids');
    for (const bad of ['../x', '..', '.', 'a/b', 'a\\b', '', 'CON', 'nul', 'x'.repeat(101)]) {
      expect(() => store.journalPath(bad), bad).toThrow(InvalidIdError);
      await expect(store.readJournal(bad), bad).rejects.toThrow(InvalidIdError);
      await expect(store.openOutput(journal.id, bad), bad).rejects.toThrow(InvalidIdError);
      await expect(store.readOutput(journal.id, bad), bad).rejects.toThrow(InvalidIdError);
      await expect(store.writeAttachmentText(journal.id, bad, 'x'), bad).rejects.toThrow(InvalidIdError);
      await expect(store.readAttachmentText(bad, 'a1'), bad).rejects.toThrow(InvalidIdError);
    }
    expect(await readdir(dirname(store.journalPath(journal.id)))).toEqual(['journal.json']);
  });
});

describe.skipIf(process.platform === 'win32')('WorkspaceStore and FIFOs from an archive', () => {
  const mkfifo = (path: string) => execFileSync('mkfifo', [path]);

  // Each of these would wait forever for a writer (or reader) if it opened the FIFO as a file.
  it('lists a FIFO journal file as not a regular file, and still lists the others', async () => {
    const store = await newStore();
    const { journal } = await store.createJournal('Good');
    await mkdir(join(store.root, 'journals', 'piped'));
    mkfifo(store.journalPath('piped'));
    const byId = new Map((await store.listJournals()).map((s) => [s.id, s]));
    expect(byId.get(journal.id)?.problem).toBeNull();
    expect(byId.get('piped')?.problem).toBe(`Cannot open ${store.journalPath('piped')}: the file is a FIFO (named pipe), not a regular file`);
    expect(await loadError(store.readJournal('piped'))).toMatchObject({ kind: 'invalid' });
  });

  it('neither reads nor writes a FIFO output or attachment', async () => {
    const store = await newStore();
    const { journal } = await store.createJournal('Pipes');
    await (await store.openOutput(journal.id, 'c1')).close();
    await store.writeAttachmentText(journal.id, 'a1', 'text');
    const output = join(dirname(store.journalPath(journal.id)), 'outputs', 'c1.log');
    const attachment = join(dirname(store.journalPath(journal.id)), 'attachments', 'a1.txt');
    for (const path of [output, attachment]) {
      await rm(path);
      mkfifo(path);
    }
    await expect(store.readOutput(journal.id, 'c1')).rejects.toThrow(NotAFileError);
    await expect(store.openOutput(journal.id, 'c1')).rejects.toThrow(`${output} is a FIFO (named pipe), not a regular file`);
    await expect(store.readAttachmentText(journal.id, 'a1')).rejects.toThrow(NotAFileError);
    // Deleting them works, so that the cell or attachment can go.
    await store.deleteOutput(journal.id, 'c1');
    await store.deleteAttachmentText(journal.id, 'a1');
    expect(await store.readOutput(journal.id, 'c1')).toBeNull();
  });
});

describe('WorkspaceStore exports', () => {
  it('writes an export under .steerway/exports, named after the title', async () => {
    const store = await newStore();
    const path = await store.writeExport('Set up: the Build!', '# Notes\n');
    expect(path).toBe(join(store.root, 'exports', 'set-up-the-build.md'));
    expect(await readFile(path, 'utf8')).toBe('# Notes\n');
    expect(await store.writeExport('!!!', 'x')).toBe(join(store.root, 'exports', 'journal.md'));
    // `con.md` would be the console on Windows.
    expect(await store.writeExport('CON', 'x')).toBe(join(store.root, 'exports', 'con-journal.md'));
  });

  it.skipIf(process.platform === 'win32')('never writes an export through a linked exports folder or file', async () => {
    const store = await newStore();
    const outside = await tempDir();
    await writeFile(join(outside, 'precious.md'), 'do not touch');
    await mkdir(store.root);
    await symlink(outside, join(store.root, 'exports'));
    await expect(store.writeExport('Evil', '. ~/.ssh/steal')).rejects.toThrow(UnsafePathError);
    expect(await readdir(outside)).toEqual(['precious.md']);
    const other = await newStore();
    await mkdir(join(other.root, 'exports'), { recursive: true });
    await symlink(join(outside, 'precious.md'), join(other.root, 'exports', 'precious.md'));
    await expect(other.writeExport('Precious', 'overwritten')).rejects.toThrow(UnsafePathError);
    expect(await readFile(join(outside, 'precious.md'), 'utf8')).toBe('do not touch');
  });
});

describe('WorkspaceStore attachments', () => {
  it('stores pasted text beside the journal and reads it back', async () => {
    const store = await newStore();
    const { journal } = await store.createJournal('Attach');
    expect(await store.writeAttachmentText(journal.id, 'a1', 'héllo ✓')).toBe(10);
    expect(await readFile(join(dirname(store.journalPath(journal.id)), 'attachments', 'a1.txt'), 'utf8')).toBe('héllo ✓');
    expect(await store.readAttachmentText(journal.id, 'a1')).toBe('héllo ✓');
    await store.writeAttachmentText(journal.id, 'a1', 'replaced');
    expect(await store.readAttachmentText(journal.id, 'a1')).toBe('replaced');
  });

  it('reads null for text that is not there, and deletes quietly', async () => {
    const store = await newStore();
    const { journal } = await store.createJournal('Attach');
    expect(await store.readAttachmentText(journal.id, 'a9')).toBeNull();
    await store.writeAttachmentText(journal.id, 'a1', 'x');
    await store.deleteAttachmentText(journal.id, 'a1');
    await store.deleteAttachmentText(journal.id, 'a1');
    expect(await store.readAttachmentText(journal.id, 'a1')).toBeNull();
  });

  it('does not create a journal folder for a journal that does not exist', async () => {
    const store = await newStore();
    await expect(store.writeAttachmentText('ghost', 'a1', 'x')).rejects.toMatchObject({ kind: 'missing' });
    await expect(store.openOutput('ghost', 'c1')).rejects.toMatchObject({ kind: 'missing' });
    await expect(stat(join(store.root, 'journals', 'ghost'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

// Symbolic links need privileges on Windows; the guard itself is the same everywhere.
describe.skipIf(process.platform === 'win32')('WorkspaceStore and symbolic links from a clone', () => {
  async function victim(): Promise<{ dir: string; file: string }> {
    const dir = await tempDir();
    const file = join(dir, 'precious.txt');
    await writeFile(file, 'do not touch');
    return { dir, file };
  }

  it('never writes an output through a linked log file or outputs folder', async () => {
    const store = await newStore();
    const { journal } = await store.createJournal('Linked');
    const { dir, file } = await victim();
    const outputs = join(dirname(store.journalPath(journal.id)), 'outputs');
    await mkdir(outputs);
    await symlink(file, join(outputs, 'c1.log'));
    await expect(store.openOutput(journal.id, 'c1')).rejects.toThrow(UnsafePathError);
    await expect(store.readOutput(journal.id, 'c1')).rejects.toThrow(UnsafePathError);
    const other = await store.createJournal('Linked folder');
    await symlink(dir, join(dirname(store.journalPath(other.journal.id)), 'outputs'));
    await expect(store.openOutput(other.journal.id, 'precious')).rejects.toThrow(UnsafePathError);
    await expect(store.deleteOutput(other.journal.id, 'precious')).rejects.toThrow(UnsafePathError);
    expect(await readFile(file, 'utf8')).toBe('do not touch');
    expect(await readdir(dir)).toEqual(['precious.txt']);
  });

  it('never reads or writes attachment text through a linked folder', async () => {
    const store = await newStore();
    const { journal } = await store.createJournal('Linked');
    const { dir, file } = await victim();
    await symlink(dir, join(dirname(store.journalPath(journal.id)), 'attachments'));
    await expect(store.readAttachmentText(journal.id, 'precious')).rejects.toThrow(UnsafePathError);
    await expect(store.writeAttachmentText(journal.id, 'precious', 'x')).rejects.toThrow(UnsafePathError);
    await expect(store.deleteAttachmentText(journal.id, 'precious')).rejects.toThrow(UnsafePathError);
    expect(await readFile(file, 'utf8')).toBe('do not touch');
  });

  it('lists a linked journal file or folder with its problem, and will not save it', async () => {
    const store = await newStore();
    const { journal, text } = await store.createJournal('Real');
    const elsewhere = join(await tempDir(), 'journal.json');
    await writeFile(elsewhere, text.replace(journal.id, 'linkedfile'));
    await mkdir(join(store.root, 'journals', 'linkedfile'));
    await symlink(elsewhere, store.journalPath('linkedfile'));
    await symlink(dirname(store.journalPath(journal.id)), join(store.root, 'journals', 'linkeddir'));
    const byId = new Map((await store.listJournals()).map((s) => [s.id, s]));
    expect(byId.get(journal.id)?.problem).toBeNull();
    expect(byId.get('linkedfile')?.problem).toContain('is a symbolic link');
    expect(byId.get('linkeddir')?.problem).toContain('is a symbolic link');
    expect(() => store.openSaver({ ...journal, id: 'linkeddir' })).toThrow(SaveRefusedError);
  });

  it('does not create journals through a linked .steerway', async () => {
    const workspace = await tempDir();
    const { dir } = await victim();
    await symlink(dir, join(workspace, '.steerway'));
    await expect(new WorkspaceStore(workspace).createJournal('Nope')).rejects.toThrow(UnsafePathError);
    expect(await readdir(dir)).toEqual(['precious.txt']);
  });
});
