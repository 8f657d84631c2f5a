// llama.cpp's `qwen2` pre-tokenizer: the regex
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// as llama.cpp runs it: not through a regex engine but through its hand-written matcher
// (unicode_regex_split_custom_qwen2 in src/unicode.cpp), ported here branch for branch, with llama.cpp's own
// code point classes (unicodeData.ts), so that our chunks are exactly the ones llama.cpp merges within.
import { CLASS_RUNS, WHITESPACE } from './unicodeData';

const LETTER = 1;
const NUMBER = 2;
const SPACE = 4;
/** Set for every code point in range: llama.cpp tests `flags.as_uint()` to tell "a code point" from "past the end". */
const DEFINED = 8;

const CLASS = (() => {
  const table = new Uint8Array(0x110000).fill(DEFINED);
  for (let i = 0; i < CLASS_RUNS.length; i += 2) {
    const cls = CLASS_RUNS[i + 1]!;
    if (cls === 0) continue;
    const end = Math.min(CLASS_RUNS[i + 2] ?? 0x110000, 0x110000);
    table.fill(DEFINED | (cls === 1 ? LETTER : NUMBER), CLASS_RUNS[i]!, end);
  }
  for (const cp of WHITESPACE) table[cp]! |= SPACE;
  return table;
})();

// Reused buffers: the code points of the text and the UTF-16 offset where each starts.
let cps = new Uint32Array(1 << 16);
let offs = new Uint32Array((1 << 16) + 1);

function decodeCodePoints(text: string): number {
  if (cps.length < text.length) {
    cps = new Uint32Array(text.length * 2);
    offs = new Uint32Array(text.length * 2 + 1);
  }
  let n = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    cps[n] = cp;
    offs[n] = i;
    n++;
    i += cp > 0xffff ? 2 : 1;
  }
  offs[n] = text.length;
  return n;
}

const CR = 0x0d;
const LF = 0x0a;
const APOSTROPHE = 0x27;
const lower = (cp: number): number => (cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp);

/**
 * Calls `chunk(start, end)` (UTF-16 offsets into `text`) for each pre-token, in order. `text` must be well formed
 * (no lone surrogates: llama.cpp receives UTF-8, where they have become U+FFFD; see `wellFormed`).
 */
export function forEachPreToken(text: string, chunk: (start: number, end: number) => void): void {
  const n = decodeCodePoints(text);
  const flags = (p: number): number => (p < n ? CLASS[cps[p]!]! : 0);
  const cpt = (p: number): number => (p < n ? cps[p]! : -1);
  let prev = 0;
  const emit = (end: number): void => {
    if (end > prev) chunk(offs[prev]!, offs[end]!);
    prev = end;
  };

  let pos = 0;
  while (pos < n) {
    const c = cps[pos]!;
    const f = CLASS[c]!;

    // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if (c === APOSTROPHE && pos + 1 < n) {
      const next = lower(cps[pos + 1]!);
      if (next === 0x73 || next === 0x74 || next === 0x6d || next === 0x64) {
        emit((pos += 2));
        continue;
      }
      if (pos + 2 < n) {
        const next2 = lower(cps[pos + 2]!);
        if ((next === 0x72 && next2 === 0x65) || (next === 0x76 && next2 === 0x65) || (next === 0x6c && next2 === 0x6c)) {
          emit((pos += 3));
          continue;
        }
      }
    }

    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (!(c === CR || c === LF || f & NUMBER)) {
      if (f & LETTER || flags(pos + 1) & LETTER) {
        pos++;
        while (flags(pos) & LETTER) pos++;
        emit(pos);
        continue;
      }
    }

    // \p{N}
    if (f & NUMBER) {
      emit(++pos);
      continue;
    }

    // <space>?[^\s\p{L}\p{N}]+[\r\n]*
    let f2 = c === 0x20 ? flags(pos + 1) : f;
    if (!(f2 & (SPACE | LETTER | NUMBER)) && f) {
      if (c === 0x20) pos++;
      while (!(f2 & (SPACE | LETTER | NUMBER)) && f2) f2 = flags(++pos);
      let c2 = cpt(pos);
      while (c2 === CR || c2 === LF) c2 = cpt(++pos);
      emit(pos);
      continue;
    }

    let spaces = 0;
    let lastNewline = 0;
    while (flags(pos + spaces) & SPACE) {
      const c2 = cps[pos + spaces]!;
      if (c2 === CR || c2 === LF) lastNewline = pos + spaces + 1;
      spaces++;
    }
    // \s*[\r\n]+
    if (lastNewline > 0) {
      emit((pos = lastNewline));
      continue;
    }
    // \s+(?!\S)
    if (spaces > 1 && pos + spaces < n) {
      emit((pos += spaces - 1));
      continue;
    }
    // \s+
    if (spaces > 0) {
      emit((pos += spaces));
      continue;
    }
    // no match: the code point alone
    emit(++pos);
  }
}

const LONE_SURROGATE = /\p{Cs}/u;

/** `text` with each lone surrogate replaced by U+FFFD, as it reaches llama.cpp (in UTF-8). */
export function wellFormed(text: string): string {
  return LONE_SURROGATE.test(text) ? text.replace(/\p{Cs}/gu, '\uFFFD') : text;
}

/** The pre-tokens of `text` as strings. */
export function preTokenize(text: string): string[] {
  const out: string[] = [];
  const wellFormed_ = wellFormed(text);
  forEachPreToken(wellFormed_, (a, b) => out.push(wellFormed_.slice(a, b)));
  return out;
}
