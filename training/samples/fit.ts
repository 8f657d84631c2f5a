// Cutting text to a token budget. The cut is made in the text and the piece is tokenized again, as the engine
// tokenizes the prefix and suffix it sends, rather than cutting a token list (a cut token list is not what the
// tokenizer gives for the cut text). Cuts fall where pre-tokens end, which the tokenizer reports, so one
// encoding finds the place and a second checks it.

export interface FitTokenizer {
  encode(text: string): number[];
  /** See Tokenizer.encodeChunked. */
  encodeChunked(text: string): { ids: number[]; ends: number[]; counts: number[] };
}

/** First guess of characters per token for the window that is encoded; the window doubles until it is enough. */
const CHARS_PER_TOKEN = 6;

/** Encodes a growing window of `length` characters (taken by `take`) until it holds more than `budget` tokens or all. */
function encodeWindow(length: number, budget: number, take: (size: number) => string, tok: FitTokenizer): { size: number; ids: number[]; ends: number[]; counts: number[] } {
  for (let size = Math.min(length, budget * CHARS_PER_TOKEN); ; size = Math.min(length, size * 2)) {
    const encoded = tok.encodeChunked(take(size));
    if (encoded.ids.length > budget || size === length) return { size, ...encoded };
  }
}

const isLow = (text: string, i: number): boolean => i > 0 && i < text.length && text.charCodeAt(i) >= 0xdc00 && text.charCodeAt(i) <= 0xdfff;

export interface Fitted {
  text: string;
  tokens: number[];
}

/**
 * The longest start of `text` that encodes to at most `budget` tokens, ending after a newline when that keeps at
 * least half of what fits. The text itself when it fits.
 */
export function fitStart(text: string, budget: number, tok: FitTokenizer): Fitted {
  if (budget <= 0) return { text: '', tokens: [] };
  const { size, ids, ends, counts } = encodeWindow(text.length, budget, (k) => text.slice(0, k), tok);
  if (size === text.length && ids.length <= budget) return { text, tokens: ids };
  let cut = 0;
  for (let k = 0; k < ends.length && counts[k]! <= budget; k++) cut = ends[k]!;
  const line = text.lastIndexOf('\n', cut - 1) + 1;
  if (line > 0 && line >= cut / 2) cut = line;
  let tokens = tok.encode(text.slice(0, cut));
  // A pre-token at the very end of a text can split differently (a trailing space run): step back until it fits.
  while (tokens.length > budget) {
    cut--;
    if (isLow(text, cut)) cut--;
    tokens = tok.encode(text.slice(0, cut));
  }
  return { text: text.slice(0, cut), tokens };
}

/** The longest end of `text` within `budget` tokens, starting at a line start when that keeps at least half. */
export function fitEnd(text: string, budget: number, tok: FitTokenizer): Fitted {
  if (budget <= 0) return { text: '', tokens: [] };
  const n = text.length;
  const startOf = (size: number): number => (isLow(text, n - size) ? n - size - 1 : n - size);
  const { size, ids, ends, counts } = encodeWindow(n, budget, (k) => text.slice(startOf(k)), tok);
  const from = startOf(size);
  if (from === 0 && ids.length <= budget) return { text, tokens: ids };
  // Chunk k starts where chunk k-1 ends; the tokens from there to the end are total - counts[k-1].
  let start = n;
  for (let k = ends.length - 1; k >= 0; k--) {
    const chunkStart = k === 0 ? 0 : ends[k - 1]!;
    if (ids.length - (k === 0 ? 0 : counts[k - 1]!) > budget) break;
    start = from + chunkStart;
  }
  // The first chunk of the window may be cut off mid-way; never start there unless the window is the whole text.
  if (start === from && from > 0) start = from + (ends[0] ?? 0);
  const lineStart = text.indexOf('\n', start - 1) + 1;
  if (lineStart > 0 && lineStart < n && n - lineStart >= (n - start) / 2) start = Math.max(start, lineStart);
  let tokens = tok.encode(text.slice(start));
  while (tokens.length > budget) {
    start++;
    if (isLow(text, start)) start++;
    tokens = tok.encode(text.slice(start));
  }
  return { text: text.slice(start), tokens };
}
