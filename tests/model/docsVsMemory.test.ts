import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { docsVsMemoryMarkdown, readManifestPackages, runDocsVsMemory, SETTINGS } from '../../training/eval/docsVsMemoryRun';
import { describeNative, makeModel, pinnedCpuBackend, tempDir } from './helpers';

/** A package folder as npm installs it: README, declarations, code (and a nested node_modules that is not read). */
function writePackage(root: string, name: string, fn: string): void {
  const dir = path.join(root, 'node_modules', name);
  fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'node_modules', 'dep'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'README.md'), `# ${name}\n\n## ${fn}(text)\n\nReturns \`text\` trimmed.\n\n\`\`\`js\n${fn}(' a ');\n\`\`\`\n`);
  fs.writeFileSync(path.join(dir, 'index.d.ts'), `/** Trims \`text\`. */\nexport declare function ${fn}(text: string): string;\n`);
  fs.writeFileSync(path.join(dir, 'index.js'), `export function ${fn}(text) {\n  return text.trim();\n}\n`);
  const filler = Array.from({ length: 120 }, (_, i) => `export const value${i} = ${i} * 2;`).join('\n');
  fs.writeFileSync(path.join(dir, 'lib', 'use.js'), `import * as api from '../index.js';\n${filler}\nexport const trimmed = ${fn}(' b ');\n`);
  fs.writeFileSync(path.join(dir, 'node_modules', 'dep', 'index.d.ts'), 'export declare function notThisOne(): void;\n');
}

describeNative('docs vs memory on a tiny model', () => {
  it('reads the manifest\'s packages and gives a report of the documented shape', async () => {
    const root = tempDir();
    writePackage(root, 'held-pkg', 'trimText');
    writePackage(root, 'seen-pkg', 'trimAll');
    const manifest = path.join(root, 'corpus-manifest.json');
    fs.writeFileSync(manifest, JSON.stringify({
      packages: [
        { name: 'held-pkg', root: 'node_modules', dir: 'held-pkg', split: 'eval', kept: true },
        { name: 'seen-pkg', root: 'node_modules', dir: 'seen-pkg', split: 'train', kept: true },
        { name: 'gone-pkg', root: 'node_modules', dir: 'gone-pkg', split: 'train', kept: true },
      ],
    }));
    const packages = readManifestPackages(manifest, root);
    expect(packages.map((p) => [p.name, p.split, p.readme?.path, p.declarations.map((d) => d.path), p.code.map((c) => c.path)])).toEqual([
      ['held-pkg', 'eval', 'README.md', ['index.d.ts'], ['index.js', 'lib/use.js']],
      ['seen-pkg', 'train', 'README.md', ['index.d.ts'], ['index.js', 'lib/use.js']],
    ]);

    const modelPath = makeModel(tempDir(), { seed: 4 }).path;
    const report = await runDocsVsMemory({ modelPath, packages, functions: 4, seed: 1, cpuBackend: pinnedCpuBackend() });
    const held = report.groups['held-out-renamed'];
    const seen = report.groups['training-unchanged'];
    expect(held).toEqual(expect.objectContaining({ packages: ['held-pkg'], functions: 1, tasks: 2 }));
    expect(seen).toEqual(expect.objectContaining({ packages: ['seen-pkg'], functions: 1, tasks: 2 }));
    expect(Object.keys(held.settings)).toEqual(SETTINGS.map((s) => s.id));
    expect(Object.keys(seen.settings)).toEqual(SETTINGS.filter((s) => s.doc !== 'original').map((s) => s.id));
    expect(report.results).toHaveLength(2 * SETTINGS.length + 2 * Object.keys(seen.settings).length);
    const heldExpected = report.results.filter((r) => r.group === 'held-out-renamed').map((r) => r.expected);
    expect(heldExpected.every((e) => /trimText[A-Z]\w*/.test(e))).toBe(true);
    for (const s of [...Object.values(held.settings), ...Object.values(seen.settings)]) {
      for (const r of [s.updated, s.original, s.exact]) {
        expect(r.rate).toBeGreaterThanOrEqual(r.ci[0]);
        expect(r.rate).toBeLessThanOrEqual(r.ci[1]);
      }
    }
    // The scores are the results' own: the summary's rate is the share of results that name the updated API.
    const noDoc = report.results.filter((r) => r.group === 'held-out-renamed' && r.setting === 'no-doc');
    expect(held.settings['no-doc']!.updated.rate).toBe(noDoc.filter((r) => r.score.updated).length / noDoc.length);
    expect(Object.keys(report.differences)).toHaveLength(4);
    expect(report.machine.cpus).toBeGreaterThan(0);
    const markdown = docsVsMemoryMarkdown(report);
    expect(markdown.split('\n').filter((l) => l.startsWith('| held-out-renamed'))).toHaveLength(SETTINGS.length);
    expect(markdown).toContain('| updated-full minus original-full |');
    // Two model loads and a dozen engine calls: seconds here, generous for a loaded machine.
  }, 120_000);
});
