// Distinct n-gram counting (training/samples/unique.ts): repeats counted once, sequences kept apart, and the
// hash-space sampling close to the exact count.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../tools/gguf-fixtures/random';
import { NgramCounter, UniqueCountError } from '../../../training/samples/unique';

function randomIds(rng: Rng, length: number): number[] {
  return Array.from({ length }, () => rng.next() % 16384);
}

describe('distinct n-grams', () => {
  it('counts a sequence seen twice once, so its repeat adds no unique tokens', () => {
    const ids = randomIds(new Rng(1), 500);
    const c = new NgramCounter(8, 1);
    c.push(ids);
    expect(c.result()).toEqual({ tokens: 500, n: 8, sampleRate: 1, ngrams: 493, distinct: 493, uniqueTokens: 500 });
    c.push(ids);
    expect(c.result()).toMatchObject({ tokens: 1000, ngrams: 986, distinct: 493, uniqueTokens: 500 });
  });

  it('finds text repeated inside other text (a file as a document in another row)', () => {
    const rng = new Rng(2);
    const file = randomIds(rng, 300);
    const c = new NgramCounter(8, 1);
    c.push(file);
    c.push([...randomIds(rng, 100), ...file.slice(50, 250), ...randomIds(rng, 100)]);
    // The second sequence's 200 copied tokens hold 193 repeated 8-grams; its own 200 tokens are new.
    const r = c.result();
    expect(r.ngrams).toBe(293 + 393);
    expect(r.distinct).toBe(293 + 393 - 193);
  });

  it('never counts an n-gram across two sequences, nor in one shorter than n', () => {
    const c = new NgramCounter(4, 1);
    c.push([1, 2]);
    c.push([3, 4]);
    c.push([1, 2, 3]);
    expect(c.result()).toMatchObject({ tokens: 7, ngrams: 0, distinct: 0, uniqueTokens: 0 });
    c.push([1, 2, 3, 4]);
    expect(c.result()).toMatchObject({ ngrams: 1, distinct: 1 });
  });

  it('tells n-grams apart by their order and their token ids, 0 included', () => {
    const c = new NgramCounter(3, 1);
    c.push([0, 0, 0]);
    c.push([0, 0, 1]);
    c.push([1, 0, 0]);
    c.push([0, 1, 0]);
    c.push([0, 0, 0]);
    expect(c.result()).toMatchObject({ ngrams: 5, distinct: 4 });
  });

  it('estimates the unique share from a sample of the hash space within a few percent', () => {
    const rng = new Rng(3);
    const exact = new NgramCounter(16, 1);
    const sampled = new NgramCounter(16, 16);
    // 60% of the text is new, 40% repeats earlier pieces.
    const seen: number[][] = [];
    for (let i = 0; i < 400; i++) {
      const piece = seen.length > 0 && rng.next() % 10 < 4 ? seen[rng.next() % seen.length]! : randomIds(rng, 200);
      seen.push(piece);
      exact.push(piece);
      sampled.push(piece);
    }
    const e = exact.result();
    const s = sampled.result();
    expect(s.ngrams).toBeGreaterThan(e.ngrams / 16 * 0.9);
    expect(s.ngrams).toBeLessThan(e.ngrams / 16 * 1.1);
    expect(Math.abs(s.uniqueTokens - e.uniqueTokens) / e.uniqueTokens).toBeLessThan(0.05);
    expect(e.uniqueTokens / e.tokens).toBeGreaterThan(0.5);
    expect(e.uniqueTokens / e.tokens).toBeLessThan(0.7);
  });

  it('refuses a bad n or sampling rate', () => {
    expect(() => new NgramCounter(0, 1)).toThrow(UniqueCountError);
    expect(() => new NgramCounter(8, 0.5)).toThrow(/sampleRate/);
  });
});
