import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// No import circles in the runtime folders (type-only imports included: a circle of types is still a knot of
// modules that cannot be understood, or moved, one at a time).
const root = new URL('../..', import.meta.url).pathname;
const RUNTIME = ['app', 'base', 'main', 'renderer', 'assistant', 'native'];
const SKIP = new Set(['native/deps', 'native/build', 'node_modules']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return SKIP.has(rel) || entry.name === 'node_modules' ? [] : sourceFiles(rel);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** Each file's relative imports (static, type-only, re-exports, dynamic), resolved to files of the graph. */
function importGraph(files: readonly string[], read: (file: string) => string): Map<string, string[]> {
  const known = new Set(files);
  const resolve = (from: string, specifier: string): string | undefined => {
    const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier)).replace(/\.js$/, '');
    return [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}/index.tsx`].find((c) => known.has(c));
  };
  return new Map(files.map((file) => {
    const imported = ts.preProcessFile(read(file), true, true).importedFiles.map((f) => f.fileName).filter((s) => s.startsWith('.'));
    return [file, imported.map((s) => resolve(file, s)).filter((f): f is string => f !== undefined)];
  }));
}

/** The circles of a graph: its strongly connected components of more than one file (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('import circles', () => {
  it('finds a circle through type-only imports', () => {
    const sources: Record<string, string> = {
      'main/a.ts': "import type { B } from './b';",
      'main/b.ts': "import { C } from '../c/index';",
      'c/index.ts': "export type { A } from '../main/a';",
      'main/d.ts': "import { A } from './a';",
    };
    expect(circles(importGraph(Object.keys(sources), (f) => sources[f]!))).toEqual([['c/index.ts', 'main/a.ts', 'main/b.ts']]);
  });

  it('the runtime folders have none (modelManager, appServices and fileService were one)', () => {
    const files = RUNTIME.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(100);
    expect(circles(importGraph(files, (f) => fs.readFileSync(path.join(root, f), 'utf8')))).toEqual([]);
  });
});
