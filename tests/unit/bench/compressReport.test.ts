// compressBench's results: the README table from compress.json, and the speed-only rerun, which replaces the speed
// columns and nothing else. Nothing is timed here.
import { describe, expect, it } from 'vitest';
import { renderMarkdown, speedTargets, withSpeeds, type CompressResults, type Row, type Speed } from '../../bench/compressReport';

const speed = (timeToFirstTokenMs: number, tokensPerSecond: number): Speed => ({
  timeToFirstTokenMs, tokensPerSecond, promptTokens: 186, generatedTokens: 48, runs: [{ timeToFirstTokenMs, tokensPerSecond }],
});

const row = (label: string, file: string, bytes: number, perplexity: number): Row => ({
  label, weights: 'dense', type: null, file, bytes, speed: speed(1000, 2.5), load: [6, 6, 6],
  quality: { perplexity, tokensScored: 2283, exactMatch: 0, editSimilarity: 0.25, tasks: 8 },
});

const results = (): CompressResults => ({
  date: '2026-12-05T00:34:36.874Z', cpu: 'AMD EPYC', cores: 2, threads: 2, loadStart: [3.78, 6.54, 9.41], loadEnd: [5.69, 5.61, 7.17],
  seconds: 700, tasks: 4, reps: 5, prune: null, recovery: null,
  rows: [row('dense F32', 'out/dense-F32.gguf', 167_077_600, 5.42), row('dense Q4_0', 'out/dense-Q4_0.gguf', 26_187_552, 5.63)],
  compounding: [{
    pair: 'pruned 2:4 + Q4_0',
    perplexityRise: { pruneAlone: 7.25, quantAlone: 0.2, sumOfBoth: 7.45, together: 7.73 },
    editSimilarityDrop: { pruneAlone: 0.021, quantAlone: 0.072, sumOfBoth: 0.093, together: 0.045 },
  }],
});

describe('compress bench results', () => {
  it('writes the table, the compounding pairs and the load of the run that measured them', () => {
    const md = renderMarkdown(results()).split('\n');
    expect(md).toContain('| dense F32 | 167.1 | 1000 | 2.5 | 5.42 | 0.0% | 25.0% |');
    expect(md).toContain('| pruned 2:4 + Q4_0 | 7.25 | 0.20 | 7.45 | **7.73** | 2.1 | 7.2 | 9.3 | **4.5** |');
    expect(md.at(-1)).toBe('Measured on AMD EPYC, 2 threads, load average 3.78 6.54 9.41 at the start and 5.69 5.61 7.17 at the end; 8 infill tasks without documents and 2283 scored tokens per model; 5 timed runs per model (median), 186 prompt tokens, 48 generated. The 1-minute load average when each row was timed ranged from 6 to 6 (each row\'s in compress.json).');
  });

  it('a speed-only rerun replaces time to first token and tokens/s of every row and says its own load; quality and pairs stay', () => {
    const before = results();
    const speeds = new Map([
      ['dense F32', { speed: speed(400, 30.5), load: [0.1, 0.2, 0.3] }],
      ['dense Q4_0', { speed: speed(120, 95.25), load: [0.2, 0.2, 0.3] }],
    ]);
    const after = withSpeeds(before, speeds, { date: '2026-12-06T10:00:00.000Z', loadStart: [0.05, 0.1, 0.2], loadEnd: [0.2, 0.2, 0.3], reps: 5, threads: 2 });
    expect(after.rows.map((r) => [r.speed.timeToFirstTokenMs, r.speed.tokensPerSecond, r.load])).toEqual([[400, 30.5, [0.1, 0.2, 0.3]], [120, 95.25, [0.2, 0.2, 0.3]]]);
    expect(after.rows.map((r) => r.quality)).toEqual(before.rows.map((r) => r.quality));
    expect(after.compounding).toEqual(before.compounding);
    const md = renderMarkdown(after).split('\n');
    expect(md).toContain('| dense Q4_0 | 26.2 | 120 | 95.3 | 5.63 | 0.0% | 25.0% |');
    expect(md.at(-1)).toBe('Speed measured alone (`--speed-only`) on AMD EPYC, 2 threads, 2026-12-06T10:00:00.000Z: load average 0.05 0.1 0.2 at the start and 0.2 0.2 0.3 at the end; 5 timed runs per model (median), 186 prompt tokens, 48 generated. '
      + 'Quality from the run of 2026-12-05T00:34:36.874Z (load average 3.78 6.54 9.41 at the start, 5.69 5.61 7.17 at the end): 8 infill tasks without documents and 2283 scored tokens per model. The 1-minute load average when each row was timed ranged from 0.1 to 0.2 (each row\'s in compress.json).');
    expect(() => withSpeeds(before, new Map([...speeds].slice(0, 1)), after.speedRun!)).toThrow('no new speed for dense Q4_0');
  });

  it('measures only files still the size they were measured at, naming a missing or changed one', () => {
    const sizes = new Map([['out/dense-F32.gguf', 167_077_600], ['out/dense-Q4_0.gguf', 26_187_552]]);
    expect(speedTargets(results(), (f) => sizes.get(f) ?? null).map((r) => r.label)).toEqual(['dense F32', 'dense Q4_0']);
    sizes.set('out/dense-Q4_0.gguf', 100);
    expect(() => speedTargets(results(), (f) => sizes.get(f) ?? null)).toThrow('out/dense-Q4_0.gguf (dense Q4_0) is 100 bytes, not the 26187552 measured');
    sizes.delete('out/dense-F32.gguf');
    expect(() => speedTargets(results(), (f) => sizes.get(f) ?? null)).toThrow('out/dense-F32.gguf (dense F32) is missing: run the full bench first');
  });
});
