// The loss curve of a training run (train-log.jsonl, README "Run record") as a standalone SVG line chart:
// train loss and eval loss (and its sparse and dense parts when logged) against tokens seen.
import fs from 'node:fs';

export interface LogEntry {
  step: number;
  tokens: number;
  trainLoss?: number | null;
  evalLoss?: number | null;
  evalLossSparse?: number | null;
  evalLossDense?: number | null;
  lr?: number;
  seconds?: number;
  final?: boolean;
}

export class PlotError extends Error {
  override readonly name = 'PlotError';
}

/** One entry per non-empty line; a line that is not an entry is an error naming it. */
export function parseTrainLog(text: string, source = 'train-log.jsonl'): LogEntry[] {
  const out: LogEntry[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let e: LogEntry;
    try {
      e = JSON.parse(line) as LogEntry;
    } catch (err) {
      throw new PlotError(`${source}:${i + 1}: not JSON (${(err as Error).message})`);
    }
    if (typeof e !== 'object' || e === null || typeof e.step !== 'number' || typeof e.tokens !== 'number') {
      throw new PlotError(`${source}:${i + 1}: an entry needs numeric step and tokens`);
    }
    out.push(e);
  });
  return out;
}

export interface ChartOptions {
  title?: string;
  width?: number;
  height?: number;
}

interface Series {
  label: string;
  key: 'trainLoss' | 'evalLoss' | 'evalLossSparse' | 'evalLossDense';
  color: string;
  dash?: string;
  dots: boolean;
}

const SERIES: Series[] = [
  { label: 'train', key: 'trainLoss', color: '#1f77b4', dots: false },
  { label: 'eval', key: 'evalLoss', color: '#d62728', dots: true },
  { label: 'eval, block-sparse rows', key: 'evalLossSparse', color: '#ff7f0e', dash: '6 3', dots: true },
  { label: 'eval, dense rows', key: 'evalLossDense', color: '#2ca02c', dash: '2 3', dots: true },
];

/** Tick values at 1, 2 or 5 times a power of ten, about `count` of them across [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const pow = 10 ** Math.floor(Math.log10((hi - lo) / count));
  const ticksFor = (step: number): number[] => {
    const ticks: number[] = [];
    for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toPrecision(12)));
    return ticks;
  };
  // The step whose tick count is closest to `count` (the smaller step on a tie).
  let best = ticksFor(10 * pow);
  for (const m of [5, 2, 1]) {
    const t = ticksFor(m * pow);
    if (Math.abs(t.length - count) <= Math.abs(best.length - count)) best = t;
  }
  return best;
}

export function formatTokens(n: number): string {
  if (n >= 1e9) return `${+(n / 1e9).toPrecision(3)}B`;
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return String(n);
}

const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function lossChartSvg(entries: readonly LogEntry[], options: ChartOptions = {}): string {
  const width = options.width ?? 720;
  const height = options.height ?? 420;
  const m = { left: 60, right: 20, top: options.title ? 40 : 20, bottom: 50 };
  const points = SERIES.map((s) => ({
    s,
    pts: entries.filter((e) => typeof e[s.key] === 'number' && Number.isFinite(e[s.key])).map((e) => [e.tokens, e[s.key] as number] as const),
  })).filter((p) => p.pts.length > 0);
  if (points.length === 0) throw new PlotError('no losses to plot');
  const xs = points.flatMap((p) => p.pts.map(([x]) => x));
  const ys = points.flatMap((p) => p.pts.map(([, y]) => y));
  const x0 = 0;
  const x1 = Math.max(...xs) || 1;
  const yPad = (Math.max(...ys) - Math.min(...ys)) * 0.05 || 0.5;
  const y0 = Math.max(0, Math.min(...ys) - yPad);
  const y1 = Math.max(...ys) + yPad;
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const sx = (x: number): number => m.left + ((x - x0) / (x1 - x0)) * plotW;
  const sy = (y: number): number => m.top + (1 - (y - y0) / (y1 - y0)) * plotH;
  const f = (v: number): string => v.toFixed(1);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  if (options.title) out.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${escapeXml(options.title)}</text>`);
  for (const t of niceTicks(y0, y1)) {
    out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${t}</text>`);
  }
  for (const t of niceTicks(x0, x1)) {
    out.push(`<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${m.top + plotH}" y2="${m.top + plotH + 5}" stroke="#333"/>`);
    out.push(`<text x="${f(sx(t))}" y="${m.top + plotH + 18}" text-anchor="middle">${formatTokens(t)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.left + plotW / 2}" y="${height - 10}" text-anchor="middle">tokens</text>`);
  out.push(`<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">loss (nats per token)</text>`);
  for (const { s, pts } of points) {
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(`<polyline data-series="${s.key}" fill="none" stroke="${s.color}" stroke-width="1.8"${dash} points="${pts.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(' ')}"/>`);
    if (s.dots) for (const [x, y] of pts) out.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="2.5" fill="${s.color}"/>`);
  }
  // Legend top right, on a white box so a curve passing under it stays readable.
  const legendX = width - m.right - 196;
  out.push(`<rect x="${legendX}" y="${m.top + 2}" width="192" height="${points.length * 16 + 6}" fill="#fff" fill-opacity="0.85"/>`);
  points.forEach(({ s }, i) => {
    const y = m.top + 14 + i * 16;
    const x = legendX + 6;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(`<line x1="${x}" x2="${x + 24}" y1="${y - 4}" y2="${y - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${x + 30}" y="${y}">${escapeXml(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Reads a train-log.jsonl and writes its chart to `svgPath`. */
export function writeLossChart(logPath: string, svgPath: string, options: ChartOptions = {}): void {
  let text: string;
  try {
    text = fs.readFileSync(logPath, 'utf8');
  } catch (err) {
    throw new PlotError(`cannot read ${logPath}: ${(err as Error).message}`);
  }
  fs.writeFileSync(svgPath, lossChartSvg(parseTrainLog(text, logPath), options));
}
