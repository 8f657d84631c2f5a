// Byte-level BPE training. The corpus is reduced to its distinct pre-tokens with counts; merges are then learned
// incrementally: pair counts in a hash table, for each pair the list of words that contain it, and a lazy
// max-heap of pairs by count. A merge only touches the words on its pair's list and only the pairs next to the
// merged positions, so a merge costs what it changes, not the corpus size.
import { bytesToToken } from './byteLevel';
import { forEachPreToken, wellFormed } from './pretokenize';
import { CONTROL_TOKENS, TOKEN_TYPE, type ControlName, type TokenizerJson } from './tokenizer';

export class TrainerOptionsError extends Error {
  override readonly name = 'TrainerOptionsError';
}

/** Distinct pre-tokens and how often each occurs. */
export class ChunkCounter {
  readonly counts = new Map<string, number>();
  chunks = 0;
  bytes = 0;

  add(text: string): void {
    const t = wellFormed(text);
    this.bytes += Buffer.byteLength(t);
    forEachPreToken(t, (a, b) => {
      const chunk = t.slice(a, b);
      this.counts.set(chunk, (this.counts.get(chunk) ?? 0) + 1);
      this.chunks++;
    });
  }
}

export interface TrainOptions {
  /** Total tokens: 256 bytes + merges + the control tokens. */
  vocabSize: number;
  /** Pairs seen fewer times are never merged (default 2). */
  minFrequency?: number;
  /** Called every `progressEvery` merges. */
  onProgress?: (merges: number, total: number) => void;
  progressEvery?: number;
}

export interface TrainStats {
  words: number;
  merges: number;
  /** Count of the last merged pair (how frequent the rarest learned token is). */
  lastCount: number;
}

const CONTROL_NAMES = Object.keys(CONTROL_TOKENS) as ControlName[];

/** Growable Int32Array/Float64Array. */
function grow<T extends Int32Array | Float64Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let size = a.length * 2;
  while (size < need) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

export function trainBpe(counts: ReadonlyMap<string, number>, options: TrainOptions): { json: TokenizerJson; stats: TrainStats } {
  const { vocabSize } = options;
  const minFrequency = options.minFrequency ?? 2;
  const maxNew = vocabSize - 256 - CONTROL_NAMES.length;
  if (!Number.isInteger(vocabSize) || maxNew < 0 || vocabSize > 65536) {
    throw new TrainerOptionsError(`vocabSize must be an integer from ${256 + CONTROL_NAMES.length} to 65536, got ${vocabSize}`);
  }

  // Words as byte ids, one after another in `syms`; merging shrinks a word in place.
  const encoder = new TextEncoder();
  const nWords = counts.size;
  const wStart = new Int32Array(nWords);
  const wLen = new Int32Array(nWords);
  const wFreq = new Float64Array(nWords);
  let total = 0;
  for (const chunk of counts.keys()) total += Buffer.byteLength(chunk);
  const syms = new Int32Array(total);
  {
    let w = 0;
    let at = 0;
    for (const [chunk, freq] of counts) {
      const bytes = encoder.encode(chunk);
      syms.set(bytes, at);
      wStart[w] = at;
      wLen[w] = bytes.length;
      wFreq[w] = freq;
      at += bytes.length;
      w++;
    }
  }

  // Token byte strings (for the vocabulary and to find a merge result that already exists).
  const tokenBytes: Uint8Array[] = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
  const tokenIds = new Map<string, number>(tokenBytes.map((bytes, id) => [String.fromCharCode(...bytes), id]));

  // Pairs: dense records (a, b, count, head of word list) found through an open-addressing table.
  let pairA = new Int32Array(1 << 16);
  let pairB = new Int32Array(1 << 16);
  let pairCount = new Float64Array(1 << 16);
  let pairHead = new Int32Array(1 << 16);
  let pairMark = new Int32Array(1 << 16);
  let nPairs = 0;
  let table = new Int32Array(1 << 17).fill(-1);
  const hash = (a: number, b: number): number => (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
  const find = (a: number, b: number): number => {
    const mask = table.length - 1;
    for (let s = hash(a, b) & mask; ; s = (s + 1) & mask) {
      const p = table[s]!;
      if (p < 0 || (pairA[p] === a && pairB[p] === b)) return p;
    }
  };
  const rehash = (): void => {
    table = new Int32Array(table.length * 2).fill(-1);
    const mask = table.length - 1;
    for (let p = 0; p < nPairs; p++) {
      let s = hash(pairA[p]!, pairB[p]!) & mask;
      while (table[s]! >= 0) s = (s + 1) & mask;
      table[s] = p;
    }
  };
  const intern = (a: number, b: number): number => {
    const mask = table.length - 1;
    let s = hash(a, b) & mask;
    for (; ; s = (s + 1) & mask) {
      const p = table[s]!;
      if (p < 0) break;
      if (pairA[p] === a && pairB[p] === b) return p;
    }
    const p = nPairs++;
    pairA = grow(pairA, nPairs);
    pairB = grow(pairB, nPairs);
    pairCount = grow(pairCount, nPairs);
    pairHead = grow(pairHead, nPairs);
    pairMark = grow(pairMark, nPairs);
    pairA[p] = a;
    pairB[p] = b;
    pairCount[p] = 0;
    pairHead[p] = -1;
    pairMark[p] = -1;
    table[s] = p;
    if (nPairs * 2 > table.length) rehash();
    return p;
  };

  // Word lists: singly linked nodes in a pool. Entries may go stale (the word lost the pair) or repeat; a
  // merge skips words it has already seen and words that no longer hold the pair.
  let nodeWord = new Int32Array(1 << 20);
  let nodeNext = new Int32Array(1 << 20);
  let nNodes = 0;
  const listAdd = (p: number, w: number): void => {
    if (nNodes === nodeWord.length) {
      nodeWord = grow(nodeWord, nNodes + 1);
      nodeNext = grow(nodeNext, nNodes + 1);
    }
    nodeWord[nNodes] = w;
    nodeNext[nNodes] = pairHead[p]!;
    pairHead[p] = nNodes++;
  };

  // Lazy max-heap of (count, pair): highest count first, then the smaller (a, b) ids, so ties are deterministic.
  let heapCount = new Float64Array(1 << 16);
  let heapPair = new Int32Array(1 << 16);
  let heapSize = 0;
  const above = (i: number, j: number): boolean => {
    const ci = heapCount[i]!;
    const cj = heapCount[j]!;
    if (ci !== cj) return ci > cj;
    const pi = heapPair[i]!;
    const pj = heapPair[j]!;
    return pairA[pi]! < pairA[pj]! || (pairA[pi] === pairA[pj] && pairB[pi]! < pairB[pj]!);
  };
  const swap = (i: number, j: number): void => {
    const c = heapCount[i]!;
    heapCount[i] = heapCount[j]!;
    heapCount[j] = c;
    const p = heapPair[i]!;
    heapPair[i] = heapPair[j]!;
    heapPair[j] = p;
  };
  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heapSize && above(l, m)) m = l;
      if (r < heapSize && above(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  const push = (count: number, p: number): void => {
    heapCount = grow(heapCount, heapSize + 1);
    heapPair = grow(heapPair, heapSize + 1);
    heapCount[heapSize] = count;
    heapPair[heapSize] = p;
    let i = heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!above(i, parent)) break;
      swap(i, parent);
      i = parent;
    }
  };

  for (let w = 0; w < nWords; w++) {
    const s = wStart[w]!;
    for (let i = s; i + 1 < s + wLen[w]!; i++) {
      const p = intern(syms[i]!, syms[i + 1]!);
      pairCount[p] = pairCount[p]! + wFreq[w]!;
      listAdd(p, w);
    }
  }
  heapCount = grow(heapCount, nPairs);
  heapPair = grow(heapPair, nPairs);
  for (let p = 0; p < nPairs; p++) {
    heapCount[p] = pairCount[p]!;
    heapPair[p] = p;
  }
  heapSize = nPairs;
  for (let i = (heapSize >> 1) - 1; i >= 0; i--) siftDown(i);

  const merges: string[] = [];
  const mergedPairs = new Set<number>();
  const wordSeen = new Int32Array(nWords).fill(-1);
  const changed: number[] = [];
  let newTokens = 0;
  let lastCount = 0;
  let step = 0;
  const every = options.progressEvery ?? 1000;

  while (newTokens < maxNew && heapSize > 0) {
    const count = heapCount[0]!;
    const p = heapPair[0]!;
    heapSize--;
    swap(0, heapSize);
    siftDown(0);
    const current = pairCount[p]!;
    if (current !== count) {
      // Counts only grow by a push, so a lower entry for this pair is still in the heap; a higher one is stale.
      if (current < count && current > 0) push(current, p);
      continue;
    }
    if (count < minFrequency) break;

    const a = pairA[p]!;
    const b = pairB[p]!;
    const joined = new Uint8Array(tokenBytes[a]!.length + tokenBytes[b]!.length);
    joined.set(tokenBytes[a]!);
    joined.set(tokenBytes[b]!, tokenBytes[a]!.length);
    const key = String.fromCharCode(...joined);
    // Two merge paths can spell the same bytes ("ab c", "a bc"): they share one token.
    let c = tokenIds.get(key);
    if (c === undefined) {
      c = tokenBytes.length;
      tokenBytes.push(joined);
      tokenIds.set(key, c);
      newTokens++;
    }
    if (!mergedPairs.has(p)) {
      mergedPairs.add(p);
      merges.push(`${bytesToToken(tokenBytes[a]!)} ${bytesToToken(tokenBytes[b]!)}`);
    }
    lastCount = count;

    const inc = (x: number, y: number, freq: number, w: number): void => {
      const q = intern(x, y);
      pairCount[q] = pairCount[q]! + freq;
      listAdd(q, w);
      if (pairMark[q] !== step) {
        pairMark[q] = step;
        changed.push(q);
      }
    };
    const dec = (x: number, y: number, freq: number): void => {
      const q = find(x, y);
      pairCount[q] = pairCount[q]! - freq;
    };

    for (let node = pairHead[p]!; node >= 0; node = nodeNext[node]!) {
      const w = nodeWord[node]!;
      if (wordSeen[w] === step) continue;
      wordSeen[w] = step;
      const s = wStart[w]!;
      const n = wLen[w]!;
      const freq = wFreq[w]!;
      let j = 0;
      let i = 0;
      while (i < n) {
        if (i + 1 < n && syms[s + i] === a && syms[s + i + 1] === b) {
          // The left neighbour is the already rewritten symbol (maybe a `c` from just before).
          if (j > 0) {
            const left = syms[s + j - 1]!;
            dec(left, a, freq);
            inc(left, c, freq, w);
          }
          if (i + 2 < n) {
            const right = syms[s + i + 2]!;
            dec(b, right, freq);
            inc(c, right, freq, w);
          }
          syms[s + j++] = c;
          i += 2;
        } else {
          syms[s + j++] = syms[s + i++]!;
        }
      }
      wLen[w] = j;
    }
    // Every occurrence of (a, b) is merged now (overlapping ones like "aaa" leave none behind).
    pairCount[p] = 0;
    pairHead[p] = -1;
    for (const q of changed) if (pairCount[q]! > 0) push(pairCount[q]!, q);
    changed.length = 0;
    step++;
    if (options.onProgress && step % every === 0) options.onProgress(newTokens, maxNew);
  }

  const tokens = tokenBytes.map((bytes) => bytesToToken(bytes));
  const types: number[] = tokens.map(() => TOKEN_TYPE.normal);
  const special = {} as Record<ControlName, number>;
  for (const name of CONTROL_NAMES) {
    special[name] = tokens.length;
    tokens.push(CONTROL_TOKENS[name]);
    types.push(TOKEN_TYPE.control);
  }
  return { json: { pre: 'qwen2', tokens, types, merges, special }, stats: { words: nWords, merges: merges.length, lastCount } };
}
