import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { REWRITE_KINDS } from '../../training/eval/docsVsMemory';
import { docsVsMemoryMarkdown, readManifestPackages, runDocsVsMemory, SETTINGS } from '../../training/eval/docsVsMemoryRun';
import { describeNative, makeModel, pinnedCpuBackend, tempDir } from './helpers';

/**
 * A package folder as npm installs it: README, declarations, code (and a nested node_modules that is not read).
 * `fn` takes two required parameters and an options object and returns a string, so every rewrite kind applies to it.
 */
function writePackage(root: string, name: string, fn: string): void {
  const dir = path.join(root, 'node_modules', name);
  fs.mkdirSync(path.join(dir, 'lib'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'node_modules', 'dep'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'README.md'), `# ${name}\n\n## ${fn}(text, chars, options?)\n\nReturns \`text\` trimmed.\n\n\`\`\`js\n${fn}(' a ', ' ', { keepEnd: true });\n\`\`\`\n`);
  fs.writeFileSync(path.join(dir, 'index.d.ts'), `/** Trims \`text\`. */\nexport declare function ${fn}(text: string, chars: string, options?: { keepEnd?: boolean }): string;\n`);
  fs.writeFileSync(path.join(dir, 'index.js'), `export function ${fn}(text, chars, options = {}) {\n  return options.keepEnd ? text : text.trim();\n}\n`);
  const filler = Array.from({ length: 120 }, (_, i) => `export const value${i} = ${i} * 2;`).join('\n');
  fs.writeFileSync(path.join(dir, 'lib', 'use.js'), `import * as api from '../index.js';\n${filler}\nexport const trimmed = ${fn}(' b ', ' ');\n`);
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
    const held = report.groups['held-out-rewritten'];
    const seen = report.groups['training-unchanged'];
    for (const kind of REWRITE_KINDS) {
      // A call site and a usage each, but option-key: the call has no options, so a usage only.
      const tasks = kind === 'option-key' ? 1 : 2;
      expect(held[kind]).toEqual(expect.objectContaining({ packages: ['held-pkg'], functions: 1, tasks }));
      expect(seen[kind]).toEqual(expect.objectContaining({ packages: ['seen-pkg'], functions: 1, tasks }));
      expect(Object.keys(held[kind].settings)).toEqual(SETTINGS.map((s) => s.id));
      expect(Object.keys(seen[kind].settings)).toEqual(SETTINGS.filter((s) => s.doc !== 'original').map((s) => s.id));
    }
    const controlSettings = SETTINGS.filter((s) => s.doc !== 'original').length;
    expect(report.results).toHaveLength(7 * SETTINGS.length + 7 * controlSettings);
    const heldExpected = (kind: string) => report.results.filter((r) => r.group === 'held-out-rewritten' && r.rewrite === kind).map((r) => r.expected);
    expect(heldExpected('rename').every((e) => /trimText[A-Z]\w*/.test(e))).toBe(true);
    expect(new Set(heldExpected('reorder'))).toEqual(new Set(["' ', ' b ');", 'chars, text);']));
    expect(heldExpected('option-key').every((e) => /^keepEnd[A-Z]\w*: setting \}\);$/.test(e))).toBe(true);
    expect(new Set(heldExpected('result-shape'))).toEqual(new Set(["trimText(' b ', ' ').value;", 'trimText(input).value;']));
    for (const s of Object.values(held).concat(Object.values(seen)).flatMap((g) => Object.values(g.settings))) {
      for (const r of [s.updated, s.original, s.neither, s.exact]) {
        expect(r.rate).toBeGreaterThanOrEqual(r.ci[0]);
        expect(r.rate).toBeLessThanOrEqual(r.ci[1]);
      }
    }
    // The scores are the results' own: the summary's rate is the share of results that name the updated API.
    const noDoc = report.results.filter((r) => r.group === 'held-out-rewritten' && r.rewrite === 'reorder' && r.setting === 'no-doc');
    expect(held.reorder.settings['no-doc']!.updated.rate).toBe(noDoc.filter((r) => r.score.updated).length / noDoc.length);
    expect(held.reorder.settings['no-doc']!.neither.rate).toBe(noDoc.filter((r) => !r.score.updated && !r.score.original).length / noDoc.length);
    expect(Object.keys(report.differences)).toHaveLength(4 * REWRITE_KINDS.length);
    expect(report.machine.cpus).toBeGreaterThan(0);
    const markdown = docsVsMemoryMarkdown(report);
    expect(markdown.split('\n').filter((l) => l.startsWith('| held-out-rewritten'))).toHaveLength(REWRITE_KINDS.length * SETTINGS.length);
    expect(markdown).toContain('| option-key: updated-full minus original-full |');
    // Two model loads and a dozen engine calls: seconds here, generous for a loaded machine.
  }, 120_000);
});
