import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAttachment, readFileForView } from '../../../main/services/attachments';
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
  // A cloned workspace's package pointing out of its folder: a relative path, an absolute one, links.
  await writeFile(join(workspace, 'secret.txt'), 'the secret');
  const escaping = join(workspace, 'node_modules', 'escaping');
  await mkdir(escaping, { recursive: true });
  await writeFile(join(escaping, 'package.json'), JSON.stringify({ name: 'escaping', types: '../../secret.txt' }));
  await symlink(join(workspace, 'secret.txt'), join(escaping, 'README.md'));
  await writeFile(join(escaping, 'README'), 'the real readme');
  const absolute = join(workspace, 'node_modules', 'absolute');
  await mkdir(absolute, { recursive: true });
  await writeFile(join(absolute, 'package.json'), JSON.stringify({ name: 'absolute', typings: join(workspace, 'secret.txt') }));
  await symlink(join(workspace, 'secret.txt'), join(absolute, 'index.d.ts'));
  await writeFile(join(absolute, 'README.md'), 'absolute readme');
  // A 3 GiB declarations file (sparse: it takes no disk) and a FIFO README.
  const huge = join(workspace, 'node_modules', 'huge');
  await mkdir(huge, { recursive: true });
  await writeFile(join(huge, 'package.json'), JSON.stringify({ name: 'huge', types: 'index.d.ts' }));
  const handle = await open(join(huge, 'index.d.ts'), 'w');
  await handle.write('export declare const head: 1;\n');
  await handle.truncate(3 * 1024 ** 3);
  await handle.close();
  execFileSync('mkfifo', [join(huge, 'README.md')]);
});
afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
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

  it('never follows types, typings or a README link out of the package folder', async () => {
    const escaping = await readPackageDocs(workspace, 'escaping');
    expect(escaping.text).toContain('the real readme');
    expect(escaping.text).not.toContain('the secret');
    await expect(readPackageDocs(workspace, 'absolute')).resolves.toEqual({ text: '# absolute\n\nabsolute readme', truncated: false });
  });

  it('reads only the head of a huge declarations file, and passes over a FIFO', async () => {
    const { text, truncated } = await readPackageDocs(workspace, 'huge');
    expect(text).toContain('export declare const head: 1;');
    expect(text.length).toBeLessThan(600 * 1024);
    expect(truncated).toBe(true);
    await expect(readFileForView(join(workspace, 'node_modules', 'huge', 'README.md'))).rejects.toThrow(/not a regular file/);
  });

  it('becomes an attachment named after the package, sized by its text', async () => {
    const { attachment, text } = await describeAttachment(workspace, { kind: 'package-docs', packageName: 'tiny-lib' }, new Date());
    expect(attachment).toMatchObject({ kind: 'package-docs', title: 'tiny-lib docs', source: 'tiny-lib' });
    expect(attachment.sizeBytes).toBeGreaterThan(50);
    expect(text).toBeNull();
  });
});
