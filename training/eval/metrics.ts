// Scores of one infill answer against the code that was cut out.
import { Rng } from '../../tools/gguf-fixtures/random';

/** Levenshtein distance over UTF-16 code units, in O(min(a, b)) memory. */
export function editDistance(a: string, b: string): number {
  if (a.length < b.length) [a, b] = [b, a];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitute));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** 1 - distance / longer length: 1 for equal strings, 0 for nothing in common (both empty: 1). */
export function editSimilarity(a: string, b: string): number {
  const longer = Math.max(a.length, b.length);
  return longer === 0 ? 1 : 1 - editDistance(a, b) / longer;
}

/**
 * The part of a model's answer that is compared: as many lines as the expected middle has (the model may go
 * on past the gap, an editor would cut there too), trailing whitespace of each line ignored.
 */
export function comparable(answer: string, expectedLines: number): string {
  return answer.split('\n').slice(0, expectedLines).map((line) => line.trimEnd()).join('\n').trimEnd();
}

export interface InfillScore {
  exact: boolean;
  similarity: number;
}

export function scoreInfill(answer: string, expected: string): InfillScore {
  const want = comparable(expected, expected.split('\n').length);
  const got = comparable(answer, expected.split('\n').length);
  return { exact: got === want, similarity: editSimilarity(got, want) };
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, v) => sum + v, 0) / values.length;
}

export interface IdiomScore extends InfillScore {
  /**
   * The answer writes a line of its own where the cursor is inside one: it starts with a line break or indentation
   * that the middle does not (issue 12: models trained on middles from a line start answered `  return ` with
   * `  // Returns true`).
   */
  startsOwnLine: boolean;
}

/**
 * A one-line idiom's answer against its middle: the answer's first line, less a copy of the rest of the cursor's
 * line that the suffix already holds (a model may write `x * 2;` where the suffix starts with `;`: an editor
 * that overwrites to the end of the line shows the same line).
 */
export function scoreIdiom(answer: string, expected: string, suffix: string): IdiomScore {
  let line = comparable(answer, 1);
  const rest = suffix.split('\n', 1)[0]!.trimEnd();
  if (rest && line.endsWith(rest) && line.length > rest.length) line = line.slice(0, -rest.length).trimEnd();
  const want = expected.trimEnd();
  return { exact: line === want, similarity: editSimilarity(line, want), startsOwnLine: /^\s/.test(answer) && !/^\s/.test(expected) };
}

/**
 * A 95% percentile bootstrap interval of the mean of `values` (one per task: the tasks are resampled with
 * replacement), seeded so a report is reproducible. [NaN, NaN] for no values.
 */
export function bootstrapCI(values: readonly number[], seed = 1, resamples = 2000): [number, number] {
  const n = values.length;
  if (n === 0) return [Number.NaN, Number.NaN];
  const rng = new Rng(seed, 0xb007);
  const next = (): number => rng.next() / 2 ** 32;
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(next() * n)]!;
    means[b] = sum / n;
  }
  means.sort();
  return [means[Math.floor(0.025 * (resamples - 1))]!, means[Math.ceil(0.975 * (resamples - 1))]!];
}
