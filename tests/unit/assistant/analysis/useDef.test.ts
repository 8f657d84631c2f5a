import { beforeAll, describe, expect, it } from 'vitest';
import { UseDefAnalyzer, type AnalysisDocument, type UseDefResult } from '../../../../assistant/analysis';

let analyzer: UseDefAnalyzer;
beforeAll(async () => {
  analyzer = await UseDefAnalyzer.create();
});

/** Edges as `name [use file ]line:column -> def file line:column` (the use's file only when not the cursor's). */
function edges(file: string, code: string, documents: AnalysisDocument[] = []): string[] {
  return show(file, analyzer.analyze({ file, code }, documents));
}

function show(file: string, result: UseDefResult): string[] {
  return result.edges.map((e) => `${e.name} ${e.use.file === file ? '' : `${e.use.file} `}${e.use.line}:${e.use.column} -> ${e.def.file} ${e.def.line}:${e.def.column}`);
}

describe('use-def edges', () => {
  it('resolves shadowed names to the nearest scope', () => {
    expect(edges('a.ts', [
      'const x = 1;',
      'function f(x) {',
      '  { let x = 2; x; }',
      '  return x;',
      '}',
      'x;',
    ].join('\n'))).toEqual(['x 3:15 -> a.ts 3:8', 'x 4:9 -> a.ts 2:11', 'x 6:0 -> a.ts 1:6']);
  });

  it('reaches a closure\'s captured variable', () => {
    expect(edges('a.js', [
      'function counter() {',
      '  let n = 0;',
      '  return () => { n += 1; return n; };',
      '}',
      'const inc = counter();',
    ].join('\n'))).toEqual(['n 3:17 -> a.js 2:6', 'n 3:32 -> a.js 2:6', 'counter 5:12 -> a.js 1:9']);
  });

  it('hoists function declarations and var (out of blocks)', () => {
    expect(edges('a.js', [
      'g();',
      'function g() { return v; }',
      'var v = 1;',
      'if (true) { var w = 2; }',
      'w;',
    ].join('\n'))).toEqual(['g 1:0 -> a.js 2:9', 'v 2:22 -> a.js 3:4', 'w 5:0 -> a.js 4:16']);
  });

  it('resolves imports to the attached documents that export them (named, renamed, default)', () => {
    const docs = [
      { file: 'src/csv.ts', text: "export function parse(s: string) { return s.split(','); }\nexport class Table { constructor(rows: string[]) {} }" },
      { file: 'src/sum.ts', text: 'export default function sum(xs: string[]) { return xs.length; }' },
    ];
    expect(edges('src/main.ts', [
      "import { parse as p, Table } from './csv';",
      "import total from './sum';",
      "const rows = p('a,b');",
      'new Table(rows);',
      'total(rows);',
    ].join('\n'), docs)).toEqual([
      'parse 1:9 -> src/csv.ts 1:16',
      'Table 1:21 -> src/csv.ts 2:13',
      'total 2:7 -> src/sum.ts 1:24',
      'p 3:13 -> src/csv.ts 1:16',
      'Table 4:4 -> src/csv.ts 2:13',
      'rows 4:10 -> src/main.ts 3:6',
      'total 5:0 -> src/sum.ts 1:24',
      'rows 5:6 -> src/main.ts 3:6',
      's src/csv.ts 1:42 -> src/csv.ts 1:22',
      'xs src/sum.ts 1:51 -> src/sum.ts 1:28',
    ]);
  });

  it('stops at the import when the module is not attached, and follows a namespace import\'s members', () => {
    expect(edges('src/main.ts', "import { parse } from './csv';\nparse('');")).toEqual(['parse 2:0 -> src/main.ts 1:9']);
    expect(edges('src/main.ts', "import * as csv from './csv.js';\ncsv.parse('');", [{ file: 'src/csv.ts', text: 'export const parse = (s: string) => s;' }]))
      .toEqual(['csv 2:0 -> src/main.ts 1:12', 'parse 2:4 -> src/csv.ts 1:13', 's src/csv.ts 1:36 -> src/csv.ts 1:22']);
  });

  it('binds every name of a destructuring pattern, with defaults as uses', () => {
    expect(edges('a.ts', [
      'const { a, b: [c, d = a], ...rest } = obj();',
      'function h({ e, f: g = 1 }: Opts, [k]: number[]) { return e + g + k; }',
      'a + c + d + rest;',
    ].join('\n'))).toEqual([
      'a 1:22 -> a.ts 1:8',
      'e 2:58 -> a.ts 2:13',
      'g 2:62 -> a.ts 2:19',
      'k 2:66 -> a.ts 2:35',
      'a 3:0 -> a.ts 1:8',
      'c 3:4 -> a.ts 1:15',
      'd 3:8 -> a.ts 1:18',
      'rest 3:12 -> a.ts 1:29',
    ]);
  });

  it('resolves this.x and obj.method to fields, constructor parameters, assignments and methods', () => {
    expect(edges('a.ts', [
      'class Point {',
      '  x = 0;',
      '  constructor(public y: number) { this.z = 1; }',
      '  norm() { return this.x + this.y + this.z; }',
      '}',
      'const p = new Point(2);',
      'p.norm();',
      'const o = { m() { return 1; } };',
      'o.m();',
    ].join('\n'))).toEqual([
      'x 4:23 -> a.ts 2:2',
      'y 4:32 -> a.ts 3:21',
      'z 4:41 -> a.ts 3:39',
      'Point 6:14 -> a.ts 1:6',
      'p 7:0 -> a.ts 6:6',
      'norm 7:2 -> a.ts 4:2',
      'o 9:0 -> a.ts 8:6',
      'm 9:2 -> a.ts 8:12',
    ]);
  });

  it('reaches a method of a class imported from an attached document through a typed parameter', () => {
    expect(edges('src/use.ts', "import { Table } from './table';\nfunction show(t: Table) { return t.render(); }", [
      { file: 'src/table.ts', text: 'export class Table {\n  render() { return 1; }\n}' },
    ])).toEqual(['Table 1:9 -> src/table.ts 1:13', 'Table 2:17 -> src/table.ts 1:13', 't 2:33 -> src/use.ts 2:14', 'render 2:35 -> src/table.ts 2:2']);
  });

  it('analyses prefix and suffix as one text and TSX with JSX', () => {
    const result = analyzer.analyze({ file: 'a.ts', prefix: 'const total = 1;\nconst twice = to', suffix: 'tal * 2;\n' });
    expect(show('a.ts', result)).toEqual(['total 2:14 -> a.ts 1:6']);
    expect(edges('v.tsx', 'const Title = () => <h1 />;\nexport const Page = () => <main><Title /></main>;')).toEqual(['Title 2:33 -> v.tsx 1:6']);
  });

  it('gives no edges, never an error, for unknown languages and unreadable code', () => {
    expect(edges('notes.md', 'const a = 1; a;')).toEqual([]);
    expect(edges('a.ts', ')))(((}}} ::: ===')).toEqual([]);
    // Edges outside the broken line survive; nothing comes from inside it.
    const broken = edges('a.ts', 'const a = 1;\nconst b = a;\nfunction (( { a;\n');
    expect(broken).toContain('a 2:10 -> a.ts 1:6');
    expect(broken.filter((e) => / 3:\d+ ->/.test(e))).toEqual([]);
  });

  it('analyses a document once per content (cached by hash) and again when it changes', () => {
    const doc = { file: 'lib.ts', text: 'export const k = 1;' };
    const first = analyzer.analyze({ file: 'a.ts', code: "import { k } from './lib';\nk;" }, [doc]).files[1];
    const second = analyzer.analyze({ file: 'b.ts', code: "import { k } from './lib';\nk + 1;" }, [{ ...doc }]).files[1];
    expect(second).toBe(first);
    const changed = analyzer.analyze({ file: 'b.ts', code: "import { k } from './lib';\nk + 1;" }, [{ file: 'lib.ts', text: 'export const k = 2;' }]);
    expect(changed.files[1]).not.toBe(first);
    expect(show('b.ts', changed)).toContain('k 2:0 -> lib.ts 1:13');
  });

  it('gives the same edges after edits (incremental reparse) as a fresh analysis', async () => {
    const fresh = await UseDefAnalyzer.create();
    let code = 'class A {\n  v = 1;\n  get() { return this.v; }\n}\nconst a = new A();\nfunction f(x: number) { return x + a.get(); }\n';
    const edits = ['const b = f(2);\n', '// note\n', 'let y = b;\n'];
    for (const [i, insert] of edits.entries()) {
      const at = i === 1 ? 0 : code.length; // one edit at the start shifts every later node
      code = code.slice(0, at) + insert + code.slice(at);
      const incremental = show('inc.ts', analyzer.analyze({ file: 'inc.ts', code }));
      expect(incremental).toEqual(show(`fresh${i}.ts`, fresh.analyze({ file: `fresh${i}.ts`, code })).map((e) => e.replace(new RegExp(`fresh${i}\\.ts`, 'g'), 'inc.ts')));
      expect(incremental.length).toBeGreaterThan(4);
    }
    fresh.dispose();
  });
});

describe('code being typed (brackets left open at the cursor)', () => {
  /** Edges of `prefix|suffix` as the engine asks: the cursor between the two. */
  const typed = (file: string, prefix: string, suffix = '') => show(file, analyzer.analyze({ file, prefix, suffix }));
  const SOURCE = 'export function add(a: number, b: number) {\n  return a + b;\n}\nconst base = 10;\n';

  it('finds the uses of a call still open at the end of the file, as if its bracket had been closed', () => {
    const closed = typed('a.ts', `${SOURCE}const total = add(base`, ')');
    expect(closed).toContain('add 5:14 -> a.ts 1:16');
    expect(closed).toContain('base 5:18 -> a.ts 4:6');
    expect(typed('a.ts', `${SOURCE}const total = add(base`)).toEqual(closed);
    expect(typed('a.ts', `${SOURCE}const total = add(base`, '\n')).toEqual(closed);
  });

  it('closes what the cursor leaves open inside a block the rest of the file closes, so local names resolve', () => {
    const prefix = 'const y = 0;\nfunction f(x: number) {\n  const y = x + 1;\n  return g([y, x';
    const suffix = '\n}\nfunction g(v: number[]) { return v; }\n';
    expect(typed('a.ts', prefix, suffix)).toEqual([
      'x 3:12 -> a.ts 2:11', 'g 4:9 -> a.ts 6:9', 'y 4:12 -> a.ts 3:8', 'x 4:15 -> a.ts 2:11', 'v 6:33 -> a.ts 6:11',
    ]);
  });

  it('closes Python brackets too', () => {
    expect(typed('a.py', 'def add(a, b):\n    return a + b\n\nbase = 1\ntotal = add(base, [base')).toEqual([
      'a 2:11 -> a.py 1:8', 'b 2:15 -> a.py 1:11', 'add 5:8 -> a.py 1:4', 'base 5:12 -> a.py 4:0', 'base 5:19 -> a.py 4:0',
    ]);
  });

  it('leaves code alone where closing brackets does not make it parse, and never counts brackets in strings', () => {
    expect(typed('a.ts', 'const s = "(((";\nconst k = 1;\nk', '')).toEqual(['k 3:0 -> a.ts 2:6']);
    const broken = 'const k = 1;\nconst s = `${k';
    expect(typed('a.ts', broken, ' + "')).toEqual(show('b.ts', analyzer.analyze({ file: 'b.ts', code: `${broken} + "` })).map((e) => e.replace('b.ts', 'a.ts')));
  });

  it('reuses the facts of code that parses wherever the cursor is; code that does not is analysed for its cursor', () => {
    const factsAt = (code: string, at: number) => analyzer.analyze({ file: 'moved.ts', prefix: code.slice(0, at), suffix: code.slice(at) }).files[0];
    const parses = 'const k = 1;\nf(k);\n';
    expect(factsAt(parses, 15)).toBe(factsAt(parses, 3));
    const open = 'const k = 1;\nf(k, g(k\n';
    expect(factsAt(open, open.length - 1)).not.toBe(factsAt(open, 15));
    expect(show('moved.ts', analyzer.analyze({ file: 'moved.ts', prefix: open.slice(0, -1), suffix: '\n' }))).toEqual(['k 2:2 -> moved.ts 1:6', 'k 2:7 -> moved.ts 1:6']);
  });

  it('gives the same edges typed a character at a time (incremental reparse) as a fresh analysis', async () => {
    const fresh = await UseDefAnalyzer.create();
    const line = 'const total = add(base, add(1';
    for (let n = 0; n <= line.length; n++) {
      const prefix = SOURCE + line.slice(0, n);
      const incremental = typed('inc.ts', prefix, '\n');
      expect(incremental).toEqual(show(`fresh${n}.ts`, fresh.analyze({ file: `fresh${n}.ts`, prefix, suffix: '\n' })).map((e) => e.replace(`fresh${n}.ts`, 'inc.ts')));
    }
    expect(typed('inc.ts', SOURCE + line, '\n')).toEqual(expect.arrayContaining(['add 5:14 -> inc.ts 1:16', 'base 5:18 -> inc.ts 4:6', 'add 5:24 -> inc.ts 1:16']));
    fresh.dispose();
  });
});
