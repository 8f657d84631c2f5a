// The injection evaluation's prompts in token positions (issue 13, item 5): where each analysed text sits among a
// prompt's tokens, the exact patterns' rows there, the addon's injection for one decode call, and the use sites.
// One sequence in a cache cleared and decoded in order from position 0: a token's KV cell is its position.
import type { AttentionInjection, InjectedRows } from '../../native/binding';
import { charOfByte, mapToPrompt, PATTERNS, type PatternName, type PromptAnalysis, type PromptSpan, type SparseRow, type UseDefResult } from '../../assistant/analysis';
import type { HeadChoice } from '../../assistant/heads/profile';

/** Consecutive prompt tokens; `source` when they are the tokens of `text`, chars [start, start + text.length) of an analysed file. */
export interface PromptSegment {
  tokens: readonly number[];
  source?: { file: string; start: number; text: string };
}

type PieceReader = { tokenPiece(token: number): Uint8Array };

/**
 * The char (UTF-16) offset in `text` where each of its tokens starts, from the tokens' bytes; a token starting
 * inside a multi-byte character gets that character's offset, one past the text's end gets its length.
 */
export function tokenCharStarts(model: PieceReader, tokens: readonly number[], text: string): number[] {
  const charAt = charOfByte(text);
  // A tokenizer that adds a leading space (SentencePiece) spells " " + text: that byte is no char of the text.
  const first = tokens.length > 0 ? model.tokenPiece(tokens[0]!) : new Uint8Array();
  let byte = first[0] === 0x20 && !text.startsWith(' ') ? -1 : 0;
  return tokens.map((token) => {
    const start = charAt[Math.max(0, Math.min(byte, charAt.length - 1))]!;
    byte += model.tokenPiece(token).length;
    return start;
  });
}

/**
 * The analysis in prompt token indices. Token starts are laid out in a prompt coordinate of their own: each
 * segment after the previous one, a sourced segment's tokens at their chars, the others all at the segment's start.
 */
export function promptAnalysis(model: PieceReader, segments: readonly PromptSegment[], result: UseDefResult): PromptAnalysis {
  const starts: number[] = [];
  const spans: PromptSpan[] = [];
  let base = 0;
  for (const segment of segments) {
    if (segment.source) {
      const { file, start, text } = segment.source;
      starts.push(...tokenCharStarts(model, segment.tokens, text).map((c) => base + c));
      spans.push({ file, start, end: start + text.length, promptStart: base });
      base += text.length;
    } else {
      starts.push(...segment.tokens.map(() => base));
    }
    // Past the segment, so a later sourced segment's first char maps to its own first token.
    base += 1;
  }
  return mapToPrompt(result, spans, starts);
}

/** A pattern's rows by query position (sparse: positions without a row keep the model's attention). */
export type RowsByPosition = ReadonlyMap<number, SparseRow>;

export function patternRows(analysis: PromptAnalysis, pattern: PatternName): RowsByPosition {
  return new Map(PATTERNS[pattern](analysis).map((row) => [row.row, row]));
}

/**
 * Use sites: the token right after each use's first token, i.e. the tokens predicted from the rows the use-def
 * pattern gives (the use's first token attends to its earlier definition). Positions, ascending.
 */
export function useSites(analysis: PromptAnalysis): number[] {
  return PATTERNS['use-def'](analysis).map((row) => row.row + 1).filter((position) => position < analysis.tokenCount);
}

/**
 * The addon's injection for one decode call whose tokens are at `positions` (batch order): every chosen head's
 * pattern as rows of the batch tokens it has a row for, `zero` heads as -1. Null when nothing is replaced.
 */
export function injectionFor(heads: readonly HeadChoice[], rows: (pattern: PatternName) => RowsByPosition, positions: readonly number[]): AttentionInjection | null {
  if (heads.length === 0) return null;
  const patterns: InjectedRows[] = [];
  const indexOf = new Map<PatternName, number>();
  const index = (pattern: PatternName): number => {
    let at = indexOf.get(pattern);
    if (at === undefined) {
      const byPosition = rows(pattern);
      const tokens: number[] = [];
      const offsets = [0];
      const cells: number[] = [];
      const weights: number[] = [];
      positions.forEach((position, batchIndex) => {
        const row = byPosition.get(position);
        if (!row) return;
        tokens.push(batchIndex);
        cells.push(...row.cols);
        weights.push(...row.weights);
        offsets.push(cells.length);
      });
      at = patterns.length;
      patterns.push({ tokens: Int32Array.from(tokens), offsets: Int32Array.from(offsets), cells: Int32Array.from(cells), weights: Float32Array.from(weights) });
      indexOf.set(pattern, at);
    }
    return at;
  };
  return { patterns, heads: heads.map((h) => ({ layer: h.layer, head: h.head, pattern: h.pattern === 'zero' ? -1 : index(h.pattern) })) };
}
