import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAttachment, readFileForView } from '../../../main/services/attachments';
import { readableReadme, readPackageDocs, reExportStub } from '../../../main/services/packageDocs';

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

describe('library docs read as text', () => {
  it('reduces a README\'s raw HTML to its words and image alt texts, drops badges, and leaves code as written', () => {
    const readme = [
      '<p align="center">',
      '  <img src="logo.svg" width="200px" align="center" alt="Zod logo" />',
      '  <h1 align="center">Zod</h1>',
      '  <p align="center">',
      '    TypeScript-first schema validation',
      '    <br/>',
      '    by <a href="https://x.com/colinhacks">@colinhacks</a>',
      '  </p>',
      '</p>',
      '<p align="center">',
      '<a href="https://github.com/colinhacks/zod/actions"><img src="https://github.com/colinhacks/zod/actions/workflows/test.yml/badge.svg" alt="Zod CI status" /></a>',
      '<a href="https://opensource.org/licenses/MIT" rel="nofollow"><img src="https://img.shields.io/github/license/colinhacks/zod" alt="License"></a>',
      '</p>',
      '[![npm](https://img.shields.io/npm/v/zod.svg)](https://www.npmjs.com/package/zod)',
      '<div align="center"><a href="https://zod.dev/api">Docs</a><span>&nbsp;&nbsp;•&nbsp;&nbsp;</span><a href="https://discord.gg/x">Discord</a></div>',
      '<!-- a comment for maintainers -->',
      '',
      '## Install',
      '',
      '- `z.infer<typeof User>` gives the type, and parse returns Promise<void> here',
      '  - a nested item',
      '',
      '```html',
      '<script src="zod.js"></script>',
      '```',
      '',
      '![diagram](docs/flow.png)',
    ].join('\n');
    const text = readableReadme(readme);
    expect(text).not.toMatch(/<\/?(p|img|a|h1|div|span|br)\b/);
    expect(text).not.toMatch(/badge|shields\.io|Zod CI status|License|&nbsp;|maintainers/);
    expect(text).toContain('Zod logo');
    expect(text).toContain('TypeScript-first schema validation');
    expect(text).toContain('by @colinhacks');
    expect(text).toContain('Docs  •  Discord');
    expect(text).toContain('```html\n<script src="zod.js"></script>\n```');
    expect(text).toContain('![diagram](docs/flow.png)');
    expect(text).toContain('- `z.infer<typeof User>` gives the type, and parse returns Promise<void> here\n  - a nested item');
    expect(text).not.toMatch(/\n{3,}/);
  });

  it('tells a re-export stub from a file that declares something', () => {
    expect(reExportStub('import * as z from "./v4/classic/external.cjs";\nexport * from "./v4/classic/external.cjs";\nexport { z, z as default };\n'))
      .toEqual({ isStub: true, target: './v4/classic/external.cjs' });
    expect(reExportStub('export * as core from "../core/index.cjs";\nexport { a, type B } from "./a.cjs";\nexport type { C } from "./c.cjs";'))
      .toEqual({ isStub: true, target: null });
    expect(reExportStub('export * from "./x";\nexport declare function parse(text: string): Node;').isStub).toBe(false);
    expect(reExportStub('/** docs */\nexport interface Options { strict: boolean }').isStub).toBe(false);
  });

  it('follows a re-export stub once inside the package, and leaves the declarations out when that is a stub too', async () => {
    const stubbed = join(workspace, 'node_modules', 'stubbed');
    await mkdir(join(stubbed, 'v4', 'classic'), { recursive: true });
    await writeFile(join(stubbed, 'package.json'), JSON.stringify({ name: 'stubbed', types: './index.d.cts' }));
    await writeFile(join(stubbed, 'README.md'), 'stubbed readme');
    await writeFile(join(stubbed, 'index.d.cts'), 'import * as z from "./v4/classic/external.cjs";\nexport * from "./v4/classic/external.cjs";\nexport { z, z as default };\n');
    await writeFile(join(stubbed, 'v4', 'classic', 'external.d.cts'), 'export declare function string(): ZodString;\n');
    const followed = await readPackageDocs(workspace, 'stubbed');
    expect(followed.text).toContain('## Type declarations (v4/classic/external.d.cts)');
    expect(followed.text).toContain('export declare function string(): ZodString;');
    expect(followed.text).not.toContain('export { z, z as default }');

    const twice = join(workspace, 'node_modules', 'twice');
    await mkdir(twice, { recursive: true });
    await writeFile(join(twice, 'package.json'), JSON.stringify({ name: 'twice' }));
    await writeFile(join(twice, 'README.md'), 'twice readme');
    await writeFile(join(twice, 'index.d.ts'), 'export * from "./a";\n');
    await writeFile(join(twice, 'a.d.ts'), 'export * from "./b";\n');
    await writeFile(join(twice, 'b.d.ts'), 'export declare const deep: 1;\n');
    const { text } = await readPackageDocs(workspace, 'twice');
    expect(text).toContain('twice readme');
    expect(text).not.toContain('Type declarations');
    expect(text).not.toContain('export *');

    // A stub pointing out of its package is not followed there.
    const outward = join(workspace, 'node_modules', 'outward');
    await mkdir(outward, { recursive: true });
    await writeFile(join(outward, 'package.json'), JSON.stringify({ name: 'outward' }));
    await writeFile(join(outward, 'README.md'), 'outward readme');
    await writeFile(join(outward, 'index.d.ts'), 'export * from "../tiny-lib/dist/index";\n');
    expect((await readPackageDocs(workspace, 'outward')).text).not.toContain('declare function parse');
  });
});
