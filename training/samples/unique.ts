// How much of a token stream is not repeated text (issue 12: "measure the samples' unique-token count"). Rows repeat
// text by design (a file is a document in several rows) and a corpus can hold near copies (one module built as ESM
// and as CommonJS), so the count is of distinct n-grams: a token starts a new n-gram when the n tokens from it were
// not seen anywhere before. `uniqueTokens` = tokens x distinct / all n-grams. The n-grams are counted in a fixed
// 1/`sampleRate` share of the hash space (each n-gram is in or out by its hash, so repeats are judged exactly within
// the share), which keeps the table small for hundreds of millions of tokens.

import type { Split } from '../corpus/corpus';
import { readCorpus } from '../corpus/read';
import type { Tokenizer } from '../tokenizer/tokenizer';

/**
 * n-gram length and hash-space sampling used for the corpus and the samples. 50 tokens (a few lines of code) is the
 * span that "Deduplicating Training Data Makes Language Models Better" (Lee et al., 2022) counts as a repeat; shorter
 * n-grams also count the idioms every program shares (16 tokens: half of a corpus's text repeats).
 */
export const UNIQUE_NGRAM = { n: 50, sampleRate: 16 } as const;

export interface UniqueCount {
  /** Tokens pushed. */
  tokens: number;
  /** n-gram length. */
  n: number;
  /** One n-gram in this many (by hash) is counted. */
  sampleRate: number;
  /** Counted n-grams, repeats included. */
  ngrams: number;
  /** Counted n-grams seen for the first time. */
  distinct: number;
  /** tokens x distinct / ngrams: the tokens of text that is not a repeat (0 when nothing was counted). */
  uniqueTokens: number;
}

export class UniqueCountError extends Error {
  override readonly name = 'UniqueCountError';
}

const B1 = 0x01000193;
const B2 = 0x5bd1e995;

/** Counts distinct n-grams over sequences of token ids; n-grams never span two sequences. */
export class NgramCounter {
  private tokens = 0;
  private ngrams = 0;
  private distinct = 0;
  // Open addressing on 64-bit keys held as two uint32 halves; 0/0 marks an empty slot (a real 0/0 key is remapped).
  private lo = new Uint32Array(1 << 16);
  private hi = new Uint32Array(1 << 16);
  private readonly pow1: number;
  private readonly pow2: number;

  constructor(readonly n: number = UNIQUE_NGRAM.n, readonly sampleRate: number = UNIQUE_NGRAM.sampleRate) {
    if (!(Number.isInteger(n) && n >= 1)) throw new UniqueCountError(`n must be a positive integer, got ${n}`);
    if (!(Number.isInteger(sampleRate) && sampleRate >= 1)) throw new UniqueCountError(`sampleRate must be a positive integer, got ${sampleRate}`);
    let p1 = 1;
    let p2 = 1;
    for (let i = 0; i < n; i++) {
      p1 = Math.imul(p1, B1);
      p2 = Math.imul(p2, B2);
    }
    this.pow1 = p1;
    this.pow2 = p2;
  }

  /** Adds one sequence (a row's segment, a file's tokens). */
  push(ids: ArrayLike<number>): void {
    this.tokens += ids.length;
    let h1 = 0;
    let h2 = 0;
    for (let i = 0; i < ids.length; i++) {
      // Two polynomial rolling hashes mod 2^32 (the +1 keeps token 0 from vanishing).
      const t = ids[i]! + 1;
      h1 = (Math.imul(h1, B1) + t) | 0;
      h2 = (Math.imul(h2, B2) + Math.imul(t, 0x9e3779b1)) | 0;
      if (i >= this.n) {
        const out = ids[i - this.n]! + 1;
        h1 = (h1 - Math.imul(out, this.pow1)) | 0;
        h2 = (h2 - Math.imul(Math.imul(out, 0x9e3779b1), this.pow2)) | 0;
      }
      if (i + 1 < this.n) continue;
      const a = mix(h1 ^ Math.imul(h2, 0x85ebca6b)) >>> 0;
      if (a % this.sampleRate !== 0) continue;
      this.ngrams++;
      if (this.insert(a, mix(h2 + 0x632be5ab) >>> 0)) this.distinct++;
    }
  }

  result(): UniqueCount {
    const uniqueTokens = this.ngrams ? Math.round((this.tokens * this.distinct) / this.ngrams) : 0;
    return { tokens: this.tokens, n: this.n, sampleRate: this.sampleRate, ngrams: this.ngrams, distinct: this.distinct, uniqueTokens };
  }

  /** True when the key was not in the table. */
  private insert(lo: number, hi: number): boolean {
    if (lo === 0 && hi === 0) hi = 1;
    if (this.distinct * 2 >= this.lo.length) this.grow();
    const mask = this.lo.length - 1;
    for (let s = (lo ^ Math.imul(hi, 0x27d4eb2d)) & mask; ; s = (s + 1) & mask) {
      if (this.lo[s] === 0 && this.hi[s] === 0) {
        this.lo[s] = lo;
        this.hi[s] = hi;
        return true;
      }
      if (this.lo[s] === lo && this.hi[s] === hi) return false;
    }
  }

  private grow(): void {
    const [oldLo, oldHi] = [this.lo, this.hi];
    this.lo = new Uint32Array(oldLo.length * 2);
    this.hi = new Uint32Array(oldLo.length * 2);
    const mask = this.lo.length - 1;
    for (let k = 0; k < oldLo.length; k++) {
      const lo = oldLo[k]!;
      const hi = oldHi[k]!;
      if (lo === 0 && hi === 0) continue;
      let s = (lo ^ Math.imul(hi, 0x27d4eb2d)) & mask;
      while (this.lo[s] !== 0 || this.hi[s] !== 0) s = (s + 1) & mask;
      this.lo[s] = lo;
      this.hi[s] = hi;
    }
  }
}

/** murmur3's 32-bit finaliser: spreads the rolling hash's low bits, which the sampling and the table use. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export interface CorpusUnique {
  files: number;
  bytes: number;
  unique: UniqueCount;
}

/** Per split: files, UTF-8 bytes, and the token and unique-token counts with `tok`. */
export function countCorpus(corpusFile: string, tok: Tokenizer): Record<Split, CorpusUnique> {
  const counters = { train: new NgramCounter(), eval: new NgramCounter() };
  const sizes = { train: { files: 0, bytes: 0 }, eval: { files: 0, bytes: 0 } };
  for (const r of readCorpus(corpusFile)) {
    sizes[r.split].files++;
    sizes[r.split].bytes += Buffer.byteLength(r.text);
    counters[r.split].push(tok.encode(r.text));
  }
  return {
    train: { ...sizes.train, unique: counters.train.result() },
    eval: { ...sizes.eval, unique: counters.eval.result() },
  };
}
