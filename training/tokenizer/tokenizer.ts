// tokenizer.json (see ../README.md) and the encoder/decoder over it. `encode` gives the ids llama.cpp gives for
// the same vocabulary in a GGUF (`gpt2` model, `qwen2` pre-tokenizer): the same chunks, then byte-level BPE
// merging the lowest-ranked pair first, the leftmost among equals, as llm_tokenizer_bpe_session does.
import fs from 'node:fs';
import { BYTE_TO_CHAR, tokenToBytes } from './byteLevel';
import { forEachPreToken, wellFormed } from './pretokenize';

/** llama_token_type values used here. */
export const TOKEN_TYPE = { normal: 1, control: 3 } as const;

/** Control tokens, with Qwen2.5-Coder's texts (llama.cpp and the engine recognise them by these), in id order. */
export const CONTROL_TOKENS = {
  eot: '<|endoftext|>',
  fimPre: '<|fim_prefix|>',
  fimMid: '<|fim_middle|>',
  fimSuf: '<|fim_suffix|>',
  fimPad: '<|fim_pad|>',
  fimRep: '<|repo_name|>',
  fimSep: '<|file_sep|>',
} as const;

export type ControlName = keyof typeof CONTROL_TOKENS;

export interface TokenizerJson {
  pre: 'qwen2';
  tokens: string[];
  types: number[];
  merges: string[];
  special: Record<ControlName, number>;
}

export class TokenizerFormatError extends Error {
  override readonly name = 'TokenizerFormatError';
}

export interface EncodeOptions {
  /** Turn control-token texts into their ids (default false: they are plain text, as the engine tokenizes file text). */
  parseSpecial?: boolean;
}

// A tiny binary heap of bigrams ordered by (rank, left position), as llama.cpp's llm_bigram_bpe queue.
class BigramQueue {
  rank: number[] = [];
  left: number[] = [];
  right: number[] = [];
  leftLen: number[] = [];
  rightLen: number[] = [];

  get size(): number {
    return this.rank.length;
  }
  private less(i: number, j: number): boolean {
    return this.rank[i]! < this.rank[j]! || (this.rank[i] === this.rank[j] && this.left[i]! < this.left[j]!);
  }
  private swap(i: number, j: number): void {
    for (const a of [this.rank, this.left, this.right, this.leftLen, this.rightLen]) {
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
  }
  push(rank: number, left: number, right: number, leftLen: number, rightLen: number): void {
    this.rank.push(rank);
    this.left.push(left);
    this.right.push(right);
    this.leftLen.push(leftLen);
    this.rightLen.push(rightLen);
    let i = this.rank.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  /** Removes the top into `out` ([left, right, leftLen, rightLen]). */
  pop(out: number[]): void {
    out[0] = this.left[0]!;
    out[1] = this.right[0]!;
    out[2] = this.leftLen[0]!;
    out[3] = this.rightLen[0]!;
    const last = this.rank.length - 1;
    this.swap(0, last);
    for (const a of [this.rank, this.left, this.right, this.leftLen, this.rightLen]) a.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.less(l, m)) m = l;
      if (r < last && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}

const CACHE_LIMIT = 1 << 18;
const utf8 = new TextEncoder();

export class Tokenizer {
  readonly tokens: readonly string[];
  readonly types: readonly number[];
  readonly merges: readonly string[];
  readonly special: Readonly<Record<ControlName, number>>;
  /** (left id, right id) → rank and merged id. */
  private readonly ranks = new Map<number, { rank: number; id: number }>();
  private readonly byteIds: Int32Array;
  private readonly tokenBytesCache: Uint8Array[];
  private readonly controlSplit: RegExp;
  private readonly controlIds = new Map<string, number>();
  private readonly chunkCache = new Map<string, readonly number[]>();

  constructor(json: TokenizerJson) {
    if (json.pre !== 'qwen2') throw new TokenizerFormatError(`pre-tokenizer must be qwen2, got ${String(json.pre)}`);
    if (!Array.isArray(json.tokens) || !Array.isArray(json.types) || json.tokens.length !== json.types.length) {
      throw new TokenizerFormatError('tokens and types must be arrays of the same length');
    }
    if (json.tokens.length > 65536) throw new TokenizerFormatError(`${json.tokens.length} tokens do not fit the uint16 samples`);
    this.tokens = json.tokens;
    this.types = json.types;
    this.merges = json.merges;
    this.special = json.special;
    const ids = new Map<string, number>();
    json.tokens.forEach((t, i) => {
      if (ids.has(t)) throw new TokenizerFormatError(`token "${t}" appears twice (${ids.get(t)} and ${i})`);
      ids.set(t, i);
    });
    this.byteIds = Int32Array.from(BYTE_TO_CHAR, (c) => {
      const id = ids.get(c);
      if (id === undefined) throw new TokenizerFormatError(`the byte token "${c}" is missing`);
      return id;
    });
    json.merges.forEach((m, rank) => {
      const space = m.indexOf(' ', 1);
      const a = ids.get(m.slice(0, space));
      const b = ids.get(m.slice(space + 1));
      const id = ids.get(m.slice(0, space) + m.slice(space + 1));
      if (space < 0 || a === undefined || b === undefined || id === undefined) throw new TokenizerFormatError(`merge ${rank} "${m}" names tokens that are not in the vocabulary`);
      const key = a * 65536 + b;
      // llama.cpp keeps the first rank of a pair listed twice.
      if (!this.ranks.has(key)) this.ranks.set(key, { rank, id });
    });
    for (const name of Object.keys(CONTROL_TOKENS) as ControlName[]) {
      const id = json.special?.[name];
      if (id === undefined || json.tokens[id] !== CONTROL_TOKENS[name] || json.types[id] !== TOKEN_TYPE.control) {
        throw new TokenizerFormatError(`special.${name} must be the id of the control token ${CONTROL_TOKENS[name]}`);
      }
    }
    json.types.forEach((type, id) => {
      if (type === TOKEN_TYPE.control) this.controlIds.set(json.tokens[id]!, id);
    });
    const escaped = [...this.controlIds.keys()].sort((a, b) => b.length - a.length).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.controlSplit = new RegExp(`(${escaped.join('|')})`);
    this.tokenBytesCache = json.tokens.map((t, id) => (json.types[id] === TOKEN_TYPE.control ? utf8.encode(t) : tokenToBytes(t)));
  }

  static fromFile(file: string): Tokenizer {
    let json: TokenizerJson;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8')) as TokenizerJson;
    } catch (err) {
      throw new TokenizerFormatError(`cannot read ${file}: ${(err as Error).message}`);
    }
    return new Tokenizer(json);
  }

  get size(): number {
    return this.tokens.length;
  }

  toJSON(): TokenizerJson {
    return { pre: 'qwen2', tokens: [...this.tokens], types: [...this.types], merges: [...this.merges], special: { ...this.special } };
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    const whole = wellFormed(text);
    if (!options.parseSpecial) {
      this.encodeText(whole, out);
      return out;
    }
    const parts = whole.split(this.controlSplit);
    parts.forEach((part, i) => {
      if (i % 2 === 1) out.push(this.controlIds.get(part)!);
      else if (part) this.encodeText(part, out);
    });
    return out;
  }

  /**
   * Plain-text encoding with where its pre-tokens end: `ends[k]` is the UTF-16 offset where chunk k ends and
   * `counts[k]` the number of tokens up to there (tokens never cross a chunk end, so these are places to cut).
   */
  encodeChunked(text: string): { ids: number[]; ends: number[]; counts: number[] } {
    const ids: number[] = [];
    const ends: number[] = [];
    const counts: number[] = [];
    this.encodeText(wellFormed(text), ids, (end) => {
      ends.push(end);
      counts.push(ids.length);
    });
    return { ids, ends, counts };
  }

  private encodeText(text: string, out: number[], onChunk?: (end: number) => void): void {
    forEachPreToken(text, (a, b) => {
      const chunk = text.slice(a, b);
      let ids = this.chunkCache.get(chunk);
      if (!ids) {
        ids = this.bpe(utf8.encode(chunk));
        if (this.chunkCache.size >= CACHE_LIMIT) this.chunkCache.clear();
        this.chunkCache.set(chunk, ids);
      }
      for (const id of ids) out.push(id);
      onChunk?.(b);
    });
  }

  /** Byte-level BPE of one pre-token, as llm_tokenizer_bpe_session::tokenize. */
  private bpe(bytes: Uint8Array): number[] {
    const n = bytes.length;
    const id = Array.from(bytes, (b) => this.byteIds[b]!);
    if (n < 2) return id;
    const len = new Array<number>(n).fill(1);
    const prev = Array.from({ length: n }, (_, i) => i - 1);
    const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const queue = new BigramQueue();
    const add = (l: number, r: number): void => {
      if (l < 0 || r < 0) return;
      const m = this.ranks.get(id[l]! * 65536 + id[r]!);
      if (m) queue.push(m.rank, l, r, len[l]!, len[r]!);
    };
    for (let i = 1; i < n; i++) add(i - 1, i);
    const top = [0, 0, 0, 0];
    while (queue.size > 0) {
      queue.pop(top);
      const [l, r, ll, rl] = top as [number, number, number, number];
      // Symbols only grow, so an unchanged length means an unchanged symbol (llama.cpp compares the texts).
      if (len[l] === 0 || len[r] === 0 || len[l] !== ll || len[r] !== rl) continue;
      id[l] = this.ranks.get(id[l]! * 65536 + id[r]!)!.id;
      len[l] = ll + rl;
      len[r] = 0;
      next[l] = next[r]!;
      if (next[r]! >= 0) prev[next[r]!] = l;
      add(prev[l]!, l);
      add(l, next[l]!);
    }
    const out: number[] = [];
    for (let i = 0; i !== -1; i = next[i]!) out.push(id[i]!);
    return out;
  }

  /** The bytes of `ids`; control tokens as their text. */
  decodeBytes(ids: readonly number[]): Uint8Array {
    let size = 0;
    for (const id of ids) size += this.piece(id).length;
    const out = new Uint8Array(size);
    let at = 0;
    for (const id of ids) {
      const p = this.piece(id);
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** The text of `ids` (bytes that are not UTF-8 become U+FFFD); control tokens as their text. */
  decode(ids: readonly number[]): string {
    return new TextDecoder().decode(this.decodeBytes(ids));
  }

  /** The bytes one token stands for. */
  piece(id: number): Uint8Array {
    const p = this.tokenBytesCache[id];
    if (!p) throw new RangeError(`token id ${id} is outside the vocabulary of ${this.size}`);
    return p;
  }

  isControl(id: number): boolean {
    return this.types[id] === TOKEN_TYPE.control;
  }
}
