// Use-def analysis latency (issue 13 item 1: the query, the code at the cursor of 300 lines, within 5 ms warm).
//   npm run bench:usedef [-- --reps 200]      writes results/usedef-bench.json
// "typing": each query is the previous text with one more char (the incremental path an editor takes);
// "open": typing a call whose brackets stay open at the cursor, in the middle of the file (each query also parses
// the text with them closed); "fresh": a text the analyzer has no tree for (a full parse); "document": an attached
// document's one-time analysis.
// Wall time and the process's CPU time are both recorded: on a loaded machine wall time mostly measures the queue.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UseDefAnalyzer } from '../../assistant/analysis';

const TARGET_MS = 5;
const LINES = 300;
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Deterministic TypeScript of `lines` lines: classes with fields and methods, functions, closures, destructuring, imports. */
export function syntheticCode(lines: number, seed = 1): string {
  const out = ["import { parse, Table } from './csv';", "import * as util from './csv';", ''];
  let i = seed;
  while (out.length < lines) {
    const n = i++;
    out.push(
      `export class Store${n} {`,
      `  items: string[] = [];`,
      `  constructor(private readonly name${n}: string) { this.count = 0; }`,
      `  add(item: string): number {`,
      `    const { length } = this.items;`,
      `    this.items.push(item + this.name${n});`,
      `    return length + this.count;`,
      `  }`,
      `}`,
      `function build${n}(text: string, [first, second = first]: string[] = []) {`,
      `  const store = new Store${n}(first);`,
      `  const rows = parse(text).map((row, index) => ({ row, index }));`,
      `  for (const { row } of rows) store.add(row + second);`,
      `  const table = new Table(rows.map((r) => r.row));`,
      `  return () => util.parse(table.render() + store.add(text));`,
      `}`,
      '',
    );
  }
  return out.slice(0, lines).join('\n');
}

const DOCUMENT = [
  'export function parse(text: string): string[] {',
  "  return text.split('\\n').map((line) => line.trim());",
  '}',
  'export class Table {',
  '  constructor(private readonly rows: string[]) {}',
  "  render(): string { return this.rows.join(','); }",
  '}',
].join('\n');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(samples: { wall: number; cpu: number }[]) {
  const wall = samples.map((s) => s.wall).sort((a, b) => a - b);
  const cpu = samples.map((s) => s.cpu).sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { n: samples.length, wallMs: { p50: r(percentile(wall, 50)), p95: r(percentile(wall, 95)) }, cpuMs: { p50: r(percentile(cpu, 50)), p95: r(percentile(cpu, 95)) } };
}

function timed(run: () => void): { wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  run();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

async function main(argv: string[]): Promise<void> {
  const repsAt = argv.indexOf('--reps');
  const reps = repsAt >= 0 ? Number(argv[repsAt + 1]) : 200;
  if (!Number.isInteger(reps) || reps < 10) throw new Error('--reps must be an integer of at least 10');
  const analyzer = await UseDefAnalyzer.create();
  const documents = [{ file: 'src/csv.ts', text: DOCUMENT }];
  const base = syntheticCode(LINES);

  const document = timed(() => analyzer.analyze({ file: 'src/warm.ts', code: '' }, documents));
  let code = base;
  let edges = 0;
  const typing: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < reps + 20; i++) {
    // One keystroke somewhere in the file, as the user types along.
    const at = code.indexOf('\n', Math.floor(((i * 7919) % 1000) / 1000 * code.length));
    code = `${code.slice(0, at)} ${code.slice(at)}`;
    const sample = timed(() => { edges = analyzer.analyze({ file: 'src/main.ts', code }, documents).edges.length; });
    if (i >= 20) typing.push(sample);
  }
  const middle = base.indexOf('\n  return () =>', base.length / 2);
  const [before, after] = [base.slice(0, middle), base.slice(middle)];
  const call = `\n  const v = build1(text, [first, parse(${'second + '.repeat(Math.ceil(reps / 9))}`;
  const open: { wall: number; cpu: number }[] = [];
  for (let n = 1; n <= reps + 20; n++) {
    const prefix = before + call.slice(0, n);
    const sample = timed(() => analyzer.analyze({ file: 'src/open.ts', prefix, suffix: after }, documents));
    if (n > 20) open.push(sample);
  }
  const fresh: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < Math.max(10, Math.floor(reps / 4)); i++) {
    const text = `${base}\n// ${i}`;
    fresh.push(timed(() => analyzer.analyze({ file: `src/fresh${i}.ts`, code: text }, documents)));
  }
  analyzer.dispose();

  const result = {
    when: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', loadAverage1m: os.loadavg()[0] ?? 0, node: process.version },
    lines: LINES,
    chars: base.length,
    edges,
    targetMs: TARGET_MS,
    typing: summary(typing),
    open: summary(open),
    fresh: summary(fresh),
    documentFirstAnalysisMs: Math.round(document.wall * 1000) / 1000,
  };
  await mkdir(path.join(root, 'results'), { recursive: true });
  await writeFile(path.join(root, 'results', 'usedef-bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  const line = (name: string, s: ReturnType<typeof summary>) => `${name.padEnd(8)} wall p50 ${s.wallMs.p50} ms, p95 ${s.wallMs.p95} ms; cpu p50 ${s.cpuMs.p50} ms, p95 ${s.cpuMs.p95} ms (n=${s.n})`;
  console.log(`use-def query, ${LINES} lines (${base.length} chars), ${edges} edges; target ${TARGET_MS} ms; load ${result.machine.loadAverage1m.toFixed(1)} on ${result.machine.cpus} cores`);
  console.log(line('typing', result.typing));
  console.log(`${line('open', result.open)}; ${(result.open.cpuMs.p50 / result.typing.cpuMs.p50).toFixed(2)}x typing's cpu p50`);
  console.log(line('fresh', result.fresh));
  console.log(`document first analysis ${result.documentFirstAnalysisMs} ms; results/usedef-bench.json`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main(process.argv.slice(2));
