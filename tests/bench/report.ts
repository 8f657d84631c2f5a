// Pure parts of the benchmark's output: the bars the issue sets, the Markdown table and the SVG
// chart. Everything here is computed from measurements passed in; nothing is timed here.

export const MODES = ['full', 'prefix', 'sparse', 'sparse-disk', 'llama-server'] as const;
export type ModeKey = (typeof MODES)[number];

export const MODE_LABELS: Record<ModeKey, string> = {
  full: 'full',
  prefix: 'prefix',
  sparse: 'sparse (memory)',
  'sparse-disk': 'sparse (disk)',
  'llama-server': 'llama-server',
};

export interface Measurement {
  /** Request key (cold, cursor, ..., alone). */
  request: string;
  /** Time to first token: from the call until the first generated token is known. */
  ttftMs: number;
  /** Wall time of the whole request (all generated tokens). */
  wallMs: number;
  promptTokens: number;
  /** Prompt tokens decoded for this request, as the engine (or server) reports it; null when not reported. */
  computed: number | null;
  /** Prompt tokens taken from a cache (memory, disk or the previous request). */
  reused: number | null;
  /** llama-server only: its own `timings.prompt_ms`. */
  serverPromptMs?: number;
  /** Engine only: how many document blocks came from each source (resident, shifted, memory, disk, computed). */
  blockSources?: Record<string, number>;
  /** Engine only: where the time went (restore, shift, document and query decode, sampling; ms) and the prompt's decode calls. */
  phases?: Record<string, number>;
  /** With repetitions: the time to first token of every run, in run order; `ttftMs` is their median. */
  runsMs?: number[];
}

export interface ModeResult {
  mode: ModeKey;
  measurements: Measurement[];
  /** Why the mode has no measurements (e.g. llama-server not built). */
  skipped?: string;
}

export interface RequestInfo {
  key: string;
  title: string;
  docs: string[];
  newDocs: string[];
}

export interface Bar {
  id: string;
  text: string;
  /** Measured value and the bound it is compared with. */
  measured: number;
  bound: number;
  /** '<=' means measured must not exceed bound; '>=' means it must reach it; '<' strictly below. */
  op: '<=' | '>=' | '<';
  pass: boolean;
  /** Request the value belongs to, or 'workload'. */
  scope: string;
}

function ttft(results: readonly ModeResult[], mode: ModeKey, request: string): number | null {
  const m = results.find((r) => r.mode === mode)?.measurements.find((x) => x.request === request);
  return m ? m.ttftMs : null;
}

function check(measured: number, op: Bar['op'], bound: number): boolean {
  if (op === '<=') return measured <= bound;
  if (op === '>=') return measured >= bound;
  return measured < bound;
}

/**
 * Pure: the issue's bars, from the measurements.
 * - every request after the cold one that brings no new document, sparse (memory) within 1.5x of its cursor-moved time;
 * - on those requests (cursor moved included), sparse at least 10x faster than full;
 * - over the workload after the cold request, sparse at least 4x faster than prefix (sum of times);
 * - sparse with blocks on disk faster than full (recomputing) on those requests, and, where the
 *   request has the cold request's documents, faster than that cold request (which computed the blocks).
 */
export function computeBars(requests: readonly RequestInfo[], results: readonly ModeResult[]): Bar[] {
  const bars: Bar[] = [];
  const warm = requests.slice(1);
  const noNew = warm.filter((r) => r.newDocs.length === 0);
  const cursorMs = ttft(results, 'sparse', 'cursor');
  for (const r of noNew) {
    const s = ttft(results, 'sparse', r.key);
    if (s === null) continue;
    if (cursorMs !== null && r.key !== 'cursor') {
      const v = s / cursorMs;
      bars.push({ id: 'within-1.5x-cursor', text: `sparse ${r.key} / sparse cursor`, measured: v, bound: 1.5, op: '<=', pass: check(v, '<=', 1.5), scope: r.key });
    }
    const f = ttft(results, 'full', r.key);
    if (f !== null) {
      const v = f / s;
      bars.push({ id: '10x-full', text: `full ${r.key} / sparse ${r.key}`, measured: v, bound: 10, op: '>=', pass: check(v, '>=', 10), scope: r.key });
    }
  }
  const sum = (mode: ModeKey): number | null => {
    let total = 0;
    for (const r of warm) {
      const t = ttft(results, mode, r.key);
      if (t === null) return null;
      total += t;
    }
    return total;
  };
  const prefixSum = sum('prefix');
  const sparseSum = sum('sparse');
  if (prefixSum !== null && sparseSum !== null && warm.length > 0) {
    const v = prefixSum / sparseSum;
    bars.push({ id: '4x-prefix', text: 'sum prefix / sum sparse, requests after cold', measured: v, bound: 4, op: '>=', pass: check(v, '>=', 4), scope: 'workload' });
  }
  const serverSum = sum('llama-server');
  if (serverSum !== null && sparseSum !== null && warm.length > 0) {
    const v = serverSum / sparseSum;
    bars.push({ id: '4x-llama-server', text: 'sum llama-server / sum sparse, requests after cold', measured: v, bound: 4, op: '>=', pass: check(v, '>=', 4), scope: 'workload' });
  }
  const cold = requests[0];
  const diskCold = cold ? ttft(results, 'sparse-disk', cold.key) : null;
  const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();
  for (const r of noNew) {
    const d = ttft(results, 'sparse-disk', r.key);
    if (d === null) continue;
    const f = ttft(results, 'full', r.key);
    if (f !== null) {
      const v = d / f;
      bars.push({ id: 'disk-beats-recompute', text: `sparse-disk ${r.key} / full ${r.key}`, measured: v, bound: 1, op: '<', pass: check(v, '<', 1), scope: r.key });
    }
    // Same documents as the cold request, which computed (and wrote) every block: reading vs computing them.
    if (cold && diskCold !== null && sameSet(r.docs, cold.docs)) {
      const v = d / diskCold;
      bars.push({ id: 'disk-beats-block-compute', text: `sparse-disk ${r.key} / sparse-disk cold`, measured: v, bound: 1, op: '<', pass: check(v, '<', 1), scope: r.key });
    }
  }
  return bars;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Pure: one result per mode from several runs of the same sequence: per request, the median time to first
 * token and wall time, every run's time in `runsMs`, the other fields (tokens, block sources, phases) from
 * the run whose time is nearest the median.
 */
export function medianResults(runs: readonly (readonly ModeResult[])[]): ModeResult[] {
  return MODES.map((mode) => {
    const perRun = runs.map((run) => run.find((r) => r.mode === mode));
    const skipped = perRun.find((r) => r?.skipped)?.skipped;
    const keys = perRun[0]?.measurements.map((m) => m.request) ?? [];
    const measurements = keys.flatMap((key) => {
      const ms = perRun.map((r) => r?.measurements.find((m) => m.request === key)).filter((m): m is Measurement => m !== undefined);
      if (ms.length === 0) return [];
      const ttftMs = median(ms.map((m) => m.ttftMs));
      const nearest = ms.reduce((a, b) => (Math.abs(b.ttftMs - ttftMs) < Math.abs(a.ttftMs - ttftMs) ? b : a));
      return [{ ...nearest, ttftMs, wallMs: median(ms.map((m) => m.wallMs)), runsMs: ms.map((m) => m.ttftMs) }];
    });
    return { mode, measurements, ...(skipped ? { skipped } : {}) };
  });
}

/** The README's three ratios (issue 11 part 2); null where a mode was not measured. */
export interface HeadlineRatios {
  /** llama-server's time over sparse's, summed over the requests after the cold one (goal >= 4). */
  sparseVsServer: number | null;
  /** sparse's time on each request without a new document over its cursor-moved time. */
  noNewVsCursor: Record<string, number>;
  /** Blocks read from disk vs recomputed: sparse (disk) over full, summed over the requests without a new document. */
  diskVsRecompute: number | null;
}

/** Pure: the three ratios, from the (median) results. */
export function headlineRatios(requests: readonly RequestInfo[], results: readonly ModeResult[]): HeadlineRatios {
  const warm = requests.slice(1);
  const noNew = warm.filter((r) => r.newDocs.length === 0);
  const sum = (mode: ModeKey, over: readonly RequestInfo[]): number | null => {
    let total = 0;
    for (const r of over) {
      const t = ttft(results, mode, r.key);
      if (t === null) return null;
      total += t;
    }
    return over.length > 0 ? total : null;
  };
  const div = (a: number | null, b: number | null): number | null => (a !== null && b !== null && b > 0 ? a / b : null);
  const cursor = ttft(results, 'sparse', 'cursor');
  const noNewVsCursor: Record<string, number> = {};
  for (const r of noNew) {
    const t = ttft(results, 'sparse', r.key);
    if (r.key !== 'cursor' && t !== null && cursor !== null && cursor > 0) noNewVsCursor[r.key] = t / cursor;
  }
  return { sparseVsServer: div(sum('llama-server', warm), sum('sparse', warm)), noNewVsCursor, diskVsRecompute: div(sum('sparse-disk', noNew), sum('full', noNew)) };
}

/** Pure: `a / b` for every request and mode pair the table shows (speed-ups of sparse). */
export function speedups(requests: readonly RequestInfo[], results: readonly ModeResult[], over: ModeKey): Record<string, Partial<Record<ModeKey, number>>> {
  const out: Record<string, Partial<Record<ModeKey, number>>> = {};
  for (const r of requests) {
    const base = ttft(results, over, r.key);
    if (base === null) continue;
    const row: Partial<Record<ModeKey, number>> = {};
    for (const mode of MODES) {
      const t = ttft(results, mode, r.key);
      if (t !== null && mode !== over) row[mode] = t / base;
    }
    out[r.key] = row;
  }
  return out;
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return s >= 10 ? s.toFixed(1) : s >= 1 ? s.toFixed(2) : s.toFixed(3);
}

function ratio(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function tokensCell(m: Measurement | undefined): string {
  if (!m) return '';
  const c = m.computed === null ? '?' : String(m.computed);
  const r = m.reused === null ? '?' : String(m.reused);
  return `${c} / ${r}`;
}

/** Pure: the Markdown section (tables of time to first token, tokens, bars). */
export function renderMarkdown(input: {
  title: string;
  requests: readonly RequestInfo[];
  results: readonly ModeResult[];
  bars: readonly Bar[];
  notes: readonly string[];
  ratios?: HeadlineRatios;
}): string {
  const { requests, results, bars } = input;
  const present = MODES.filter((m) => results.some((r) => r.mode === m && r.measurements.length > 0));
  const find = (mode: ModeKey, key: string) => results.find((r) => r.mode === mode)?.measurements.find((m) => m.request === key);
  const lines: string[] = [`### ${input.title}`, ''];
  lines.push('Time to first token, seconds (lower is better):', '');
  lines.push(`| request | docs | prompt tokens | ${present.map((m) => MODE_LABELS[m]).join(' | ')} | full / sparse |`);
  lines.push(`|---|---|---:|${present.map(() => '---:').join('|')}|---:|`);
  for (const r of requests) {
    const cells = present.map((m) => {
      const x = find(m, r.key);
      return x ? seconds(x.ttftMs) : '';
    });
    const prompt = present.map((m) => find(m, r.key)?.promptTokens).find((n) => n !== undefined);
    const f = find('full', r.key);
    const s = find('sparse', r.key);
    const sp = f && s ? `${ratio(f.ttftMs / s.ttftMs)}x` : '';
    lines.push(`| ${r.title} | ${r.docs.join(' ') || '-'} | ${prompt ?? ''} | ${cells.join(' | ')} | ${sp} |`);
  }
  lines.push('', 'Prompt tokens computed / reused:', '');
  lines.push(`| request | ${present.map((m) => MODE_LABELS[m]).join(' | ')} |`);
  lines.push(`|---|${present.map(() => '---:').join('|')}|`);
  for (const r of requests) {
    lines.push(`| ${r.title} | ${present.map((m) => tokensCell(find(m, r.key))).join(' | ')} |`);
  }
  if (bars.length > 0) {
    lines.push('', 'Bars:', '');
    lines.push('| bar | request | measured | bound | result |');
    lines.push('|---|---|---:|---:|---|');
    for (const b of bars) {
      lines.push(`| ${b.text} | ${b.scope} | ${ratio(b.measured)} | ${b.op} ${b.bound} | ${b.pass ? 'pass' : 'MISS'} |`);
    }
  }
  if (input.ratios) {
    const r = input.ratios;
    const x = (v: number | null): string => (v === null ? 'not measured' : `${ratio(v)}x`);
    const noNew = Object.entries(r.noNewVsCursor).map(([k, v]) => `${k} ${ratio(v)}x`).join(', ');
    lines.push('', 'Ratios:', '');
    lines.push(`- sparse vs llama-server, requests after cold (llama-server time / sparse time; goal >= 4): ${x(r.sparseVsServer)}`);
    lines.push(`- sparse on requests without a new document vs cursor moved (time / cursor-moved time): ${noNew || 'not measured'}`);
    lines.push(`- disk vs recompute, requests without a new document (sparse (disk) time / full time): ${x(r.diskVsRecompute)}`);
  }
  const runs = results.flatMap((r) => r.measurements).find((m) => m.runsMs)?.runsMs?.length;
  if (runs) lines.push('', `Times are medians of ${runs} runs (every run in the JSON, \`runsMs\`).`);
  const skipped = results.filter((r) => r.skipped);
  if (skipped.length > 0 || input.notes.length > 0) lines.push('');
  for (const r of skipped) lines.push(`- ${MODE_LABELS[r.mode]}: skipped (${r.skipped}).`);
  for (const n of input.notes) lines.push(`- ${n}`);
  lines.push('');
  return lines.join('\n');
}

const COLORS: Record<ModeKey, string> = {
  full: '#888888',
  prefix: '#e69f00',
  sparse: '#0072b2',
  'sparse-disk': '#56b4e9',
  'llama-server': '#d55e00',
};

function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Pure: a grouped bar chart (one group per request, one bar per mode), log-scale seconds, values labelled. */
export function renderSvg(input: { title: string; requests: readonly RequestInfo[]; results: readonly ModeResult[] }): string {
  const { requests, results } = input;
  const present = MODES.filter((m) => results.some((r) => r.mode === m && r.measurements.length > 0));
  const values: { req: number; mode: number; key: ModeKey; ms: number }[] = [];
  requests.forEach((r, i) => {
    present.forEach((mode, j) => {
      const t = ttft(results, mode, r.key);
      if (t !== null && t > 0) values.push({ req: i, mode: j, key: mode, ms: t });
    });
  });
  const barW = 16;
  const groupW = Math.max(1, present.length) * barW + 24;
  const left = 60;
  const top = 80;
  const plotH = 320;
  const legendW = 130;
  const width = Math.max(left + Math.max(1, requests.length) * groupW, left + present.length * legendW) + 20;
  const height = top + plotH + 70;
  // Log scale over whole decades that hold every value.
  const lo = values.length ? Math.floor(Math.log10(Math.min(...values.map((v) => v.ms)))) : 1;
  const hi = values.length ? Math.ceil(Math.log10(Math.max(...values.map((v) => v.ms)))) : 2;
  const span = Math.max(1, hi - lo);
  const y = (ms: number) => top + plotH - ((Math.log10(ms) - lo) / span) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${esc(input.title)}</text>`,
    `<text x="${left}" y="36" fill="#555">time to first token in seconds, log scale (lower is better)</text>`,
  ];
  for (let d = lo; d <= lo + span; d++) {
    const yy = y(10 ** d);
    const label = 10 ** d >= 1000 ? `${10 ** (d - 3)} s` : `${10 ** d} ms`;
    out.push(`<line x1="${left}" x2="${width - 20}" y1="${yy.toFixed(1)}" y2="${yy.toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${(yy + 4).toFixed(1)}" text-anchor="end" fill="#555">${label}</text>`);
  }
  for (const v of values) {
    const x = left + v.req * groupW + 12 + v.mode * barW;
    const yy = y(v.ms);
    const base = top + plotH;
    out.push(`<rect x="${x}" y="${yy.toFixed(1)}" width="${barW - 2}" height="${Math.max(0.5, base - yy).toFixed(1)}" fill="${COLORS[v.key]}"><title>${esc(`${requests[v.req]!.title}, ${MODE_LABELS[v.key]}: ${seconds(v.ms)} s`)}</title></rect>`);
    const tx = x + (barW - 2) / 2;
    out.push(`<text x="${tx.toFixed(1)}" y="${(yy - 3).toFixed(1)}" transform="rotate(-90 ${tx.toFixed(1)} ${(yy - 3).toFixed(1)})" font-size="9">${seconds(v.ms)}</text>`);
  }
  requests.forEach((r, i) => {
    const cx = left + i * groupW + groupW / 2;
    out.push(`<text x="${cx.toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle">${esc(r.key)}</text>`);
  });
  present.forEach((mode, j) => {
    const lx = left + j * legendW;
    const ly = top + plotH + 40;
    out.push(`<rect x="${lx}" y="${ly}" width="12" height="12" fill="${COLORS[mode]}"/>`);
    out.push(`<text x="${lx + 16}" y="${ly + 10}">${esc(MODE_LABELS[mode])}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
