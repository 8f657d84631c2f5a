// Pure parts of tests/bench/compressBench.ts: the results file's shape, the README table written from it, and the
// speed-only rerun's rewrite (new time to first token and tokens/s, everything else as measured before). Nothing
// is timed here.

export interface Speed {
  timeToFirstTokenMs: number;
  tokensPerSecond: number;
  promptTokens: number;
  generatedTokens: number;
  runs: { timeToFirstTokenMs: number; tokensPerSecond: number }[];
}

export interface Quality {
  perplexity: number;
  tokensScored: number;
  /** No documents, single-line and multi-line tasks together. */
  exactMatch: number;
  editSimilarity: number;
  tasks: number;
}

export interface Row {
  label: string;
  weights: 'dense' | 'pruned' | 'recovered';
  type: string | null;
  exportQ8?: boolean;
  file: string;
  bytes: number;
  speed: Speed;
  quality: Quality;
  /** Load average when the row's speed was measured. */
  load: number[];
}

interface Change {
  pruneAlone: number;
  quantAlone: number;
  sumOfBoth: number;
  together: number;
}

export interface Compounding {
  pair: string;
  perplexityRise: Change;
  editSimilarityDrop: Change;
}

/** When the speed columns were measured again alone (`--speed-only`). */
export interface SpeedRun {
  date: string;
  loadStart: number[];
  loadEnd: number[];
  reps: number;
  threads: number;
}

export interface CompressResults {
  date: string;
  cpu?: string;
  cores: number;
  threads: number;
  loadStart: number[];
  loadEnd: number[];
  seconds: number;
  tasks: number;
  reps: number;
  prune: unknown;
  recovery: unknown;
  rows: Row[];
  compounding: Compounding[];
  speedRun?: SpeedRun;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
export const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

/** The README's two tables and the footnote that says where and under what load the figures were measured. */
export function renderMarkdown(results: CompressResults): string {
  const { rows, compounding } = results;
  const first = rows[0]!;
  const quality = `${first.quality.tasks} infill tasks without documents and ${first.quality.tokensScored} scored tokens per model`;
  const speed = (reps: number) => `${reps} timed runs per model (median), ${first.speed.promptTokens} prompt tokens, ${first.speed.generatedTokens} generated`;
  const cpu = `${results.cpu ?? 'this CPU'}, ${(results.speedRun ?? results).threads} threads`;
  const footnote = results.speedRun
    ? `Speed measured alone (\`--speed-only\`) on ${cpu}, ${results.speedRun.date}: load average ${results.speedRun.loadStart.join(' ')} at the start and ${results.speedRun.loadEnd.join(' ')} at the end; ${speed(results.speedRun.reps)}. ` +
      `Quality from the run of ${results.date} (load average ${results.loadStart.join(' ')} at the start, ${results.loadEnd.join(' ')} at the end): ${quality}.`
    : `Measured on ${cpu}, load average ${results.loadStart.join(' ')} at the start and ${results.loadEnd.join(' ')} at the end; ${quality}; ${speed(results.reps)}.`;
  // Rows kept from an earlier run were timed under another load: the range says how far apart they are.
  const loads = rows.map((r) => r.load[0]!);
  const timedUnder = ` The 1-minute load average when each row was timed ranged from ${Math.min(...loads)} to ${Math.max(...loads)} (each row's in compress.json).`;
  return [
    '| variant | file MB | time to first token (ms) | tokens/s | perplexity | infill exact match | infill edit similarity |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.label} | ${mb(r.bytes)} | ${r.speed.timeToFirstTokenMs.toFixed(0)} | ${r.speed.tokensPerSecond.toFixed(1)} | ${r.quality.perplexity.toFixed(2)} | ${pct(r.quality.exactMatch)} | ${pct(r.quality.editSimilarity)} |`),
    '',
    '| pair | perplexity rise: pruning alone | quantization alone | sum of both | together | edit similarity drop: pruning alone | quantization alone | sum of both | together |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...compounding.map((c) => `| ${c.pair} | ${c.perplexityRise.pruneAlone.toFixed(2)} | ${c.perplexityRise.quantAlone.toFixed(2)} | ${c.perplexityRise.sumOfBoth.toFixed(2)} | **${c.perplexityRise.together.toFixed(2)}** | ${(100 * c.editSimilarityDrop.pruneAlone).toFixed(1)} | ${(100 * c.editSimilarityDrop.quantAlone).toFixed(1)} | ${(100 * c.editSimilarityDrop.sumOfBoth).toFixed(1)} | **${(100 * c.editSimilarityDrop.together).toFixed(1)}** |`),
    '',
    footnote + timedUnder,
  ].join('\n');
}

/**
 * The files a speed-only rerun measures: every row's, each still the size it was measured at. A missing or changed
 * file is an error naming it (its quality row would no longer describe it); the full bench rebuilds the files.
 */
export function speedTargets(results: CompressResults, sizeOf: (file: string) => number | null): Row[] {
  for (const row of results.rows) {
    const size = sizeOf(row.file);
    if (size === null) throw new Error(`${row.file} (${row.label}) is missing: run the full bench first (it rebuilds the files and keeps the measured rows)`);
    if (size !== row.bytes) throw new Error(`${row.file} (${row.label}) is ${size} bytes, not the ${row.bytes} measured: run the full bench to measure it again`);
  }
  return results.rows;
}

/** The results with each row's speed and load replaced by the new measurement; quality and compounding as before. */
export function withSpeeds(results: CompressResults, speeds: Map<string, { speed: Speed; load: number[] }>, run: SpeedRun): CompressResults {
  const rows = results.rows.map((row) => {
    const measured = speeds.get(row.label);
    if (!measured) throw new Error(`no new speed for ${row.label}`);
    return { ...row, speed: measured.speed, load: measured.load };
  });
  return { ...results, rows, speedRun: run };
}
