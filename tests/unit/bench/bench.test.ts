// Pure parts of the benchmark: workload construction, bars and ratios, Markdown and SVG writers.
// No timing is asserted here; the numbers come from `npm run bench`.
import { describe, expect, it } from 'vitest';
import { serverArgs } from '../../bench/llamaServer';
import { computeBars, headlineRatios, median, medianResults, renderMarkdown, renderSvg, speedups, type ModeResult, type RequestInfo } from '../../bench/report';
import { QUERY_STEPS, buildRequests, cursorQueries, cutToTokens, queryAloneRequest, type BenchQuery } from '../../bench/workload';

// One token per whitespace-separated word: enough to check the cutting logic.
const words = (s: string): number => s.split(/\s+/).filter(Boolean).length;

const queries: BenchQuery[] = Array.from({ length: QUERY_STEPS }, (_, i) => ({ prefix: `p${i}`, suffix: `s${i}` }));

describe('workload', () => {
  it('cuts text to a token budget, at a line end when that loses little', () => {
    const text = Array.from({ length: 50 }, (_, i) => `line ${i} has five words`).join('\n');
    const cut = cutToTokens(text, 100, words);
    expect(words(cut)).toBeLessThanOrEqual(100);
    expect(words(cut)).toBeGreaterThanOrEqual(90);
    expect(cut.endsWith('\n')).toBe(true);
    expect(text.startsWith(cut)).toBe(true);
    expect(cutToTokens('short text', 100, words)).toBe('short text');
  });

  it('moves the cursor one line per step, changing the query near its end', () => {
    const code = Array.from({ length: 40 }, (_, i) => `const v${i} = ${i};`).join('\n');
    const qs = cursorQueries(code, 6, { prefixTokens: 12, suffixTokens: 8 }, words, 10);
    expect(qs).toHaveLength(6);
    for (const [i, q] of qs.entries()) {
      expect(q.prefix.endsWith(`const v${9 + i} = ${9 + i};\n`)).toBe(true);
      expect(q.suffix.startsWith(`const v${10 + i} = `)).toBe(true);
      expect(words(q.prefix)).toBeLessThanOrEqual(12);
      expect(words(q.suffix)).toBeLessThanOrEqual(8);
    }
    expect(() => cursorQueries(code, 6, { prefixTokens: 12, suffixTokens: 8 }, words, 38)).toThrow(RangeError);
  });

  it('builds the journal sequence and marks the documents each request brings first', () => {
    const reqs = buildRequests(['A', 'B', 'C', 'D', 'E'], queries);
    expect(reqs.map((r) => r.key)).toEqual(['cold', 'cursor', 'insert', 'remove', 'swap', 'back']);
    expect(reqs.map((r) => r.docs.join(''))).toEqual(['ABCD', 'ABCD', 'EABCD', 'EACD', 'ECAD', 'ABCD']);
    expect(reqs.map((r) => r.newDocs.join(''))).toEqual(['ABCD', '', 'E', '', '', '']);
    // Every request after the cold one has its own cursor position.
    expect(new Set(reqs.map((r) => r.query.prefix)).size).toBe(reqs.length);
    expect(reqs[1]!.query).toBe(queries[1]);
  });

  it('has a two-document quick sequence and rejects other counts', () => {
    const reqs = buildRequests(['A', 'B'], queries);
    expect(reqs.map((r) => `${r.key}:${r.docs.join('')}:${r.newDocs.join('')}`)).toEqual(['cold:AB:AB', 'cursor:AB:', 'swap:BA:', 'back:AB:']);
    expect(() => buildRequests(['A', 'B', 'C'], queries)).toThrow(RangeError);
    expect(() => buildRequests(['A', 'B'], queries.slice(0, 2))).toThrow(RangeError);
  });

  it('has a query-alone request without documents', () => {
    expect(queryAloneRequest(queries[1]!)).toMatchObject({ key: 'alone', docs: [], newDocs: [], query: queries[1] });
  });
});

const requests: RequestInfo[] = buildRequests(['A', 'B', 'C', 'D', 'E'], queries).map(({ key, title, docs, newDocs }) => ({ key, title, docs, newDocs }));

function mode(m: ModeResult['mode'], ms: Record<string, number>): ModeResult {
  return {
    mode: m,
    measurements: Object.entries(ms).map(([request, ttftMs]) => ({ request, ttftMs, wallMs: ttftMs, promptTokens: 100, computed: 10, reused: 90 })),
  };
}

const results: ModeResult[] = [
  mode('full', { cold: 20000, cursor: 20000, insert: 25000, remove: 20000, swap: 20000, back: 20000 }),
  mode('prefix', { cold: 20000, cursor: 1000, insert: 25000, remove: 15000, swap: 18000, back: 20000 }),
  mode('sparse', { cold: 15000, cursor: 1000, insert: 5000, remove: 1200, swap: 1600, back: 2500 }),
  mode('sparse-disk', { cold: 15000, cursor: 1100, insert: 5000, remove: 1200, swap: 1300, back: 21000 }),
];

describe('bars', () => {
  const bars = computeBars(requests, results);

  it('checks each request without a new document against the cursor-moved time', () => {
    const within = bars.filter((b) => b.id === 'within-1.5x-cursor');
    expect(within.map((b) => [b.scope, b.measured, b.pass])).toEqual([
      ['remove', 1.2, true],
      ['swap', 1.6, false],
      ['back', 2.5, false],
    ]);
  });

  it('checks the speed-up over full on the same requests, cursor included', () => {
    const full = bars.filter((b) => b.id === '10x-full');
    expect(full.map((b) => b.scope)).toEqual(['cursor', 'remove', 'swap', 'back']);
    expect(full.find((b) => b.scope === 'cursor')!.measured).toBe(20);
    expect(full.find((b) => b.scope === 'back')!.pass).toBe(false);
  });

  it('compares prefix and sparse summed over the requests after the cold one', () => {
    const p = bars.find((b) => b.id === '4x-prefix')!;
    expect(p.measured).toBeCloseTo((1000 + 25000 + 15000 + 18000 + 20000) / (1000 + 5000 + 1200 + 1600 + 2500));
    expect(p.pass).toBe(true);
  });

  it('checks disk against recomputing (full), strictly faster', () => {
    const d = bars.filter((b) => b.id === 'disk-beats-recompute');
    expect(d.map((b) => [b.scope, b.pass])).toEqual([
      ['cursor', true],
      ['remove', true],
      ['swap', true],
      ['back', false],
    ]);
    const own = bars.filter((b) => b.id === 'disk-beats-block-compute');
    expect(own.map((b) => [b.scope, b.measured])).toEqual([
      ['cursor', 1100 / 15000],
      ['back', 21000 / 15000],
    ]);
  });

  it('skips bars whose modes were not measured', () => {
    expect(computeBars(requests, results.filter((r) => r.mode === 'sparse')).map((b) => b.id)).toEqual([
      'within-1.5x-cursor',
      'within-1.5x-cursor',
      'within-1.5x-cursor',
    ]);
  });

  it('computes ratios over a reference mode', () => {
    const s = speedups(requests, results, 'sparse');
    expect(s.cursor).toEqual({ full: 20, prefix: 1, 'sparse-disk': 1.1 });
    expect(s.cold!.sparse).toBeUndefined();
  });
});

describe('repetitions and the README ratios', () => {
  it('takes the median per request over the runs, keeps every run, and the other fields of the run nearest the median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const run = (ms: number, computed: number): ModeResult[] => [{ mode: 'sparse', measurements: [{ request: 'cold', ttftMs: ms, wallMs: ms + 1, promptTokens: 100, computed, reused: 0 }] }];
    const merged = medianResults([run(300, 1), run(100, 2), run(200, 3)]);
    const cold = merged.find((r) => r.mode === 'sparse')!.measurements[0]!;
    expect(cold).toMatchObject({ ttftMs: 200, wallMs: 201, computed: 3, runsMs: [300, 100, 200] });
    expect(merged.find((r) => r.mode === 'full')!.measurements).toEqual([]);
  });

  it('states sparse vs llama-server after cold, each request without a new document vs cursor, and disk vs recompute', () => {
    const server = mode('llama-server', { cold: 15000, cursor: 1000, insert: 30000, remove: 1000, swap: 12000, back: 3000 });
    const r = headlineRatios(requests, [...results, server]);
    expect(r.sparseVsServer).toBeCloseTo((1000 + 30000 + 1000 + 12000 + 3000) / (1000 + 5000 + 1200 + 1600 + 2500));
    expect(r.noNewVsCursor).toEqual({ remove: 1.2, swap: 1.6, back: 2.5 });
    expect(r.diskVsRecompute).toBeCloseTo((1100 + 1200 + 1300 + 21000) / (20000 * 4));
    expect(headlineRatios(requests, results).sparseVsServer).toBeNull();
    const bar = computeBars(requests, [...results, server]).find((b) => b.id === '4x-llama-server')!;
    expect(bar.measured).toBeCloseTo(r.sparseVsServer!);
    expect(bar.pass).toBe(true);
    const md = renderMarkdown({ title: 't', requests, results: [...results, server], bars: [], notes: [], ratios: r });
    expect(md).toContain('sparse vs llama-server, requests after cold');
    expect(md).toContain('remove 1.20x, swap 1.60x, back 2.50x');
  });
});

describe('writers', () => {
  const withServer: ModeResult[] = [...results, { mode: 'llama-server', measurements: [], skipped: 'not built' }];

  it('writes a Markdown table with one row per request and one column per measured mode', () => {
    const md = renderMarkdown({ title: 'T', requests, results: withServer, bars: computeBars(requests, results), notes: ['a note'] });
    const lines = md.split('\n');
    expect(lines[0]).toBe('### T');
    expect(md).toContain('| request | docs | prompt tokens | full | prefix | sparse (memory) | sparse (disk) | full / sparse |');
    expect(md).toContain('| cursor moved | A B C D | 100 | 20.0 | 1.00 | 1.00 | 1.10 | 20.0x |');
    expect(md).toContain('| sparse swap / sparse cursor | swap | 1.60 | <= 1.5 | MISS |');
    expect(md).toContain('| sparse remove / sparse cursor | remove | 1.20 | <= 1.5 | pass |');
    expect(md).toContain('- llama-server: skipped (not built).');
    expect(md).toContain('- a note');
    expect(md).not.toContain('llama-server |');
  });

  it('writes a well-formed SVG with a bar per measured value and escaped text', () => {
    const svg = renderSvg({ title: 'a < b & "c"', requests, results: withServer });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(24);
    expect(svg).not.toContain('NaN');
    // Log axis spans whole decades around 1 s .. 25 s.
    expect(svg).toContain('>1 s<');
    expect(svg).toContain('>100 s<');
  });

  it('renders an empty chart without failing', () => {
    const svg = renderSvg({ title: 'empty', requests, results: [] });
    expect(svg).toContain('</svg>');
    expect(svg).not.toContain('NaN');
  });
});

describe('llama-server command line', () => {
  it('uses one slot, cache reuse 256 and the host-memory prompt cache', () => {
    const args = serverArgs({ model: 'm.gguf', ctxSize: 8192, threads: 2 }, 1234);
    const at = (flag: string) => args[args.indexOf(flag) + 1];
    expect(at('-m')).toBe('m.gguf');
    expect(at('--host')).toBe('127.0.0.1');
    expect(at('-np')).toBe('1');
    expect(at('--cache-reuse')).toBe('256');
    expect(Number(at('--cache-ram'))).toBeGreaterThan(0);
    expect(at('-c')).toBe('8192');
    expect(args).not.toContain('--api-key');
    expect(args).not.toContain('-b');
  });

  it('serves several editors at once when asked: slots, batch size and an API key', () => {
    const args = serverArgs({ model: 'm.gguf', ctxSize: 8192, threads: 2, parallel: 4, batchSize: 512, apiKey: 'k' }, 1234);
    const at = (flag: string) => args[args.indexOf(flag) + 1];
    expect([at('-np'), at('-b'), at('-ub'), at('--api-key')]).toEqual(['4', '512', '512', 'k']);
  });
});
