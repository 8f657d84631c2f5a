import * as realFs from 'node:fs/promises';
import { basename, join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdirDurable, removeStaleTempFiles, writeFileAtomic } from '../../../main/storage/atomicFile';
import { useTempDirs } from './tempDirs';

/** What the storage code asked of the filesystem, in order; names only, so it reads like a recipe. */
const calls: string[] = [];
let renameGate: Promise<void> | null = null;

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    open: async (path: string, flags: string, mode?: number) => {
      const handle = await actual.open(path, flags, mode);
      const name = basename(path);
      calls.push(`open ${name} ${flags}`);
      const { sync, writeFile, close } = handle;
      handle.sync = () => (calls.push(`sync ${name}`), sync.call(handle));
      handle.writeFile = (...args: Parameters<typeof writeFile>) => (calls.push(`write ${name}`), writeFile.apply(handle, args));
      handle.close = () => (calls.push(`close ${name}`), close.call(handle));
      return handle;
    },
    rename: async (from: string, to: string) => {
      await renameGate;
      calls.push(`rename ${basename(from)} ${basename(to)}`);
      return actual.rename(from, to);
    },
  };
});

const tempDir = useTempDirs();

beforeEach(() => {
  calls.length = 0;
  renameGate = null;
});

describe('writeFileAtomic, step by step', () => {
  it.skipIf(process.platform === 'win32')('writes and fsyncs a temp file, renames it over the target, then fsyncs the folder', async () => {
    const dir = await tempDir();
    await writeFileAtomic(join(dir, 'journal.json'), '{}');
    const temp = calls[0]!.split(' ')[1]!;
    expect(temp).toMatch(/^\.journal\.json\.[0-9a-f]{16}\.tmp$/);
    expect(calls).toEqual([
      `open ${temp} wx`,
      `write ${temp}`,
      `sync ${temp}`,
      `close ${temp}`,
      `rename ${temp} journal.json`,
      `open ${basename(dir)} r`,
      `sync ${basename(dir)}`,
      `close ${basename(dir)}`,
    ]);
  });

  it('uses a new temp name for each write', async () => {
    const dir = await tempDir();
    await Promise.all([writeFileAtomic(join(dir, 'a'), '1'), writeFileAtomic(join(dir, 'a'), '2')]);
    const temps = calls.filter((call) => call.endsWith(' wx'));
    expect(new Set(temps).size).toBe(2);
  });

  it('does not let stale-file cleanup remove the temp file of a write in progress', async () => {
    const dir = await tempDir();
    let release!: () => void;
    renameGate = new Promise((resolve) => (release = resolve));
    const writing = writeFileAtomic(join(dir, 'journal.json'), 'data');
    await vi.waitFor(() => expect(calls).toContain(`close ${calls[0]?.split(' ')[1]}`));
    expect(await removeStaleTempFiles(dir)).toEqual([]);
    release();
    await writing;
    expect(await realFs.readFile(join(dir, 'journal.json'), 'utf8')).toBe('data');
  });
});

describe('mkdirDurable', () => {
  it.skipIf(process.platform === 'win32')('fsyncs the parent of every folder it creates, and nothing when they exist', async () => {
    const dir = await tempDir();
    await mkdirDurable(join(dir, 'a', 'b', 'c'));
    expect(calls.filter((call) => call.startsWith('sync'))).toEqual(['sync b', 'sync a', `sync ${basename(dir)}`]);
    calls.length = 0;
    await mkdirDurable(join(dir, 'a', 'b', 'c'));
    expect(calls).toEqual([]);
  });
});
