import { mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTempFiles, writeFileAtomic } from '../../../main/storage/atomicFile';
import { useTempDirs } from './tempDirs';

const tempDir = useTempDirs();

describe('writeFileAtomic', () => {
  it('creates a file, then replaces it, leaving no temp file behind', async () => {
    const dir = await tempDir();
    const path = join(dir, 'journal.json');
    await writeFileAtomic(path, 'first');
    await writeFileAtomic(path, new TextEncoder().encode('second'));
    expect(await readFile(path, 'utf8')).toBe('second');
    expect(await readdir(dir)).toEqual(['journal.json']);
  });

  it('removes its temp file when the write fails, and leaves the target as it was', async () => {
    const dir = await tempDir();
    const target = join(dir, 'taken');
    await mkdir(target);
    await writeFile(join(target, 'inside'), 'keep');
    // Renaming a file over a non-empty folder fails after the temp file was written.
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['taken']);
    expect(await readFile(join(target, 'inside'), 'utf8')).toBe('keep');
  });

  it('fails plainly when the folder does not exist', async () => {
    const dir = await tempDir();
    await expect(writeFileAtomic(join(dir, 'missing', 'file'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.skipIf(process.platform === 'win32')('gives a new file the mode asked for', async () => {
    const dir = await tempDir();
    const path = join(dir, 'key');
    await writeFileAtomic(path, 'secret', { mode: 0o600 });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });
});

describe('removeStaleTempFiles', () => {
  it('removes temp files a crash left, and nothing else', async () => {
    const dir = await tempDir();
    const stale = ['.journal.json.0123456789abcdef.tmp', '.a1.txt.fedcba9876543210.tmp'];
    const others = ['journal.json', '.gitattributes', 'notes.tmp', '.journal.json.123.tmp', '.journal.json.0123456789ABCDEF.tmp'];
    await Promise.all([...stale, ...others].map((name) => writeFile(join(dir, name), 'x')));
    expect((await removeStaleTempFiles(dir)).sort()).toEqual([...stale].sort());
    expect((await readdir(dir)).sort()).toEqual([...others].sort());
  });

  it('accepts a folder that does not exist', async () => {
    const dir = await tempDir();
    expect(await removeStaleTempFiles(join(dir, 'nope'))).toEqual([]);
  });

  it('never follows a linked folder: what it points to is not ours to clean', async () => {
    const [outside, dir] = [await tempDir(), await tempDir()];
    await writeFile(join(outside, '.victim.0123456789abcdef.tmp'), 'keep');
    await symlink(outside, join(dir, 'outputs'), 'junction');
    expect(await removeStaleTempFiles(join(dir, 'outputs'))).toEqual([]);
    expect(await readdir(outside)).toEqual(['.victim.0123456789abcdef.tmp']);
  });

  it('removes only the temp files of one file when asked', async () => {
    const dir = await tempDir();
    const names = ['.trust.json.0123456789abcdef.tmp', '.trust.json.x.0123456789abcdef.tmp', '.other.json.0123456789abcdef.tmp'];
    await Promise.all(names.map((name) => writeFile(join(dir, name), 'x')));
    expect(await removeStaleTempFiles(dir, 'trust.json')).toEqual(['.trust.json.0123456789abcdef.tmp']);
    expect((await readdir(dir)).sort()).toEqual(names.slice(1).sort());
  });
});
