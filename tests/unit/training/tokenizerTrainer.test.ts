// The BPE trainer: known merges on tiny corpora, the incremental bookkeeping against a from-scratch recount,
// deterministic ties and results, the vocabulary layout.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../tools/gguf-fixtures/random';
import { bytesToToken } from '../../../training/tokenizer/byteLevel';
import { CONTROL_TOKENS, TOKEN_TYPE, Tokenizer } from '../../../training/tokenizer/tokenizer';
import { ChunkCounter, TrainerOptionsError, trainBpe } from '../../../training/tokenizer/trainer';

const N_CONTROL = Object.keys(CONTROL_TOKENS).length;
const words = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries));
const vocab = (merges: number): number => 256 + merges + N_CONTROL;

/** The textbook algorithm: recount every pair after every merge (slow, obviously right). */
function referenceMerges(counts: Map<string, number>, maxNew: number, minFrequency: number): string[] {
  const enc = new TextEncoder();
  const list = [...counts].map(([w, f]) => ({ s: Array.from(enc.encode(w)), f }));
  const bytes: number[][] = Array.from({ length: 256 }, (_, b) => [b]);
  const ids = new Map(bytes.map((b, i) => [b.join(','), i]));
  const merges: string[] = [];
  const done = new Set<string>();
  let added = 0;
  while (added < maxNew) {
    const pairs = new Map<string, number>();
    for (const { s, f } of list) for (let i = 0; i + 1 < s.length; i++) pairs.set(`${s[i]},${s[i + 1]}`, (pairs.get(`${s[i]},${s[i + 1]}`) ?? 0) + f);
    let best: [number, number] | null = null;
    let bestCount = 0;
    for (const [key, n] of pairs) {
      const [a, b] = key.split(',').map(Number) as [number, number];
      if (n > bestCount || (n === bestCount && best && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bestCount = n;
      }
    }
    if (!best || bestCount < minFrequency) break;
    const [a, b] = best;
    const joined = [...bytes[a]!, ...bytes[b]!];
    let c = ids.get(joined.join(','));
    if (c === undefined) {
      c = bytes.length;
      bytes.push(joined);
      ids.set(joined.join(','), c);
      added++;
    }
    if (!done.has(`${a},${b}`)) merges.push(`${bytesToToken(bytes[a]!)} ${bytesToToken(bytes[b]!)}`);
    done.add(`${a},${b}`);
    for (const w of list) {
      const out: number[] = [];
      for (let i = 0; i < w.s.length; i++) {
        if (i + 1 < w.s.length && w.s[i] === a && w.s[i + 1] === b) {
          out.push(c);
          i++;
        } else out.push(w.s[i]!);
      }
      w.s = out;
    }
  }
  return merges;
}

describe('trainBpe', () => {
  it('learns the most frequent pair first and builds on it', () => {
    const { json } = trainBpe(words({ ab: 5, abc: 3, bc: 1 }), { vocabSize: vocab(3), minFrequency: 1 });
    expect(json.merges).toEqual(['a b', 'ab c', 'b c']);
    expect(json.tokens.slice(256, 259)).toEqual(['ab', 'abc', 'bc']);
  });

  it('merges overlapping runs left to right', () => {
    expect(trainBpe(words({ aaaa: 1 }), { vocabSize: vocab(2), minFrequency: 1 }).json.merges).toEqual(['a a', 'aa aa']);
    expect(trainBpe(words({ aaa: 2 }), { vocabSize: vocab(2), minFrequency: 1 }).json.merges).toEqual(['a a', 'aa a']);
  });

  it('breaks ties by the smaller ids, whatever the order of the words', () => {
    expect(trainBpe(words({ cd: 1, ab: 1 }), { vocabSize: vocab(2), minFrequency: 1 }).json.merges).toEqual(['a b', 'c d']);
    expect(trainBpe(words({ ab: 1, cd: 1 }), { vocabSize: vocab(2), minFrequency: 1 }).json.merges).toEqual(['a b', 'c d']);
  });

  it('writes bytes as GPT-2 characters (space Ġ, newline Ċ)', () => {
    const { json } = trainBpe(words({ ' x': 3, '\n\n': 2 }), { vocabSize: vocab(2), minFrequency: 1 });
    expect(json.merges).toEqual(['Ġ x', 'Ċ Ċ']);
    expect(json.tokens[32]).toBe('Ġ');
    expect(json.tokens[10]).toBe('Ċ');
  });

  it('stops at the vocabulary size or when no pair is frequent enough', () => {
    expect(trainBpe(words({ abcdef: 9 }), { vocabSize: vocab(2) }).json.merges).toHaveLength(2);
    const { json, stats } = trainBpe(words({ abcdef: 9, xy: 1 }), { vocabSize: vocab(100) });
    expect(stats.merges).toBe(json.merges.length);
    expect(json.merges.every((m) => !m.includes('x'))).toBe(true);
    expect(json.tokens.length).toBeLessThan(vocab(100));
    expect(() => trainBpe(words({ ab: 1 }), { vocabSize: 100 })).toThrow(TrainerOptionsError);
    expect(() => trainBpe(words({ ab: 1 }), { vocabSize: 70_000 })).toThrow(TrainerOptionsError);
  });

  it('puts the control tokens after the BPE tokens, typed control', () => {
    const { json } = trainBpe(words({ ab: 5 }), { vocabSize: vocab(1) });
    const names = Object.keys(CONTROL_TOKENS) as (keyof typeof CONTROL_TOKENS)[];
    expect(json.tokens.slice(257)).toEqual(names.map((n) => CONTROL_TOKENS[n]));
    expect(names.map((n) => json.special[n])).toEqual(names.map((_, i) => 257 + i));
    expect(json.types.slice(0, 257).every((t) => t === TOKEN_TYPE.normal)).toBe(true);
    expect(json.types.slice(257).every((t) => t === TOKEN_TYPE.control)).toBe(true);
    expect(() => new Tokenizer(json)).not.toThrow();
  });

  it('matches the from-scratch recount on random corpora (the incremental counts are right)', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const rng = new Rng(seed);
      const alphabet = 'abcab c\u00e9';
      const counts = new Map<string, number>();
      for (let i = 0; i < 300; i++) {
        let w = '';
        const len = 1 + (rng.next() % 12);
        for (let k = 0; k < len; k++) w += alphabet[rng.next() % alphabet.length];
        counts.set(w, (counts.get(w) ?? 0) + 1 + (rng.next() % 5));
      }
      const minFrequency = 1 + (seed % 3);
      expect(trainBpe(counts, { vocabSize: vocab(120), minFrequency }).json.merges, `seed ${seed}`).toEqual(referenceMerges(counts, 120, minFrequency));
    }
  });

  it('gives the same tokenizer for the same text, however the counts were gathered', () => {
    const texts = ['function add(a, b) {\n  return a + b;\n}\n', "const s = 'it\\'s';\n", 'for (let i = 0; i < 10; i++) {}\n'];
    const one = new ChunkCounter();
    for (const t of texts) one.add(t);
    const other = new ChunkCounter();
    for (const t of [...texts].reverse()) other.add(t);
    expect([...one.counts.keys()]).not.toEqual([...other.counts.keys()]);
    const a = trainBpe(one.counts, { vocabSize: vocab(40), minFrequency: 1 }).json;
    const b = trainBpe(other.counts, { vocabSize: vocab(40), minFrequency: 1 }).json;
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(one.chunks).toBe(other.chunks);
  });
});
