import { describe, expect, it } from 'vitest';
import {
  callSite, candidateFunctions, chooseFunctions, declaredFunctions, newName, packageTasks, renameIdentifier, rewritePackage, scoreApiUse, wholeWord,
  type PackageFiles,
} from '../../../training/eval/docsVsMemory';

const PKG: PackageFiles = {
  name: 'tiny-pad',
  split: 'eval',
  readme: {
    path: 'README.md',
    text: [
      '# tiny-pad', '', 'Pads a string.', '', '## padLeft(text, width)', '', 'Returns `text` padded by `padLeft` to `width`.',
      'Not to be confused with padLeftmost or JSON.parse.', '', '```js', "import { padLeft } from 'tiny-pad';", "padLeft('a', 3);", '```', '',
    ].join('\n'),
  },
  declarations: [{
    path: 'index.d.ts',
    text: '/** Pads `text` on the left; see {@link padLeft}. */\nexport declare function padLeft(text: string, width: number): string;\nexport declare function padLeftmost(text: string): string;\ndeclare namespace inner { function parse(x: string): number; }\n',
  }],
  code: [
    {
      path: 'index.js',
      text: [
        '// padLeft: the one function', 'export function padLeft(text, width) {', "  return ' '.repeat(Math.max(0, width - text.length)) + text;", '}',
        "export const label = 'padLeft';", 'export const padLeftmost = (t) => t;', 'const obj = { padLeft };', '',
      ].join('\n'),
    },
    // Its call has the import just above it: the name is in the prefix, so no task is cut there.
    { path: 'lib/near.js', text: "import { padLeft } from '../index.js';\nexport const near = padLeft('y', 2);\n" },
    {
      path: 'lib/use.js',
      // The import is further above the call than a task's prefix keeps.
      text: ["import { padLeft } from '../index.js';", ...Array.from({ length: 120 }, (_, i) => `export const value${i} = ${i} * 2;`), "export const line = padLeft('x', 4);", ''].join('\n'),
    },
  ],
};

describe('docs vs memory: the rewrite', () => {
  it('finds the functions a declaration file declares, namespaces included', () => {
    expect(declaredFunctions(PKG.declarations[0]!.text, 'index.d.ts').sort()).toEqual(['padLeft', 'padLeftmost', 'parse']);
  });

  it('candidates are declared, named in the README and not a built-in member name', () => {
    // parse is JSON.parse's name; padLeftmost is named in the README too.
    expect(candidateFunctions(PKG)).toEqual(['padLeft', 'padLeftmost']);
  });

  it('renames every identifier and comment mention in code, and nothing else (strings, longer names)', () => {
    const code = PKG.code[0]!;
    const out = renameIdentifier(code.text, code.path, 'padLeft', 'padLeftSafe');
    expect(out).toContain('// padLeftSafe: the one function');
    expect(out).toContain('export function padLeftSafe(text, width)');
    expect(out).toContain("export const label = 'padLeft';");
    expect(out).toContain('export const padLeftmost = (t) => t;');
    expect(out).toContain('const obj = { padLeftSafe };');
    // Nothing but the renamed spots changed: undoing the rename at word boundaries (outside the string) gives the original.
    expect(out.replace(/padLeftSafe/g, 'padLeft')).toBe(code.text);
    // Only the string literal keeps the old name.
    expect(out.match(wholeWord('padLeft'))).toEqual(['padLeft']);
  });

  it('renames the declaration, its JSDoc link, and every README mention (prose and examples), leaving longer names', () => {
    const out = rewritePackage(PKG, 'padLeft', 'padLeftSafe');
    expect(out.declarations[0]!.text).toContain('{@link padLeftSafe}');
    expect(out.declarations[0]!.text).toContain('function padLeftSafe(text: string, width: number)');
    expect(out.declarations[0]!.text).toContain('function padLeftmost(text: string)');
    expect(out.readme!.text).toContain('## padLeftSafe(text, width)');
    expect(out.readme!.text).toContain("import { padLeftSafe } from 'tiny-pad';");
    expect(out.readme!.text).toContain("padLeftSafe('a', 3);");
    expect(out.readme!.text).toContain('padLeftmost or JSON.parse');
    expect(out.readme!.text.match(wholeWord('padLeft'))).toBeNull();
    expect(out.declarations[0]!.text.match(wholeWord('padLeft'))).toBeNull();
    expect(out.code[2]!.text.match(wholeWord('padLeft'))).toBeNull();
    expect(out.code[2]!.text).toContain("import { padLeftSafe } from '../index.js';");
  });

  it('a new name is seeded, keeps the old start, and is never one the package already uses', () => {
    const a = newName('padLeft', 1, () => false);
    expect(newName('padLeft', 1, () => false)).toBe(a);
    expect(a.startsWith('padLeft') && a.length > 'padLeft'.length).toBe(true);
    const b = newName('padLeft', 1, (c) => c === a);
    expect(b).not.toBe(a);
  });
});

describe('docs vs memory: tasks and scores', () => {
  it('cuts a call site only where the kept surroundings do not name the function', () => {
    const site = callSite(PKG, 'padLeft');
    expect(site).not.toBeNull();
    expect(site!.path).toBe('lib/use.js');
    expect(site!.middle).toBe("padLeft('x', 4);");
    expect(site!.prefix.endsWith('export const line = ')).toBe(true);
  });

  it("held-out tasks' middles and updated documents use the new name; the original documents the old one", () => {
    const tasks = packageTasks(PKG, ['padLeft'], true, 1);
    const renamed = newName('padLeft', 1, (c) => wholeWord(c).test(JSON.stringify(PKG)));
    expect(tasks.map((t) => t.kind)).toEqual(['call-site', 'usage']);
    for (const t of tasks) {
      expect(t.updatedName).toBe(renamed);
      expect(t.originalName).toBe('padLeft');
      expect(t.middle.match(wholeWord(renamed))).toHaveLength(1);
      expect(t.middle.match(wholeWord('padLeft'))).toBeNull();
      expect(t.prefix.match(wholeWord(renamed))).toBeNull();
      expect(t.documents.updated.map((d) => d.name)).toEqual(['index.d.ts', 'README.md']);
      expect(t.documents.updated.every((d) => wholeWord(renamed).test(d.text) && !wholeWord('padLeft').test(d.text))).toBe(true);
      expect(t.documents.original.every((d) => wholeWord('padLeft').test(d.text) && !wholeWord(renamed).test(d.text))).toBe(true);
    }
    expect(tasks[0]!.middle).toBe(`${renamed}('x', 4);`);
  });

  it('training packages are left unchanged', () => {
    const tasks = packageTasks({ ...PKG, split: 'train' }, ['padLeft'], false, 1);
    expect(tasks.every((t) => t.updatedName === 'padLeft' && t.middle.startsWith('padLeft'))).toBe(true);
    expect(tasks[0]!.documents.updated).toEqual(tasks[0]!.documents.original);
  });

  it('scores the first line: the updated name, the original name (whole words), the exact middle', () => {
    const task = { middle: 'padLeftSafe', suffix: '(input);\n}\n', updatedName: 'padLeftSafe', originalName: 'padLeft' };
    expect(scoreApiUse('padLeftSafe(input);', task)).toEqual({ updated: true, original: false, exact: true });
    expect(scoreApiUse('padLeft(input);', task)).toEqual({ updated: false, original: true, exact: false });
    expect(scoreApiUse('padLeftSafely', task)).toEqual({ updated: false, original: false, exact: false });
    expect(scoreApiUse('\npadLeftSafe', task)).toEqual({ updated: false, original: false, exact: false });
  });

  it('chooses functions in a seeded order, one per package in turn', () => {
    const other: PackageFiles = { ...PKG, name: 'other' };
    const chosen = chooseFunctions([PKG, other], 3, 7);
    expect(chooseFunctions([other, PKG], 3, 7)).toEqual(chosen);
    expect(chosen.reduce((n, [, names]) => n + names.length, 0)).toBe(3);
    expect(chosen.map(([p]) => p.name).sort()).toEqual(['other', 'tiny-pad']);
  });
});
