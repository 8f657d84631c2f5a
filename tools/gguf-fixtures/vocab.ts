// SPM-style vocabulary (llama.cpp "llama" tokenizer): <unk> <s> </s>, 256 byte tokens, FIM and chat
// control tokens, printable ASCII and pieces merged from a code corpus, unused padding up to `size`.
import { CODE_CORPUS } from './corpus';

/** llama_token_type values stored in tokenizer.ggml.token_type. */
export const TokenType = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

/** SentencePiece's visible space. */
export const SPACE = '\u2581';

export const SPECIAL_TOKENS = {
  fimPre: '<|fim_prefix|>',
  fimSuf: '<|fim_suffix|>',
  fimMid: '<|fim_middle|>',
  fimPad: '<|fim_pad|>',
  fimRep: '<|repo_name|>',
  fimSep: '<|file_sep|>',
  eot: '<|endoftext|>',
  imStart: '<|im_start|>',
  imEnd: '<|im_end|>',
} as const;

export type SpecialName = keyof typeof SPECIAL_TOKENS;

export interface VocabOptions {
  /** Total number of tokens (the rest is unused padding). */
  size: number;
  /** Most merges to learn from the corpus. */
  merges: number;
  /** Fixed ids for control tokens (e.g. Qwen2.5's); by default they follow the byte tokens. */
  specialIds?: Partial<Record<SpecialName, number>>;
}

export interface Vocab {
  tokens: string[];
  scores: Float32Array;
  types: Int32Array;
  unk: number;
  bos: number;
  eos: number;
  special: Record<SpecialName, number>;
}

export class VocabError extends Error {
  override readonly name = 'VocabError';
}

/** Learns up to `count` BPE merges over the corpus words (space as ▁ starting each word). */
function learnMerges(corpus: string, alphabet: Set<string>, count: number): string[] {
  const words = new Map<string, number>();
  for (const line of corpus.replaceAll(' ', SPACE).split('\n')) {
    for (const word of line.split(new RegExp(`(?=${SPACE})`))) {
      if (word && [...word].every((c) => alphabet.has(c))) words.set(word, (words.get(word) ?? 0) + 1);
    }
  }
  const split = [...words].map(([word, freq]) => ({ symbols: [...word], freq }));
  const merged: string[] = [];
  while (merged.length < count) {
    const pairs = new Map<string, number>();
    for (const { symbols, freq } of split) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]}\u0000${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + freq);
      }
    }
    let best: string | null = null;
    let bestCount = 1;
    for (const [key, n] of pairs) {
      if (n > bestCount || (n === bestCount && best !== null && key < best)) {
        best = key;
        bestCount = n;
      }
    }
    if (best === null) break;
    const [a, b] = best.split('\u0000') as [string, string];
    for (const entry of split) {
      const out: string[] = [];
      for (let i = 0; i < entry.symbols.length; i++) {
        if (i + 1 < entry.symbols.length && entry.symbols[i] === a && entry.symbols[i + 1] === b) {
          out.push(a + b);
          i++;
        } else {
          out.push(entry.symbols[i]!);
        }
      }
      entry.symbols = out;
    }
    merged.push(a + b);
  }
  return merged;
}

export function buildVocab(options: VocabOptions): Vocab {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const add = (text: string, type: number, score = 0): number => {
    tokens.push(text);
    types.push(type);
    scores.push(score);
    return tokens.length - 1;
  };
  const unk = add('<unk>', TokenType.unknown);
  const bos = add('<s>', TokenType.control);
  const eos = add('</s>', TokenType.control);
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, TokenType.byte);

  const fixed = options.specialIds ?? {};
  const special = {} as Record<SpecialName, number>;
  for (const name of Object.keys(SPECIAL_TOKENS) as SpecialName[]) {
    if (fixed[name] === undefined) special[name] = add(SPECIAL_TOKENS[name], TokenType.control);
  }

  const alphabet = new Set<string>([SPACE]);
  for (let c = 0x21; c <= 0x7e; c++) alphabet.add(String.fromCharCode(c));
  for (const c of alphabet) add(c, TokenType.normal, -1e5);
  const seen = new Set(tokens);
  learnMerges(CODE_CORPUS, alphabet, options.merges).forEach((piece, k) => {
    // Earlier merges score higher: llama.cpp's SPM tokenizer merges the best-scoring pair first.
    if (!seen.has(piece)) add(piece, TokenType.normal, -(k + 1));
    seen.add(piece);
  });

  if (tokens.length > options.size) throw new VocabError(`vocabulary needs ${tokens.length} tokens, size is ${options.size}`);
  while (tokens.length < options.size) add(`<|unused_${tokens.length}|>`, TokenType.unused, -1e9);
  for (const name of Object.keys(fixed) as SpecialName[]) {
    const id = fixed[name]!;
    if (id < 0 || id >= options.size || types[id] !== TokenType.unused) throw new VocabError(`special token ${name} cannot take id ${id}`);
    tokens[id] = SPECIAL_TOKENS[name];
    types[id] = TokenType.control;
    scores[id] = 0;
    special[name] = id;
  }
  return { tokens, scores: Float32Array.from(scores), types: Int32Array.from(types), unk, bos, eos, special };
}
