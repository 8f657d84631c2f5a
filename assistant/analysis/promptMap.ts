// The analysis in token positions of one prompt, given where each analysed text sits in it and the tokenizer's
// offsets (independent of the engine: any tokenizer's start offsets will do).
import type { UseDefResult } from './useDef';

/** Chars [start, end) of `file`'s analysed text appear in the prompt from char `promptStart` on. */
export interface PromptSpan {
  file: string;
  start: number;
  end: number;
  promptStart: number;
}

export interface TokenEdge {
  name: string;
  /** The use's first token. */
  use: number;
  /** Every token of the definition's name, ascending. */
  def: number[];
}

export interface TokenRange {
  name: string;
  first: number;
  last: number;
}

/** What the attention patterns read: token indices only. */
export interface PromptAnalysis {
  tokenCount: number;
  edges: TokenEdge[];
  /** Identifier occurrences, in prompt order. */
  occurrences: TokenRange[];
  /** Matching brackets as [opening token, closing token]. */
  brackets: [number, number][];
}

/**
 * For each UTF-8 byte offset of `text` (and its end), the UTF-16 offset of the character that byte belongs to:
 * turns tokens' byte pieces into char offsets (a token starting inside a character gets that character's).
 */
export function charOfByte(text: string): Int32Array {
  const table = new Int32Array(Buffer.byteLength(text, 'utf8') + 1);
  let byte = 0;
  let char = 0;
  for (const c of text) {
    const width = Buffer.byteLength(c, 'utf8');
    table.fill(char, byte, byte + width);
    byte += width;
    char += c.length;
  }
  table[byte] = text.length;
  return table;
}

/** The token holding char `offset`: the last token starting at or before it (`tokenStarts` ascending). */
export function tokenAt(tokenStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = tokenStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tokenStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Maps the result to the prompt: anything not shown in a span (outside the prompt) is left out. */
export function mapToPrompt(result: UseDefResult, spans: readonly PromptSpan[], tokenStarts: readonly number[]): PromptAnalysis {
  const toPrompt = (file: string, start: number, end: number): number | null => {
    for (const span of spans) if (span.file === file && start >= span.start && end <= span.end) return span.promptStart + start - span.start;
    return null;
  };
  const tokens = (file: string, start: number, end: number): [number, number] | null => {
    const at = tokenStarts.length > 0 ? toPrompt(file, start, end) : null;
    return at === null ? null : [tokenAt(tokenStarts, at), tokenAt(tokenStarts, at + Math.max(end - start, 1) - 1)];
  };
  const edges: TokenEdge[] = [];
  for (const edge of result.edges) {
    const use = tokens(edge.use.file, edge.use.start, edge.use.end);
    const def = tokens(edge.def.file, edge.def.start, edge.def.end);
    if (!use || !def) continue;
    edges.push({ name: edge.name, use: use[0], def: Array.from({ length: def[1] - def[0] + 1 }, (_, i) => def[0] + i) });
  }
  const occurrences: TokenRange[] = [];
  const brackets: [number, number][] = [];
  for (const facts of result.files) {
    for (const o of facts.occurrences) {
      const range = tokens(facts.file, o.start, o.end);
      if (range) occurrences.push({ name: o.name, first: range[0], last: range[1] });
    }
    for (const [open, close] of facts.brackets) {
      const a = tokens(facts.file, open, open + 1);
      const b = tokens(facts.file, close, close + 1);
      if (a && b) brackets.push([a[0], b[0]]);
    }
  }
  occurrences.sort((x, y) => x.first - y.first);
  return { tokenCount: tokenStarts.length, edges, occurrences, brackets };
}
