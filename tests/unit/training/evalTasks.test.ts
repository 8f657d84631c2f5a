import { describe, expect, it } from 'vitest';
import { Rng } from '../../../tools/gguf-fixtures/random';
import { argmax, logSumExp } from '../../../assistant/engine';
import { scoreRow } from '../../../training/eval/batch';
import { bootstrapCI, comparable, editDistance, editSimilarity, scoreInfill } from '../../../training/eval/metrics';
import { fitText } from '../../../training/eval/evaluate';
import { cutTask, cutTasks, pickEvalFiles, relatedFiles, type SourceFile } from '../../../training/eval/tasks';

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

describe('fast evaluation pieces', () => {
  it('scoreRow gives log-sum-exp minus the target logit and whether it is the argmax, in one pass', () => {
    const row = Float32Array.from([0.5, -2, 3.25, 3.25, 1, -40, 2.9]);
    for (let t = 0; t < row.length; t++) {
      const { nll, top } = scoreRow(row, t);
      expect(nll).toBeCloseTo(logSumExp(row) - row[t]!, 5);
      expect(top).toBe(argmax(row) === t);
    }
    const rising = Float32Array.from({ length: 1000 }, (_, i) => i / 10);
    expect(scoreRow(rising, 999).nll).toBeCloseTo(logSumExp(rising) - rising[999]!, 5);
    expect(scoreRow(rising, 999).top).toBe(true);
  });

  it('bootstrapCI brackets the mean, is reproducible for a seed, and collapses for constant values', () => {
    const values: number[] = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const [lo, hi] = bootstrapCI(values, 7);
    const m = values.reduce((a: number, b) => a + b, 0) / values.length;
    expect(lo).toBeLessThan(m);
    expect(hi).toBeGreaterThan(m);
    expect(hi - lo).toBeGreaterThan(0.15);
    expect(hi - lo).toBeLessThan(0.45);
    expect(bootstrapCI(values, 7)).toEqual([lo, hi]);
    expect(bootstrapCI([0.25, 0.25, 0.25], 1)).toEqual([0.25, 0.25]);
    expect(bootstrapCI([], 1).every(Number.isNaN)).toBe(true);
  });

  it('pickEvalFiles takes up to perPackage files of packages with another file, fixed for a seed', () => {
    const file = (pkg: string, i: number): SourceFile => ({ package: pkg, path: `src/f${i}.ts`, text: 'line\n'.repeat(10) });
    const files = [...Array.from({ length: 6 }, (_, i) => file('a', i)), file('lonely', 0), ...Array.from({ length: 3 }, (_, i) => file('b', i)), { ...file('b', 9), text: 'short\n' }];
    const picked = pickEvalFiles(files, 6, 1, 4);
    expect(picked).toHaveLength(6);
    expect(picked.some((f) => f.package === 'lonely')).toBe(false);
    expect(picked.some((f) => f.text === 'short\n')).toBe(false);
    expect(picked.filter((f) => f.package === 'a').length).toBeLessThanOrEqual(4);
    expect(pickEvalFiles(files, 6, 1, 4)).toEqual(picked);
  });
});
