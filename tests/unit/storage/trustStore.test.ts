import { readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { TrustStore } from '../../../main/storage/trustStore';
import { WorkspaceStore } from '../../../main/storage/workspaceStore';
import { useTempDirs } from './tempDirs';

const tempDir = useTempDirs();

async function setup() {
  const userData = await tempDir();
  const warnings: string[] = [];
  const trust = new TrustStore(userData, { onWarning: (message) => warnings.push(message) });
  const store = new WorkspaceStore(await tempDir());
  return { userData, trust, store, warnings };
}

describe('TrustStore', () => {
  it('trusts a journal created here, and keeps trusting it as this machine saves it', async () => {
    const { trust, store } = await setup();
    const { journal, text } = await store.createJournal('Mine');
    const path = store.journalPath(journal.id);
    await trust.trust(path, text);
    expect(await trust.isTrusted(path, text)).toBe(true);
    const saver = store.openSaver(journal);
    saver.onSaved((written) => trust.trust(path, written));
    await saver.save({ ...journal, title: 'Still mine' });
    const reread = await store.readJournal(journal.id);
    expect(await trust.isTrusted(reread.path, reread.text)).toBe(true);
  });

  it('does not trust a journal it never signed', async () => {
    const { trust, store } = await setup();
    const { journal, text } = await store.createJournal('Cloned');
    expect(await trust.isTrusted(store.journalPath(journal.id), text)).toBe(false);
  });

  it('stops trusting a journal another writer changed, until it is trusted again', async () => {
    const { trust, store } = await setup();
    const { journal, text } = await store.createJournal('Pulled');
    const path = store.journalPath(journal.id);
    await trust.trust(path, text);
    const changed = text.replace('"Pulled"', '"Pulled, then edited by someone else"');
    await writeFile(path, changed);
    const reread = await store.readJournal(journal.id);
    expect(await trust.isTrusted(path, reread.text)).toBe(false);
    await trust.trust(path, reread.text);
    expect(await trust.isTrusted(path, reread.text)).toBe(true);
  });

  it('binds a signature to the journal\'s absolute path', async () => {
    const { trust } = await setup();
    const path = join(await tempDir(), 'journal.json');
    await trust.trust(path, 'text');
    expect(await trust.isTrusted(join(await tempDir(), 'journal.json'), 'text')).toBe(false);
    expect(await trust.isTrusted(relative(process.cwd(), path), 'text')).toBe(true);
  });

  it('does not let a signature be moved to vouch for another path', async () => {
    const { userData, trust } = await setup();
    await trust.trust('/ws/a.json', 'same text');
    const file = join(userData, 'journal-trust.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('/ws/a.json', '/ws/b.json'));
    expect(await new TrustStore(userData).isTrusted('/ws/b.json', 'same text')).toBe(false);
  });

  it('retries after an I/O error instead of failing for the rest of the session', async () => {
    const parent = await tempDir();
    const blocker = join(parent, 'steerway');
    await writeFile(blocker, 'a file where the user data folder should be');
    const trust = new TrustStore(join(blocker, 'data'));
    await expect(trust.isTrusted('/ws/journal.json', 'text')).rejects.toMatchObject({ code: 'ENOTDIR' });
    await rm(blocker);
    await trust.trust('/ws/journal.json', 'text');
    expect(await trust.isTrusted('/ws/journal.json', 'text')).toBe(true);
  });

  it('remembers across restarts, and only with its own key', async () => {
    const { userData, trust } = await setup();
    await trust.trust('/ws/journal.json', 'text');
    expect(await new TrustStore(userData).isTrusted('/ws/journal.json', 'text')).toBe(true);
    const elsewhere = await tempDir();
    expect(await new TrustStore(elsewhere).isTrusted('/ws/journal.json', 'text')).toBe(false);
    // Even the signatures themselves, copied to another machine, mean nothing under its key.
    await writeFile(join(elsewhere, 'journal-trust.json'), await readFile(join(userData, 'journal-trust.json')));
    expect(await new TrustStore(elsewhere).isTrusted('/ws/journal.json', 'text')).toBe(false);
  });

  it.skipIf(process.platform === 'win32')('keeps a 32-byte key readable only by the user', async () => {
    const { userData, trust } = await setup();
    await trust.trust('/ws/journal.json', 'text');
    const key = join(userData, 'journal-trust.key');
    expect((await readFile(key)).length).toBe(32);
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    expect((await stat(join(userData, 'journal-trust.json'))).mode & 0o777).toBe(0o600);
  });

  it('creates the user data folder if it is missing', async () => {
    const userData = join(await tempDir(), 'nested', 'steerway');
    const trust = new TrustStore(userData);
    await trust.trust('/ws/journal.json', 'text');
    expect(await trust.isTrusted('/ws/journal.json', 'text')).toBe(true);
  });

  it('treats a corrupt trust file as empty, with a warning naming it, and repairs it on the next trust', async () => {
    for (const corrupt of ['{"version": 1, "entr', JSON.stringify({ version: 1, algorithm: 'hmac-sha256', entries: [{ path: '/ws/journal.json', signature: 'zz' }] })]) {
      const { userData, trust } = await setup();
      await trust.trust('/ws/journal.json', 'text');
      await writeFile(join(userData, 'journal-trust.json'), corrupt);
      const warnings: string[] = [];
      const restarted = new TrustStore(userData, { onWarning: (message) => warnings.push(message) });
      expect(await restarted.isTrusted('/ws/journal.json', 'text')).toBe(false);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(join(userData, 'journal-trust.json'));
      await restarted.trust('/ws/other.json', 'other');
      expect(await new TrustStore(userData).isTrusted('/ws/other.json', 'other')).toBe(true);
    }
  });

  it('warns on console by default', async () => {
    const userData = await tempDir();
    await writeFile(join(userData, 'journal-trust.json'), 'garbage');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(await new TrustStore(userData).isTrusted('/ws/journal.json', 'text')).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('is damaged'));
    warn.mockRestore();
  });

  it('replaces a damaged key with a warning, which untrusts everything', async () => {
    const { userData, trust } = await setup();
    await trust.trust('/ws/journal.json', 'text');
    await writeFile(join(userData, 'journal-trust.key'), 'short');
    const warnings: string[] = [];
    const restarted = new TrustStore(userData, { onWarning: (message) => warnings.push(message) });
    expect(await restarted.isTrusted('/ws/journal.json', 'text')).toBe(false);
    expect(warnings[0]).toContain('journal-trust.key');
    expect((await readFile(join(userData, 'journal-trust.key'))).length).toBe(32);
  });

  it('keeps the latest signatures up to its limit, forgetting the least recently trusted', async () => {
    const userData = await tempDir();
    const trust = new TrustStore(userData, { maxEntries: 3 });
    for (const n of [1, 2, 3, 4]) await trust.trust(`/ws/${n}.json`, 'text');
    await trust.trust('/ws/2.json', 'text');
    await trust.trust('/ws/5.json', 'text');
    const restarted = new TrustStore(userData, { maxEntries: 3 });
    const trusted = [];
    for (const n of [1, 2, 3, 4, 5]) if (await restarted.isTrusted(`/ws/${n}.json`, 'text')) trusted.push(n);
    expect(trusted).toEqual([2, 4, 5]);
    const file = JSON.parse(await readFile(join(userData, 'journal-trust.json'), 'utf8')) as { entries: unknown[] };
    expect(file.entries).toHaveLength(3);
  });

  it('loses no signature when many journals are trusted at once', async () => {
    const { userData, trust } = await setup();
    const paths = Array.from({ length: 20 }, (_, i) => `/ws/${i}.json`);
    await Promise.all(paths.map((path) => trust.trust(path, 'text')));
    const restarted = new TrustStore(userData);
    for (const path of paths) expect(await restarted.isTrusted(path, 'text'), path).toBe(true);
  });

  it('keeps a text it replaces trusted only if it already was', async () => {
    const { trust } = await setup();
    await trust.trust('/ws/journal.json', 'mine', 'written by someone else');
    expect(await trust.isTrusted('/ws/journal.json', 'mine')).toBe(true);
    expect(await trust.isTrusted('/ws/journal.json', 'written by someone else')).toBe(false);
  });

  it('cleans up the temp file a crash during its own write left, and only that', async () => {
    const { userData, trust } = await setup();
    await trust.trust('/ws/journal.json', 'text');
    const leftovers = ['.journal-trust.json.0123456789abcdef.tmp', '.settings.json.0123456789abcdef.tmp'];
    await Promise.all(leftovers.map((name) => writeFile(join(userData, name), 'x')));
    expect(await new TrustStore(userData).isTrusted('/ws/journal.json', 'text')).toBe(true);
    expect((await readdir(userData)).sort()).toEqual(['.settings.json.0123456789abcdef.tmp', 'journal-trust.json', 'journal-trust.key']);
  });
});

describe('TrustStore.followSaves', () => {
  async function followed(trusted = () => true) {
    const { userData, trust, store } = await setup();
    const { journal, text } = await store.createJournal('Version 0');
    const path = store.journalPath(journal.id);
    if (trusted()) await trust.trust(path, text);
    const saver = store.openSaver(journal);
    const stop = trust.followSaves(saver, text, trusted);
    const save = (n: number) => saver.save({ ...journal, title: `Version ${n}` });
    // A restarted app reads the signatures afresh.
    const trustedAfterRestart = (t: string) => new TrustStore(userData).isTrusted(path, t);
    return { store, journal, path, text, saver, stop, save, trustedAfterRestart };
  }

  it('trusts both the text on disk and the one being written, so a crash between signature and rename loses no trust', async () => {
    const { text: first, save, trustedAfterRestart } = await followed();
    const second = await save(1);
    // The file may hold either text when the app dies just before or after the rename.
    expect(await trustedAfterRestart(first)).toBe(true);
    expect(await trustedAfterRestart(second)).toBe(true);
    const third = await save(2);
    expect(await trustedAfterRestart(third)).toBe(true);
    expect(await trustedAfterRestart(second)).toBe(true);
    // Only the text on disk and the newest are trusted; older texts of this journal are not.
    expect(await trustedAfterRestart(first)).toBe(false);
    expect(await trustedAfterRestart(first.replace('Version 0', 'Version 9'))).toBe(false);
  });

  it('keeps the text on disk trusted after a save that failed', async () => {
    const { path, text: onDisk, save, trustedAfterRestart } = await followed();
    const folder = dirname(path);
    await rename(folder, `${folder}.away`);
    await expect(save(1)).rejects.toMatchObject({ code: 'ENOENT' });
    await rename(`${folder}.away`, folder);
    expect(await readFile(path, 'utf8')).toBe(onDisk);
    const next = await save(2);
    // Had the app died just before that rename, the file would still hold the text of before the failed save.
    expect(await trustedAfterRestart(onDisk)).toBe(true);
    expect(await trustedAfterRestart(next)).toBe(true);
  });

  it('signs nothing while the journal is not trusted, nor after it stopped following', async () => {
    let trusted = false;
    const { save, stop, trustedAfterRestart } = await followed(() => trusted);
    expect(await trustedAfterRestart(await save(1))).toBe(false);
    trusted = true;
    expect(await trustedAfterRestart(await save(2))).toBe(true);
    stop();
    expect(await trustedAfterRestart(await save(3))).toBe(false);
  });
});
