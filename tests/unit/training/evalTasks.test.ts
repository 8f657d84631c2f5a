import { describe, expect, it } from 'vitest';
import { Rng } from '../../../tools/gguf-fixtures/random';
import { comparable, editDistance, editSimilarity, scoreInfill } from '../../../training/eval/metrics';
import { fitText } from '../../../training/eval/evaluate';
import { cutTask, cutTasks, relatedFiles, type SourceFile } from '../../../training/eval/tasks';

const FILE: SourceFile = {
  package: 'pkg',
  path: 'src/sum.ts',
  text: ['// sums', 'export function sum(xs: number[]): number {', '  let total = 0;', '  for (const x of xs) total += x;', '  return total;', '}', '', 'export const one = sum([1]);', ''].join('\n'),
};

describe('infill metrics', () => {
  it('edit distance and similarity', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editSimilarity('abc', 'abc')).toBe(1);
    expect(editSimilarity('', '')).toBe(1);
    expect(editSimilarity('abcd', 'abxd')).toBe(0.75);
  });

  it('compares as many lines as expected, trailing spaces ignored', () => {
    expect(comparable('a;  \nb;\nc;', 2)).toBe('a;\nb;');
    expect(scoreInfill('return total;\n}\nmore', 'return total;')).toEqual({ exact: true, similarity: 1 });
    expect(scoreInfill('return x;', 'return total;').exact).toBe(false);
  });
});

describe('infill tasks', () => {
  it('cuts a gap after the indentation: prefix + middle + suffix is the file, the gap spans the asked lines', () => {
    for (let seed = 1; seed <= 20; seed++) {
      for (const kind of ['single-line', 'multi-line'] as const) {
        const task = cutTask(FILE, kind, new Rng(seed))!;
        expect(task.prefix + task.middle + task.suffix).toBe(FILE.text);
        expect(task.middle).not.toMatch(/^\s/);
        const lines = task.middle.split('\n').length;
        if (kind === 'single-line') expect(lines).toBe(1);
        else expect(lines).toBeGreaterThanOrEqual(2);
        expect(task.suffix.startsWith('\n')).toBe(true);
      }
    }
  });

  it('never cuts at comments or lone brackets, and bounds prefix and suffix', () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) seen.add(cutTask(FILE, 'single-line', new Rng(seed))!.middle);
    expect([...seen].some((m) => m.startsWith('//') || m === '}')).toBe(false);
    const task = cutTask(FILE, 'single-line', new Rng(3), { prefixChars: 10, suffixChars: 5, maxLines: 4 })!;
    expect(task.prefix.length).toBeLessThanOrEqual(10);
    expect(task.suffix.length).toBeLessThanOrEqual(5);
  });

  it('same seed, same tasks; each kind up to the count', () => {
    const files = Array.from({ length: 6 }, (_, i) => ({ ...FILE, path: `src/f${i}.ts` }));
    const a = cutTasks(files, 4, 9);
    expect(a).toEqual(cutTasks(files, 4, 9));
    expect(a.filter((t) => t.kind === 'single-line')).toHaveLength(4);
    expect(a.filter((t) => t.kind === 'multi-line')).toHaveLength(4);
    expect(cutTasks(files, 4, 10)).not.toEqual(a);
  });

  it('related files: same package, same folder first, never the task file, cut to the size', () => {
    const files: SourceFile[] = [
      FILE,
      { package: 'pkg', path: 'lib/a.ts', text: 'a'.repeat(50) },
      { package: 'pkg', path: 'src/b.ts', text: 'b' },
      { package: 'other', path: 'src/c.ts', text: 'c' },
    ];
    const task = cutTask(FILE, 'single-line', new Rng(1))!;
    expect(relatedFiles(task, files, 5, 10)).toEqual([{ name: 'src/b.ts', text: 'b' }, { name: 'lib/a.ts', text: 'a'.repeat(10) }]);
    expect(relatedFiles(task, files, 1, 10)).toEqual([{ name: 'src/b.ts', text: 'b' }]);
  });
});

describe('fitting a prefix or suffix to a token budget', () => {
  const count = (text: string) => text.length; // one token per character is enough to test the cutting
  const text = Array.from({ length: 20 }, (_, i) => `line ${i};`).join('\n');

  it('keeps the end of a prefix and the start of a suffix, cut at line boundaries, within the budget', () => {
    const end = fitText(count, text, 40, 'end');
    const start = fitText(count, text, 40, 'start');
    expect(end.length).toBeLessThanOrEqual(40);
    expect(text.endsWith(end) && end.startsWith('line')).toBe(true);
    expect(start.length).toBeLessThanOrEqual(40);
    expect(text.startsWith(start) && start.endsWith(';')).toBe(true);
    expect(fitText(count, text, 1000, 'end')).toBe(text);
  });

  it('cuts inside a line that alone is over the budget', () => {
    expect(fitText(count, 'x'.repeat(100), 10, 'end').length).toBeLessThanOrEqual(10);
    expect(fitText(count, 'x'.repeat(100), 10, 'start').length).toBeLessThanOrEqual(10);
  });
});
