import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listWorkspaceFiles } from '../../../main/services/workspaceFiles';
import { useTempDirs } from '../storage/tempDirs';

const tempDir = useTempDirs();

async function workspace(files: string[]): Promise<string> {
  const root = await tempDir();
  for (const file of files) {
    await mkdir(join(root, file, '..'), { recursive: true });
    await writeFile(join(root, file), '');
  }
  return root;
}

describe('listWorkspaceFiles', () => {
  it('finds files by a fuzzy query ("prsr" finds parser.ts), best first, skipping dependency folders', async () => {
    const root = await workspace(['lib/improper/usurer.js', 'src/csv/parser.test.ts', 'src/csv/parser.ts', 'README.md', 'node_modules/parser/parser.js']);

    expect(await listWorkspaceFiles(root, 'prsr')).toEqual(['src/csv/parser.ts', 'src/csv/parser.test.ts', 'lib/improper/usurer.js']);
    expect(await listWorkspaceFiles(root, 'csv/parser')).toEqual(['src/csv/parser.ts', 'src/csv/parser.test.ts']);
  });

  it('ranks over every file scanned, not only the first that match', async () => {
    // 250 early files match "pts" loosely; the one that matches well comes last in folder order.
    const root = await workspace([...Array.from({ length: 250 }, (_, i) => `a/p${i}/t/s.txt`), 'z/pts.ts']);

    const found = await listWorkspaceFiles(root, 'pts');
    expect(found[0]).toBe('z/pts.ts');
    expect(found).toHaveLength(200);
  });

  it('lists files in folder order without a query', async () => {
    const root = await workspace(['b.ts', 'a.ts', 'src/c.ts']);
    expect(await listWorkspaceFiles(root, ' ')).toEqual(['a.ts', 'b.ts', 'src/c.ts']);
  });
});
