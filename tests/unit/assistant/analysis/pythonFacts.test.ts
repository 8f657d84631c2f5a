import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { languageOfFile, UseDefAnalyzer, type AnalysisDocument } from '../../../../assistant/analysis';
import { runUsedef } from '../../../../assistant/cli/usedef';

let analyzer: UseDefAnalyzer;
beforeAll(async () => {
  analyzer = await UseDefAnalyzer.create();
});

/** Edges as `name [use file ]line:column -> def file line:column` (the use's file only when not the cursor's). */
function edges(file: string, lines: string[], documents: AnalysisDocument[] = []): string[] {
  return analyzer.analyze({ file, code: lines.join('\n') }, documents).edges
    .map((e) => `${e.name} ${e.use.file === file ? '' : `${e.use.file} `}${e.use.line}:${e.use.column} -> ${e.def.file} ${e.def.line}:${e.def.column}`);
}

describe('Python use-def edges', () => {
  it('analyses .py and .pyi files as Python', () => {
    expect([languageOfFile('a.py'), languageOfFile('a.PYI'), languageOfFile('a.pyc')]).toEqual(['python', 'python', null]);
  });

  it('resolves shadowing: parameters, defaults read outside the function, comprehension targets', () => {
    expect(edges('a.py', [
      'x = 1',
      'def f(x, y=x):',
      '    def g():',
      '        return x',
      '    return [x for x in range(y)], g',
      'print(x)',
    ])).toEqual([
      'x 2:11 -> a.py 1:0', // a default is evaluated where the function is defined
      'x 4:15 -> a.py 2:6', // enclosing function
      'x 5:12 -> a.py 5:18', // the comprehension's own scope
      'y 5:29 -> a.py 2:9',
      'g 5:34 -> a.py 3:8',
      'x 6:6 -> a.py 1:0',
    ]);
  });

  it('follows nonlocal into the enclosing function and global to the module; reassignment is a use', () => {
    expect(edges('a.py', [
      'def counter():',
      '    n = 0',
      '    def inc(step=1):',
      '        nonlocal n',
      '        n += step',
      '        return n',
      '    return inc',
      'total = 0',
      'def add(v):',
      '    global total',
      '    total = total + v',
      'def local_only():',
      '    total = 5',
      '    return total',
    ])).toEqual([
      'n 4:17 -> a.py 2:4',
      'n 5:8 -> a.py 2:4',
      'step 5:13 -> a.py 3:12',
      'n 6:15 -> a.py 2:4',
      'inc 7:11 -> a.py 3:8',
      'total 10:11 -> a.py 8:0',
      'total 11:4 -> a.py 8:0',
      'total 11:12 -> a.py 8:0',
      'v 11:20 -> a.py 9:8',
      'total 14:11 -> a.py 13:4', // without `global`, an assignment makes the name local
    ]);
  });

  it('hides a class body from its methods and comprehensions, and resolves self.x to attributes and methods', () => {
    expect(edges('a.py', [
      'class Stack:',
      '    limit = 10',
      '    copies = [limit for _ in range(2)]',
      '    def __init__(self, first):',
      '        self.items = [first]',
      '    def push(self, item):',
      '        if len(self.items) < limit:',
      '            self.items.append(item)',
      '        return self.push, self.limit',
      's = Stack(0)',
      's.push(1)',
    ])).toEqual([
      'self 5:8 -> a.py 4:17',
      'first 5:22 -> a.py 4:23',
      'self 7:15 -> a.py 6:13',
      'items 7:20 -> a.py 5:13', // assigned in another method
      'self 8:12 -> a.py 6:13',
      'items 8:17 -> a.py 5:13',
      'item 8:30 -> a.py 6:19',
      'self 9:15 -> a.py 6:13',
      'push 9:20 -> a.py 6:8',
      'self 9:26 -> a.py 6:13',
      'limit 9:31 -> a.py 2:4', // a class attribute through self
      'Stack 10:4 -> a.py 1:6',
      's 11:0 -> a.py 10:0',
      'push 11:2 -> a.py 6:8', // `s = Stack(0)`: an instance of Stack
    ]);
  });

  it('inherits members from a base class of the file; a static method has no self, a class method\'s cls reaches the class', () => {
    expect(edges('a.py', [
      'class A:',
      '    def __init__(self):',
      '        self.size = 0',
      '    def grow(self):',
      '        return self.size',
      'class B(A):',
      '    @staticmethod',
      '    def make(n):',
      '        return n.size',
      '    @classmethod',
      '    def build(cls):',
      '        return cls.make(1)',
      '    def twice(self):',
      '        return self.grow() + self.size',
    ])).toEqual([
      'self 3:8 -> a.py 2:17',
      'self 5:15 -> a.py 4:13',
      'size 5:20 -> a.py 3:13',
      'A 6:8 -> a.py 1:6',
      'n 9:15 -> a.py 8:13', // not an instance of B: `n.size` has no edge
      'cls 12:15 -> a.py 11:14',
      'make 12:19 -> a.py 8:8',
      'self 14:15 -> a.py 13:14',
      'grow 14:20 -> a.py 4:8',
      'self 14:29 -> a.py 13:14',
      'size 14:34 -> a.py 3:13',
    ]);
  });

  it('binds unpacking, augmented assignment, for, with-as and except-as targets, and lambda parameters', () => {
    expect(edges('a.py', [
      'a, (b, *rest) = 1, (2, 3)',
      '[c, d] = rest',
      'for i, (j, k) in enumerate(rest):',
      '    a += i + j + k',
      'with open(c) as fh, lock as (p, q):',
      '    data = fh.read()',
      'try:',
      '    pass',
      'except ValueError as err:',
      '    print(err, p, q, d, b)',
      'scale = 2',
      'mul = lambda v, factor=scale: v * factor',
    ])).toEqual([
      'rest 2:9 -> a.py 1:8',
      'rest 3:27 -> a.py 1:8',
      'a 4:4 -> a.py 1:0',
      'i 4:9 -> a.py 3:4',
      'j 4:13 -> a.py 3:8',
      'k 4:17 -> a.py 3:11',
      'c 5:10 -> a.py 2:1',
      'fh 6:11 -> a.py 5:16',
      'err 10:10 -> a.py 9:21',
      'p 10:15 -> a.py 5:29',
      'q 10:18 -> a.py 5:32',
      'd 10:21 -> a.py 2:4',
      'b 10:24 -> a.py 1:4',
      'scale 12:23 -> a.py 11:0',
      'v 12:30 -> a.py 12:13',
      'factor 12:34 -> a.py 12:16',
    ]);
  });

  it('binds every kind of parameter; decorators and annotations are read outside; walrus in a comprehension binds outside it', () => {
    expect(edges('a.py', [
      'def deco(fn): return fn',
      'class T: pass',
      '@deco',
      'def f(a, /, b: T = None, *args: T, c, d=1, **kw) -> T:',
      '    ys = [last := v for v in args]',
      '    return a, b, args, c, d, kw, last, ys',
    ])).toEqual([
      'fn 1:21 -> a.py 1:9',
      'deco 3:1 -> a.py 1:4',
      'T 4:15 -> a.py 2:6',
      'T 4:32 -> a.py 2:6',
      'T 4:52 -> a.py 2:6',
      'v 5:18 -> a.py 5:24',
      'args 5:29 -> a.py 4:26',
      'a 6:11 -> a.py 4:6',
      'b 6:14 -> a.py 4:12',
      'args 6:17 -> a.py 4:26',
      'c 6:23 -> a.py 4:35',
      'd 6:26 -> a.py 4:38',
      'kw 6:29 -> a.py 4:45',
      'last 6:33 -> a.py 5:10', // `:=` bound the name in f, not in the comprehension
      'ys 6:39 -> a.py 5:4',
    ]);
  });

  it('binds match captures (not `_`, not a value pattern or a class pattern\'s class)', () => {
    expect(edges('a.py', [
      'def handle(cmd):',
      '    match cmd:',
      '        case [x, *rest] | (x, rest):',
      '            return x, rest',
      '        case Point(x=0, y=yy) as p:',
      '            return yy, p',
      '        case {"k": v, **others}:',
      '            return v, others',
      '        case Color.RED:',
      '            return _',
      '        case w if w > 0:',
      '            return w',
      'class Point: pass',
      'Color = 1',
    ])).toEqual([
      'cmd 2:10 -> a.py 1:11',
      'x 3:27 -> a.py 3:14', // the second alternative binds the same names
      'rest 3:30 -> a.py 3:18',
      'x 4:19 -> a.py 3:14',
      'rest 4:22 -> a.py 3:18',
      'Point 5:13 -> a.py 13:6',
      'yy 6:19 -> a.py 5:26',
      'p 6:23 -> a.py 5:33',
      'v 8:19 -> a.py 7:19',
      'others 8:22 -> a.py 7:24',
      'Color 9:13 -> a.py 14:0',
      'w 11:18 -> a.py 11:13',
      'w 12:19 -> a.py 11:13',
    ]);
  });

  it('resolves imports to attached documents by module path: relative, absolute, aliased, a module\'s members', () => {
    const docs = [
      { file: 'pkg/csv.py', text: "def parse(s):\n    return s.split(',')\nclass Table:\n    def __init__(self, rows):\n        self.rows = rows\n    def render(self):\n        return self.rows\n" },
      { file: 'pkg/util/text.py', text: 'def strip_all(xs):\n    return xs\n' },
      { file: 'pkg/csv.ts', text: 'export function parse(s: string) { return s; }' },
    ];
    expect(edges('pkg/main.py', [
      'from .csv import parse as p, Table',
      'from csv import parse',
      'import csv',
      'import util.text as text',
      "rows = p('a,b')",
      't = Table(rows)',
      't.render()',
      "csv.parse('')",
      'text.strip_all(rows)',
    ], docs)).toEqual([
      'parse 1:17 -> pkg/csv.py 1:4',
      'Table 1:29 -> pkg/csv.py 3:6',
      'parse 2:16 -> pkg/csv.py 1:4',
      'p 5:7 -> pkg/csv.py 1:4',
      'Table 6:4 -> pkg/csv.py 3:6',
      'rows 6:10 -> pkg/main.py 5:0',
      't 7:0 -> pkg/main.py 6:0',
      'render 7:2 -> pkg/csv.py 6:8',
      'csv 8:0 -> pkg/main.py 3:7',
      'parse 8:4 -> pkg/csv.py 1:4',
      'text 9:0 -> pkg/main.py 4:20',
      'strip_all 9:5 -> pkg/util/text.py 1:4',
      'rows 9:15 -> pkg/main.py 5:0',
      's pkg/csv.py 2:11 -> pkg/csv.py 1:10',
      'self pkg/csv.py 5:8 -> pkg/csv.py 4:17',
      'rows pkg/csv.py 5:20 -> pkg/csv.py 4:23',
      'self pkg/csv.py 7:15 -> pkg/csv.py 6:15',
      'rows pkg/csv.py 7:20 -> pkg/csv.py 5:13',
      'xs pkg/util/text.py 2:11 -> pkg/util/text.py 1:14',
      's pkg/csv.ts 1:42 -> pkg/csv.ts 1:22',
    ]);
  });

  it('reaches a method of a class imported from an attached document through an annotated parameter', () => {
    expect(edges('pkg/view.py', ['from .csv import Table', 'def show(t: Table):', '    return t.render()'], [
      { file: 'pkg/csv.py', text: 'class Table:\n    def render(self):\n        return 1\n' },
    ])).toEqual([
      'Table 1:17 -> pkg/csv.py 1:6',
      'Table 2:12 -> pkg/csv.py 1:6',
      't 3:11 -> pkg/view.py 2:9',
      'render 3:13 -> pkg/csv.py 2:8',
    ]);
  });

  it('reaches a package\'s __init__.py, and a TypeScript import never reaches a Python file', () => {
    expect(edges('app/main.py', ['from .models import User', 'from . import helpers', 'User(helpers)'], [
      { file: 'app/models/__init__.py', text: 'class User: pass\n' },
      { file: 'app/__init__.py', text: 'helpers = 1\n' },
    ])).toEqual([
      'User 1:20 -> app/models/__init__.py 1:6',
      'helpers 2:14 -> app/__init__.py 1:0',
      'User 3:0 -> app/models/__init__.py 1:6',
      'helpers 3:5 -> app/__init__.py 1:0',
    ]);
    expect(edges('src/main.ts', ["import { parse } from './csv';", 'parse;'], [{ file: 'src/csv.py', text: 'def parse(s): pass\n' }]))
      .toEqual(['parse 2:0 -> src/main.ts 1:9']);
  });

  it('gives the same edges after edits (incremental reparse) as a fresh analysis', () => {
    let code = 'class A:\n    def __init__(self):\n        self.v = 1\n    def get(self):\n        return self.v\na = A()\ndef f(x):\n    return x + a.get()\n';
    const edits = ['b = f(2)\n', '# note\n', 'y = [b for _ in range(2)]\n'];
    for (const [i, insert] of edits.entries()) {
      const at = i === 1 ? 0 : code.length; // one edit at the start shifts every later node
      code = code.slice(0, at) + insert + code.slice(at);
      const incremental = edges('inc.py', [code]);
      expect(incremental).toEqual(edges(`fresh${i}.py`, [code]).map((e) => e.replace(`fresh${i}.py`, 'inc.py')));
      expect(incremental.length).toBeGreaterThan(6);
    }
  });

  it('gives no edges from a broken region, and never an error', () => {
    expect(edges('a.py', ['def f(:', '  ))) (((', '] = lambda'])).toEqual([]);
    const broken = edges('a.py', ['y = 1', 'def f(a):', '    return a +', 'x = y', 'print(x)']);
    expect(broken).toEqual(['y 4:4 -> a.py 1:0', 'x 5:6 -> a.py 4:0']);
  });
});

describe('steerway usedef on Python', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'steerway-usedef-py-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('prints the edges of a .py file with an attached .py document as JSON', async () => {
    mkdirSync(path.join(work, 'src'), { recursive: true });
    writeFileSync(path.join(work, 'src/main.py'), 'from .csv import parse\nrows = parse("a,b")\nprint(rows)\n');
    writeFileSync(path.join(work, 'src/csv.py'), 'def parse(text):\n    return text.split(",")\n');
    const file = path.join(work, 'src/main.py');
    const doc = path.join(work, 'src/csv.py');
    const out: string[] = [];
    const err: string[] = [];
    expect(await runUsedef([file, '--doc', doc, '--json'], { stdout: (t) => out.push(t), stderr: (l) => err.push(l) })).toBe(0);
    expect(err).toEqual([]);
    expect(JSON.parse(out.join(''))).toEqual([
      { name: 'parse', use: { line: 1, column: 17 }, def: { file: doc, line: 1, column: 4 } },
      { name: 'parse', use: { line: 2, column: 7 }, def: { file: doc, line: 1, column: 4 } },
      { name: 'rows', use: { line: 3, column: 6 }, def: { file, line: 2, column: 0 } },
    ]);
  });
});
