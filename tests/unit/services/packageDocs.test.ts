import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeAttachment } from '../../../main/services/attachments';
import { readPackageDocs } from '../../../main/services/packageDocs';

let workspace: string;

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'steerway-pkgdocs-'));
  const lib = join(workspace, 'node_modules', 'tiny-lib');
  await mkdir(join(lib, 'dist'), { recursive: true });
  await writeFile(join(lib, 'package.json'), JSON.stringify({ name: 'tiny-lib', version: '2.1.0', types: 'dist/index.d.ts' }));
  await writeFile(join(lib, 'README.md'), '# tiny-lib\n\nCall `parse(text)` to parse.');
  await writeFile(join(lib, 'dist', 'index.d.ts'), 'export declare function parse(text: string): Node;');
  const untyped = join(workspace, 'node_modules', 'untyped');
  await mkdir(untyped, { recursive: true });
  await writeFile(join(untyped, 'package.json'), '{"name":"untyped"');
  await writeFile(join(untyped, 'README.md'), 'untyped readme');
  await mkdir(join(workspace, 'node_modules', '@types', 'untyped'), { recursive: true });
  await writeFile(join(workspace, 'node_modules', '@types', 'untyped', 'index.d.ts'), 'export declare const x: number;');
});

describe('library docs from node_modules', () => {
  it('joins the README and the declared type declarations, with the version', async () => {
    const { text, truncated } = await readPackageDocs(workspace, 'tiny-lib');
    expect(text).toContain('# tiny-lib@2.1.0');
    expect(text).toContain('Call `parse(text)` to parse.');
    expect(text).toContain('export declare function parse(text: string): Node;');
    expect(truncated).toBe(false);
  });

  it('falls back to @types and survives a broken package.json', async () => {
    const { text } = await readPackageDocs(workspace, 'untyped');
    expect(text).toContain('untyped readme');
    expect(text).toContain('export declare const x: number;');
  });

  it('says clearly when the package is not installed', async () => {
    await expect(readPackageDocs(workspace, 'left-pad')).rejects.toThrow(/left-pad is not installed/);
  });

  it('becomes an attachment named after the package, sized by its text', async () => {
    const { attachment, text } = await describeAttachment(workspace, { kind: 'package-docs', packageName: 'tiny-lib' }, new Date());
    expect(attachment).toMatchObject({ kind: 'package-docs', title: 'tiny-lib docs', source: 'tiny-lib' });
    expect(attachment.sizeBytes).toBeGreaterThan(50);
    expect(text).toBeNull();
  });
});
