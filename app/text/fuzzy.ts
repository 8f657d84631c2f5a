/**
 * Fuzzy matching for quick open, as VS Code's Ctrl+P does it: the query's characters must appear in the
 * candidate in order (a subsequence, case-insensitive), and the best placement of them wins. A run of
 * consecutive characters, a character that starts a word (after `/`, `.`, `-`, `_`, a space, or a
 * lower-to-upper case change) and a character in the file's base name each score more, and every gap costs
 * a little: "prsr" finds `src/csv/parser.ts`, and `parser.ts` ranks above `pr/some/sr.ts`.
 */

export interface FuzzyMatch {
  score: number;
  /** Offsets in the candidate of the matched characters, ascending (for highlighting). */
  positions: number[];
}

const MATCH = 1;
const CONSECUTIVE = 6;
const WORD_START = 4;
const IN_BASENAME = 3;
const GAP = 1;
/** Longer queries are matched greedily, so one keystroke never costs more than this many DP cells per file. */
const MAX_DP_CELLS = 40_000;

const SEPARATORS = new Set(['/', '\\', '.', '-', '_', ' ']);

function isWordStart(text: string, index: number): boolean {
  if (index === 0) return true;
  const previous = text[index - 1]!;
  if (SEPARATORS.has(previous)) return true;
  const current = text[index]!;
  return previous === previous.toLowerCase() && current !== current.toLowerCase() && current === current.toUpperCase();
}

/** How well `query` matches `candidate`; null when it is not a subsequence. An empty query matches everything with 0. */
export function fuzzyMatch(query: string, candidate: string): FuzzyMatch | null {
  const q = query.replace(/\s+/g, '').toLowerCase();
  if (!q) return { score: 0, positions: [] };
  // Lowered one character at a time, so offsets stay the candidate's even where lowering changes a length.
  const c = Array.from(candidate, (ch) => (ch.toLowerCase().length === ch.length ? ch.toLowerCase() : ch)).join('');
  // Cheap rejection first: most files of a workspace are not a subsequence at all.
  let at = 0;
  for (const ch of q) {
    at = c.indexOf(ch, at);
    if (at < 0) return null;
    at++;
  }
  const basenameStart = candidate.lastIndexOf('/') + 1;
  const charScore = (j: number) => MATCH + (isWordStart(candidate, j) ? WORD_START : 0) + (j >= basenameStart ? IN_BASENAME : 0);
  if (q.length * c.length > MAX_DP_CELLS) return greedy(q, c, charScore);

  // best[i][j]: the best score of q[0..i] with q[i] matched at c[j]; from[i][j]: where q[i-1] was matched.
  const n = q.length;
  const m = c.length;
  const best: Float64Array[] = [];
  const from: Int32Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(m).fill(-Infinity);
    const back = new Int32Array(m).fill(-1);
    // The best earlier placement of q[i-1] ending before j-1 (a gap), carried along the row.
    let runningBest = -Infinity;
    let runningAt = -1;
    for (let j = i; j < m; j++) {
      if (i > 0 && j >= 2 && best[i - 1]![j - 2]! > runningBest) {
        runningBest = best[i - 1]![j - 2]!;
        runningAt = j - 2;
      }
      if (c[j] !== q[i]) continue;
      const own = charScore(j);
      if (i === 0) {
        // A later first match costs a little, so `parser.ts` beats `a/parser.ts` when all else is equal.
        row[j] = own - Math.min(j, 10) * 0.1;
        continue;
      }
      const adjacent = best[i - 1]![j - 1]!;
      const viaRun = adjacent + own + CONSECUTIVE;
      const viaGap = runningBest + own - GAP;
      if (viaRun >= viaGap && adjacent > -Infinity) {
        row[j] = viaRun;
        back[j] = j - 1;
      } else if (runningBest > -Infinity) {
        row[j] = viaGap;
        back[j] = runningAt;
      }
    }
    best.push(row);
    from.push(back);
  }
  let end = -1;
  let score = -Infinity;
  best[n - 1]!.forEach((value, j) => {
    if (value > score) {
      score = value;
      end = j;
    }
  });
  const positions: number[] = [];
  for (let i = n - 1, j = end; i >= 0; j = from[i]![j]!, i--) positions.unshift(j);
  return { score, positions };
}

function greedy(q: string, c: string, charScore: (j: number) => number): FuzzyMatch {
  const positions: number[] = [];
  let score = 0;
  let at = 0;
  for (const ch of q) {
    const j = c.indexOf(ch, at);
    score += charScore(j) + (positions.length && positions.at(-1) === j - 1 ? CONSECUTIVE : positions.length ? -GAP : 0);
    positions.push(j);
    at = j + 1;
  }
  return { score, positions };
}

/** The candidates that match, best first; ties go to the shorter, then alphabetically first. */
export function fuzzyRank(query: string, candidates: Iterable<string>, limit = Infinity): string[] {
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of candidates) {
    const match = fuzzyMatch(query, candidate);
    if (match) scored.push({ candidate, score: match.score });
  }
  scored.sort((a, b) => b.score - a.score || a.candidate.length - b.candidate.length || a.candidate.localeCompare(b.candidate));
  return scored.slice(0, limit).map((s) => s.candidate);
}

/** The candidate split into runs of matched and unmatched text, for highlighting. */
export function highlightRuns(candidate: string, positions: readonly number[]): { text: string; matched: boolean }[] {
  const hit = new Set(positions);
  const runs: { text: string; matched: boolean }[] = [];
  for (let i = 0; i < candidate.length; i++) {
    const matched = hit.has(i);
    const last = runs.at(-1);
    if (last && last.matched === matched) last.text += candidate[i];
    else runs.push({ text: candidate[i]!, matched });
  }
  return runs;
}
