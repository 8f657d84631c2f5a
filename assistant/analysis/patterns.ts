// Exact attention patterns over a prompt's tokens: sparse rows that a head's softmax rows could be replaced by.
import type { PromptAnalysis } from './promptMap';

/** One query token's attention: key tokens (ascending, all before it or itself) and weights summing to 1. */
export interface SparseRow {
  row: number;
  cols: number[];
  weights: number[];
}

export const PATTERN_NAMES = ['previous-token', 'use-def', 'induction', 'bracket', 'sink'] as const;
export type PatternName = (typeof PATTERN_NAMES)[number];

/** Rows from (row, col) pairs: causal (col < row), duplicates merged, uniform weights, by row. */
function rowsOf(pairs: Iterable<readonly [number, number]>): SparseRow[] {
  const byRow = new Map<number, Set<number>>();
  for (const [row, col] of pairs) {
    if (col >= row || col < 0) continue;
    let cols = byRow.get(row);
    if (!cols) byRow.set(row, (cols = new Set()));
    cols.add(col);
  }
  return [...byRow.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([row, set]) => {
      const cols = [...set].sort((a, b) => a - b);
      return { row, cols, weights: cols.map(() => 1 / cols.length) };
    });
}

function* everyRow(tokenCount: number, col: (row: number) => number): Generator<[number, number]> {
  for (let row = 1; row < tokenCount; row++) yield [row, col(row)];
}

/** Each token attends to the one before it. */
export function previousTokenPattern(prompt: PromptAnalysis): SparseRow[] {
  return rowsOf(everyRow(prompt.tokenCount, (row) => row - 1));
}

/** Each token attends to the first (the attention sink). */
export function sinkPattern(prompt: PromptAnalysis): SparseRow[] {
  return rowsOf(everyRow(prompt.tokenCount, () => 0));
}

/** A use's first token attends to the tokens of its definition (when the definition comes earlier in the prompt). */
export function useDefPattern(prompt: PromptAnalysis): SparseRow[] {
  return rowsOf(prompt.edges.flatMap((edge) => edge.def.map((col) => [edge.use, col] as const)));
}

/**
 * Induction: the last token of an identifier attends to the token right after each earlier occurrence of the same
 * identifier (what followed it before is the likely next token).
 */
export function inductionPattern(prompt: PromptAnalysis): SparseRow[] {
  const seen = new Map<string, number[]>();
  const pairs: [number, number][] = [];
  for (const occurrence of prompt.occurrences) {
    const earlier = seen.get(occurrence.name) ?? [];
    for (const last of earlier) pairs.push([occurrence.last, last + 1]);
    earlier.push(occurrence.last);
    seen.set(occurrence.name, earlier);
  }
  return rowsOf(pairs);
}

/** A closing bracket's token attends to its opening bracket's token. */
export function bracketPattern(prompt: PromptAnalysis): SparseRow[] {
  return rowsOf(prompt.brackets.map(([open, close]) => [close, open] as const));
}

export const PATTERNS: Record<PatternName, (prompt: PromptAnalysis) => SparseRow[]> = {
  'previous-token': previousTokenPattern,
  'use-def': useDefPattern,
  induction: inductionPattern,
  bracket: bracketPattern,
  sink: sinkPattern,
};
