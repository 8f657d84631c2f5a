import { describe, expect, it } from 'vitest';
import {
  callSite, candidateFunctions, chooseFunctions, declaredFunctions, follows, newName, optionKeyOf, packageTasks, renameIdentifier, renameOptionKey,
  reorderableParameters, reorderPackage, reshapeableResult, reshapeResult, rewritableFunctions, rewritePackage, scoreApiUse, splitArguments, wholeWord,
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
      expect(t.updated).toEqual({ word: renamed });
      expect(t.original).toEqual({ word: 'padLeft' });
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
    expect(tasks.every((t) => 'word' in t.updated && t.updated.word === 'padLeft' && t.middle.startsWith('padLeft'))).toBe(true);
    expect(tasks[0]!.documents.updated).toEqual(tasks[0]!.documents.original);
  });

  it('scores the first line: the updated name, the original name (whole words), the exact middle', () => {
    const task = { middle: 'padLeftSafe', suffix: '(input);\n}\n', updated: { word: 'padLeftSafe' }, original: { word: 'padLeft' } };
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

/** A package with a two-parameter function (`clip`) and one that takes options (`layout`). */
const FIT: PackageFiles = {
  name: 'tiny-clip',
  split: 'eval',
  readme: {
    path: 'README.md',
    text: [
      '# tiny-clip', '', '## clip(text, width)', '', 'Fits `text` into `width` columns.', '', '```js', "import { clip, layout } from 'tiny-clip';", "clip('hello', 3);",
      'layout(items, { columnGap: 2 });', '```', '', '## layout(items, options?)', '', '### columnGap', '', 'Type: `number`. The columnGap word in prose stays.', '',
    ].join('\n'),
  },
  declarations: [{
    path: 'index.d.ts',
    text: [
      "/** Fits `text` into `width`, as in `clip('a', 2)`. */", 'export declare function clip(text: string, width: number): string;',
      'export interface LayoutOptions {', '  /** Gap between columns; `columnGap` of 0 joins them. */', '  columnGap?: number;', '  wrap?: boolean;', '}',
      'export declare function layout(items: string[], options?: LayoutOptions): string;', '',
    ].join('\n'),
  }],
  code: [
    {
      path: 'index.js',
      text: [
        'export function clip(text, width) {', '  return text.slice(0, width);', '}', 'export const clipRest = (a, b) => clipRest(a, b);',
        "const note = 'clip(a, b) and columnGap';", 'export const twice = clip(clip(note, 1), 2);', 'export const loose = clip(note);',
        'const defaults = { columnGap: 1 };', 'export function layout(items, options = defaults) {', '  const { columnGap = 1, wrap } = options;',
        "  return items.map((item) => clip(item, 8)).join(' '.repeat(options.columnGap ?? columnGap)) + (wrap ? '\\n' : '');", '}', '',
      ].join('\n'),
    },
    {
      path: 'lib/use.js',
      text: [
        "import { clip, layout } from '../index.js';", ...Array.from({ length: 120 }, (_, i) => `export const value${i} = ${i} * 2;`),
        'export const cell = clip(title, 12);', 'export const row = layout(cells, { columnGap: 3 });', '',
      ].join('\n'),
    },
    // A module's clip, and a test library's method that only shares the name.
    { path: 'lib/other.js', text: "import * as api from '../index.js';\ntest((t) => t.clip(1, 2));\nexport const viaApi = api.clip(name, 3);\n" },
  ],
};

const fileText = (pkg: PackageFiles, path: string): string => [pkg.readme!, ...pkg.declarations, ...pkg.code].find((f) => f.path === path)!.text;

describe('docs vs memory: reordered parameters', () => {
  it('swaps only two required, plainly named parameters, and not where a call spreads its arguments', () => {
    expect(reorderableParameters(FIT, 'clip')).toEqual(['text', 'width']);
    // layout's second parameter is optional.
    expect(reorderableParameters(FIT, 'layout')).toBeNull();
    const spread = { ...FIT, code: [...FIT.code, { path: 'lib/spread.js', text: 'export const f = (...args) => clip(...args);\n' }] };
    expect(reorderableParameters(spread, 'clip')).toBeNull();
    expect(rewritableFunctions(FIT, 'reorder', 1)).toEqual(['clip']);
  });

  it('swaps the declaration, the JSDoc and README calls and signatures, the implementation and every call; strings and other functions stay', () => {
    const out = reorderPackage(FIT, 'clip');
    expect(fileText(out, 'index.d.ts')).toContain("/** Fits `text` into `width`, as in `clip(2, 'a')`. */\nexport declare function clip(width: number, text: string): string;");
    expect(fileText(out, 'README.md')).toContain('## clip(width, text)');
    expect(fileText(out, 'README.md')).toContain("clip(3, 'hello');");
    expect(fileText(out, 'README.md')).toContain('## layout(items, options?)');
    const code = fileText(out, 'index.js');
    expect(code).toContain('export function clip(width, text) {\n  return text.slice(0, width);');
    expect(code).toContain('export const clipRest = (a, b) => clipRest(a, b);');
    expect(code).toContain("const note = 'clip(a, b) and columnGap';");
    // Nested calls are both swapped; a call that left `width` undefined now passes it first.
    expect(code).toContain('export const twice = clip(2, clip(1, note));');
    expect(code).toContain('export const loose = clip(undefined, note);');
    expect(code).toContain('clip(8, item)');
    expect(fileText(out, 'lib/use.js')).toContain('export const cell = clip(12, title);');
    expect(fileText(out, 'lib/other.js')).toContain('export const viaApi = api.clip(3, name);');
    expect(fileText(out, 'lib/other.js')).toContain('test((t) => t.clip(1, 2));');
    // The unchanged parts: the other function's declaration and calls.
    expect(fileText(out, 'index.d.ts')).toContain('export declare function layout(items: string[], options?: LayoutOptions): string;');
    expect(fileText(out, 'lib/use.js')).toContain('layout(cells, { columnGap: 3 })');
  });

  it("cuts a call site's arguments, and a usage listing the parameters alphabetically; the order tells which API the answer follows", () => {
    const tasks = packageTasks(FIT, ['clip'], true, 1, 'reorder');
    expect(tasks.map((t) => [t.rewrite, t.kind, t.path])).toEqual([['reorder', 'call-site', 'lib/use.js'], ['reorder', 'usage', 'example.mjs']]);
    const [site, usage] = tasks as [(typeof tasks)[0], (typeof tasks)[0]];
    expect(site.prefix.endsWith('export const cell = clip(')).toBe(true);
    expect(site.middle).toBe('12, title);');
    expect([site.updated, site.original]).toEqual([{ args: ['12', 'title'] }, { args: ['title', '12'] }]);
    expect(usage.prefix.endsWith("export function example(text, width) {\n  return api.clip(")).toBe(true);
    expect(usage.middle).toBe('width, text);');
    expect([usage.updated, usage.original]).toEqual([{ args: ['width', 'text'] }, { args: ['text', 'width'] }]);
    expect(usage.documents.updated[0]!.text).toContain('function clip(width: number, text: string)');
    expect(usage.documents.original[0]!.text).toContain('function clip(text: string, width: number)');
    expect(scoreApiUse('12, title);', site)).toEqual({ updated: true, original: false, exact: true });
    expect(scoreApiUse('title, 12);', site)).toEqual({ updated: false, original: true, exact: false });
    expect(scoreApiUse('title);', site)).toEqual({ updated: false, original: false, exact: false });
  });

  it('training packages keep their order: the updated and original forms are the same', () => {
    const tasks = packageTasks({ ...FIT, split: 'train' }, ['clip'], false, 1, 'reorder');
    expect(tasks.map((t) => t.middle)).toEqual(['title, 12);', 'text, width);']);
    expect(tasks.every((t) => JSON.stringify(t.updated) === JSON.stringify(t.original))).toBe(true);
  });

  it('reads arguments at the top level only, quotes and brackets included', () => {
    expect(splitArguments("a, f(b, c), 'x, y', [1, 2]) + rest")).toEqual({ parts: ['a', 'f(b, c)', "'x, y'", '[1, 2]'], closed: true });
    expect(splitArguments('a, b')).toEqual({ parts: ['a', 'b'], closed: false });
    expect(follows('w , t );', { args: ['w', 't'] })).toBe(true);
    expect(follows('w);', { args: ['w', 't'] })).toBe(false);
  });
});

describe('docs vs memory: renamed options key', () => {
  it('finds an options key the README shows as code', () => {
    expect(optionKeyOf(FIT, 'layout', 1)).toEqual({ index: 1, key: 'columnGap', typeName: 'LayoutOptions' });
    expect(optionKeyOf(FIT, 'clip', 1)).toBeNull();
    expect(rewritableFunctions(FIT, 'option-key', 1)).toEqual(['layout']);
  });

  it('renames the key in the type, its JSDoc, README code and heading, object literals, accesses and destructuring; prose and strings stay', () => {
    const out = renameOptionKey(FIT, 'columnGap', 'columnGapNow');
    expect(fileText(out, 'index.d.ts')).toContain('  /** Gap between columns; `columnGapNow` of 0 joins them. */\n  columnGapNow?: number;\n  wrap?: boolean;');
    const readme = fileText(out, 'README.md');
    expect(readme).toContain('layout(items, { columnGapNow: 2 });');
    expect(readme).toContain('### columnGapNow');
    expect(readme).toContain('The columnGap word in prose stays.');
    const code = fileText(out, 'index.js');
    expect(code).toContain('const defaults = { columnGapNow: 1 };');
    // The destructured variable keeps its name, so the function body is unchanged.
    expect(code).toContain('const { columnGapNow: columnGap = 1, wrap } = options;');
    expect(code).toContain('options.columnGapNow ?? columnGap');
    expect(code).toContain("const note = 'clip(a, b) and columnGap';");
    expect(fileText(out, 'lib/use.js')).toContain('layout(cells, { columnGapNow: 3 })');
  });

  it("cuts at the key in a call's options and in a usage; the documents show the key's declaration", () => {
    const tasks = packageTasks(FIT, ['layout'], true, 1, 'option-key');
    const to = (tasks[0]!.updated as { word: string }).word;
    expect(to.startsWith('columnGap') && to !== 'columnGap').toBe(true);
    expect(tasks.map((t) => [t.kind, t.middle])).toEqual([['call-site', `${to}: 3 });`], ['usage', `${to}: setting });`]]);
    expect(tasks[0]!.prefix.endsWith('export const row = layout(cells, { ')).toBe(true);
    expect(tasks[1]!.prefix.endsWith('export function example(items, setting) {\n  return api.layout(items, { ')).toBe(true);
    for (const t of tasks) {
      expect(t.original).toEqual({ word: 'columnGap' });
      expect(wholeWord('columnGap').test(t.prefix) || wholeWord(to).test(t.prefix)).toBe(false);
      expect(t.documents.updated.map((d) => d.name)).toEqual(['index.d.ts', 'index.d.ts', 'README.md']);
      expect(t.documents.updated[1]!.text).toBe(`export interface LayoutOptions {\n  /** Gap between columns; \`${to}\` of 0 joins them. */\n  ${to}?: number;\n}`);
      expect(t.documents.updated[2]!.text).toContain(`{ ${to}: 2 }`);
      expect(t.documents.original[1]!.text).toContain('columnGap?: number;');
    }
    expect(scoreApiUse(`${to}: 3 });`, tasks[0]!)).toEqual({ updated: true, original: false, exact: true });
    expect(scoreApiUse('columnGap: 3 });', tasks[0]!)).toEqual({ updated: false, original: true, exact: false });
  });
});

describe('docs vs memory: result wrapped in { value }', () => {
  it('only where every use of the function is a call and its result a plain value', () => {
    expect(reshapeableResult(FIT, 'clip')).toBe(true);
    const passed = { ...FIT, code: [...FIT.code, { path: 'lib/map.js', text: "export const all = ['a'].map(clip);\n" }] };
    expect(reshapeableResult(passed, 'clip')).toBe(false);
    const promised = { ...FIT, declarations: [{ path: 'index.d.ts', text: 'export declare function clip(text: string, width: number): Promise<string>;\n' }] };
    expect(reshapeableResult(promised, 'clip')).toBe(false);
    const nothing = { ...FIT, declarations: [{ path: 'index.d.ts', text: 'export declare function clip(text: string, width: number): void;\n' }] };
    expect(reshapeableResult(nothing, 'clip')).toBe(false);
  });

  it("wraps the declared type, the implementation's returns and every call's result; README code calls, not headings, strings or other functions", () => {
    const out = reshapeResult(FIT, 'clip');
    expect(fileText(out, 'index.d.ts')).toContain('export declare function clip(text: string, width: number): { value: string };');
    expect(fileText(out, 'index.d.ts')).toContain('export declare function layout(items: string[], options?: LayoutOptions): string;');
    const readme = fileText(out, 'README.md');
    expect(readme).toContain("clip('hello', 3).value;");
    expect(readme).toContain('## clip(text, width)');
    expect(readme).toContain("import { clip, layout } from 'tiny-clip';");
    const code = fileText(out, 'index.js');
    expect(code).toContain('export function clip(text, width) {\n  return { value: text.slice(0, width) };\n}');
    expect(code).toContain('export const twice = clip(clip(note, 1).value, 2).value;');
    expect(code).toContain('items.map((item) => clip(item, 8).value)');
    expect(code).toContain('export const clipRest = (a, b) => clipRest(a, b);');
    expect(code).toContain("const note = 'clip(a, b) and columnGap';");
    expect(fileText(out, 'lib/use.js')).toContain('export const cell = clip(title, 12).value;');
    expect(fileText(out, 'lib/other.js')).toContain('export const viaApi = api.clip(name, 3).value;');
    expect(fileText(out, 'lib/other.js')).toContain('test((t) => t.clip(1, 2));');
    const fenced = { ...FIT, declarations: [{ path: 'index.d.ts', text: "/**\n```\nclip('a', 2);\n```\n*/\nexport declare function clip(text: string, width: number): string;\n" }] };
    expect(reshapeResult(fenced, 'clip').declarations[0]!.text).toBe("/**\n```\nclip('a', 2).value;\n```\n*/\nexport declare function clip(text: string, width: number): { value: string };\n");
    const arrow = { ...FIT, code: [{ path: 'index.ts', text: 'export const clip = (text: string, width: number): string => text.slice(0, width);\n' }] };
    expect(reshapeResult(arrow, 'clip').code[0]!.text).toBe('export const clip = (text: string, width: number): { value: string } => ({ value: text.slice(0, width) });\n');
  });

  it('cuts at the call; reading `.value` or not tells which API the answer follows', () => {
    const tasks = packageTasks(FIT, ['clip'], true, 1, 'result-shape');
    expect(tasks.map((t) => [t.kind, t.middle])).toEqual([['call-site', 'clip(title, 12).value;'], ['usage', 'clip(input).value;']]);
    expect(tasks[0]!.documents.updated[0]!.text).toContain('{ value: string }');
    expect(tasks[0]!.documents.original[0]!.text).not.toContain('value');
    expect(scoreApiUse('clip(title, 12).value;', tasks[0]!)).toEqual({ updated: true, original: false, exact: true });
    expect(scoreApiUse('clip(title, 12);', tasks[0]!)).toEqual({ updated: false, original: true, exact: false });
    expect(scoreApiUse('clip(title, 12).valueOf();', tasks[0]!)).toEqual({ updated: false, original: true, exact: false });
    expect(scoreApiUse('title.slice(0, 12);', tasks[0]!)).toEqual({ updated: false, original: false, exact: false });
    const control = packageTasks({ ...FIT, split: 'train' }, ['clip'], false, 1, 'result-shape');
    expect(control.map((t) => t.middle)).toEqual(['clip(title, 12);', 'clip(input);']);
    expect(control.every((t) => JSON.stringify(t.updated) === JSON.stringify(t.original))).toBe(true);
  });
});
