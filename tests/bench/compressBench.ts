// Issue 16: what quantization and 2:4 pruning cost, alone and together, for Steerway's own model.
//   npx tsx tests/bench/compressBench.ts --weights out/training/h200-1 --corpus-run out/training/evalcorpus
//     [--samples <samples folder for the recovery fine-tune>] [--steps 10] [--out out/compress]
//     [--tasks 4] [--perplexity-files 8] [--reps 3] [--threads 2] [--results results/compress]
//   npx tsx tests/bench/compressBench.ts --speed-only [--reps 5] [--threads 2] [--results results/compress]
// Builds every variant from the f32 weights (export-cli, prune.py, steerway compress), then measures each: file
// size; time to first token and tokens/s of one fixed prompt (median of --reps, the prompt recomputed each time);
// perplexity and infill exact match / edit similarity from training's evaluation (evaluateModel). Writes compress.json and
// compress.md (the README's table) to --results. Outputs already built in --out are reused.
// --speed-only (for a quiet machine) measures time to first token and tokens/s again for every variant file of
// compress.json, nothing else, and rewrites only those columns and the footnote's load and runs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compressModel, createCompletionEngine, type QuantType } from '../../assistant/engine';
import { readCorpus } from '../../training/corpus/read';
import { evaluateModel } from '../../training/eval/evaluate';
import type { SourceFile } from '../../training/eval/tasks';
import { mb, median, renderMarkdown, speedTargets, withSpeeds, type CompressResults, type Quality, type Row, type Speed } from './compressReport';

const PYTHON = process.env.STEERWAY_PYTHON ?? (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const TSX = path.join('node_modules', '.bin', 'tsx');

/** The variants: which weights, and what llama.cpp quantization (null: the weights as exported). */
interface Variant {
  label: string;
  weights: 'dense' | 'pruned' | 'recovered';
  type: QuantType | null;
  /** The export's own Q8_0 (as shipped) instead of an f32 export. */
  exportQ8?: boolean;
}

const VARIANTS: Variant[] = [
  { label: 'dense F32', weights: 'dense', type: null },
  { label: 'dense Q8_0 (export)', weights: 'dense', type: null, exportQ8: true },
  { label: 'dense Q6_K', weights: 'dense', type: 'Q6_K' },
  { label: 'dense Q5_K_M', weights: 'dense', type: 'Q5_K_M' },
  { label: 'dense Q4_K_M', weights: 'dense', type: 'Q4_K_M' },
  { label: 'dense Q4_0', weights: 'dense', type: 'Q4_0' },
  { label: 'pruned 2:4 F32', weights: 'pruned', type: null },
  { label: 'pruned 2:4 Q4_K_M', weights: 'pruned', type: 'Q4_K_M' },
  { label: 'pruned 2:4 Q4_0', weights: 'pruned', type: 'Q4_0' },
  { label: 'pruned 2:4 + recovery F32', weights: 'recovered', type: null },
  { label: 'pruned 2:4 + recovery Q4_K_M', weights: 'recovered', type: 'Q4_K_M' },
  { label: 'pruned 2:4 + recovery Q4_0', weights: 'recovered', type: 'Q4_0' },
];

// A fixed prompt for the speed measurement: a real-looking TypeScript prefix (about 200 tokens).
const PREFIX = `import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface Config {
  name: string;
  version: string;
  dependencies: Record<string, string>;
}

/** Reads a package.json and returns its name, version and dependencies. */
export async function readConfig(folder: string): Promise<Config> {
  const text = await readFile(path.join(folder, 'package.json'), 'utf8');
  const json = JSON.parse(text) as Partial<Config>;
  if (typeof json.name !== 'string') throw new Error(\`\${folder}: package.json has no name\`);
  return {
    name: json.name,
    version: json.version ?? '0.0.0',
    dependencies: json.dependencies ?? {},
  };
}

export function sortedDependencies(config: Config): string[] {
  return `;
const SUFFIX = '\n}\n';

function run(what: string, command: string, args: string[]): string {
  console.error(`== ${what}: ${command} ${args.join(' ')}`);
  const r = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal})`);
  return r.stdout;
}

function loadavg(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

async function measureSpeed(modelPath: string, reps: number, threads: number): Promise<Speed> {
  const engine = await createCompletionEngine({ modelPath, cacheDir: null, threads });
  try {
    const request = { prefix: PREFIX, suffix: SUFFIX, documents: [], fileName: 'src/config.ts', mode: 'full' as const, maxTokens: 48, temperature: 0, stopAt: 'none' as const };
    await engine.complete(request); // warm-up: pages the weights in
    const runs: Speed['runs'] = [];
    let last = { promptTokens: 0, generatedTokens: 0 };
    for (let i = 0; i < reps; i++) {
      await engine.resetContext(); // the prompt is computed again each time
      const { report } = await engine.complete(request);
      runs.push({ timeToFirstTokenMs: report.timeToFirstTokenMs, tokensPerSecond: report.tokensPerSecond });
      last = { promptTokens: report.promptTokens, generatedTokens: report.generatedTokens };
    }
    return { timeToFirstTokenMs: median(runs.map((r) => r.timeToFirstTokenMs)), tokensPerSecond: median(runs.map((r) => r.tokensPerSecond)), ...last, runs };
  } finally {
    await engine.dispose();
  }
}

interface EvalEntry {
  label: string;
  report: {
    tokens: { perplexity: number; tokens: number };
    infill: Record<string, Record<string, { tasks: number; exactMatch: number; editSimilarity: number } | undefined>>;
  };
}

function quality(entry: EvalEntry): Quality {
  let tasks = 0;
  let em = 0;
  let es = 0;
  for (const kind of Object.values(entry.report.infill)) {
    const cell = kind['no-documents'];
    if (!cell) continue;
    tasks += cell.tasks;
    em += cell.exactMatch * cell.tasks;
    es += cell.editSimilarity * cell.tasks;
  }
  return { perplexity: entry.report.tokens.perplexity, tokensScored: entry.report.tokens.tokens, exactMatch: em / tasks, editSimilarity: es / tasks, tasks };
}

function writeResults(dir: string, results: CompressResults): string {
  const md = renderMarkdown(results);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'compress.json'), `${JSON.stringify(results, null, 1)}\n`);
  fs.writeFileSync(path.join(dir, 'compress.md'), `${md}\n`);
  return md;
}

/** --speed-only: every variant file of the results measured again for speed, one after another. */
async function speedOnly(resultsDir: string, reps: number, threads: number): Promise<void> {
  const resultsFile = path.join(resultsDir, 'compress.json');
  if (!fs.existsSync(resultsFile)) throw new Error(`${resultsFile} does not exist: run the full bench first`);
  const results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as CompressResults;
  const targets = speedTargets(results, (file) => (fs.existsSync(file) ? fs.statSync(file).size : null));
  const loadStart = loadavg();
  const speeds = new Map<string, { speed: Speed; load: number[] }>();
  for (const row of targets) {
    const speed = await measureSpeed(row.file, reps, threads);
    console.error(`== speed ${row.label}: ${speed.timeToFirstTokenMs.toFixed(0)} ms to first token, ${speed.tokensPerSecond.toFixed(1)} tokens/s (load ${loadavg().join(' ')})`);
    speeds.set(row.label, { speed, load: loadavg() });
  }
  const run = { date: new Date().toISOString(), loadStart, loadEnd: loadavg(), reps, threads };
  console.log(writeResults(resultsDir, withSpeeds(results, speeds, run)));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      weights: { type: 'string' },
      'corpus-run': { type: 'string' },
      samples: { type: 'string' },
      steps: { type: 'string', default: '10' },
      out: { type: 'string', default: 'out/compress' },
      tasks: { type: 'string', default: '4' },
      'perplexity-files': { type: 'string', default: '8' },
      reps: { type: 'string', default: '3' },
      threads: { type: 'string', default: '2' },
      results: { type: 'string', default: 'results/compress' },
      'speed-only': { type: 'boolean', default: false },
    },
  });
  if (values['speed-only']) return speedOnly(values.results!, Number(values.reps), Number(values.threads));
  if (!values.weights || !values['corpus-run']) throw new Error('usage: tsx tests/bench/compressBench.ts --weights <run with weights.bin and tokenizer.json> --corpus-run <run with corpus.jsonl> [--samples <dir>] [--steps n] [--out dir] [--tasks n] [--reps n] [--threads n] [--results dir], or --speed-only [--reps n] [--threads n] [--results dir]');
  const out = values.out!;
  fs.mkdirSync(out, { recursive: true });
  const tokenizer = path.join(values.weights, 'tokenizer.json');
  const loadStart = loadavg();
  const started = performance.now();

  // Weights: dense (as trained), pruned, pruned + recovery.
  const weightDirs = { dense: values.weights, pruned: path.join(out, 'pruned'), recovered: path.join(out, 'recovered') };
  if (!fs.existsSync(path.join(weightDirs.pruned, 'weights.bin'))) run('prune', PYTHON, ['training/python/prune.py', '--weights', values.weights, '--out', weightDirs.pruned]);
  // Recovery runs with --samples; recovered weights made earlier (prune.py by hand) are measured too.
  if (values.samples && !fs.existsSync(path.join(weightDirs.recovered, 'weights.bin'))) {
    run('prune + recovery', PYTHON, ['training/python/prune.py', '--weights', values.weights, '--out', weightDirs.recovered, '--samples', values.samples!, '--steps', values.steps!, '--batch-size', '8', '--eval-rows', '16', '--threads', values.threads!]); // sized for a loaded 2-core CPU with samples of L 256 (README)
  }
  const withRecovery = fs.existsSync(path.join(weightDirs.recovered, 'weights.bin'));
  const variants = VARIANTS.filter((v) => withRecovery || v.weights !== 'recovered');

  // Files: the f32 export of each set of weights, the export's Q8_0, and llama.cpp's quantizations of the f32 export.
  const fileOf = (v: Variant): string => path.join(out, `${v.weights}-${v.exportQ8 ? 'export-Q8_0' : (v.type ?? 'F32')}.gguf`);
  for (const v of variants) {
    const file = fileOf(v);
    if (fs.existsSync(file)) continue;
    if (v.type === null) {
      run(`export ${v.label}`, TSX, ['training/export-cli.ts', '--weights', weightDirs[v.weights], '--tokenizer', tokenizer, '--out', file, '--type', v.exportQ8 ? 'q8_0' : 'f32', '--name', `Steerway Coder (${v.label})`]);
    } else {
      const f32 = fileOf({ ...v, type: null, exportQ8: false });
      const r = await compressModel({ input: f32, type: v.type, output: file, threads: Number(values.threads) });
      console.error(`== ${v.label}: ${mb(r.bytesBefore)} -> ${mb(r.bytesAfter)} MB in ${r.seconds.toFixed(1)} s`);
    }
  }

  // Rows of an earlier run with the same file (size), the same number of tasks and reps are kept: a later run
  // measures only what is new (e.g. the recovered weights once they exist).
  const resultsFile = path.join(values.results!, 'compress.json');
  const earlier = fs.existsSync(resultsFile) ? (JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as CompressResults) : null;
  const kept = new Map<string, Row>();
  if (earlier && earlier.tasks === Number(values.tasks) && earlier.reps === Number(values.reps)) {
    for (const r of earlier.rows) if (fs.existsSync(r.file) && fs.statSync(r.file).size === r.bytes) kept.set(r.label, r);
  }
  const todo = variants.filter((v) => !kept.has(v.label));

  // Quality: training's evaluation (evaluateModel, as its CLI calls it, on the CLI's fixed list of held-out files)
  // without the idioms and with one document per task: the CLI's full run takes minutes per model on 2 cores.
  const qualityOf = new Map<string, Quality>();
  if (todo.length > 0) {
    const files: SourceFile[] = [...readCorpus(path.join(values['corpus-run'], 'corpus.jsonl'), 'eval')].map(({ package: pkg, path: p, text }) => ({ package: pkg, path: p, text }));
    const list = JSON.parse(fs.readFileSync('training/eval/eval-files.json', 'utf8')) as { files: { package: string; path: string }[] };
    const index = new Map(files.map((f) => [`${f.package}\u0000${f.path}`, f]));
    const taskFiles = list.files.map((f) => index.get(`${f.package}\u0000${f.path}`)).filter((f): f is SourceFile => f !== undefined);
    for (const v of todo) {
      const report = await evaluateModel({
        modelPath: fileOf(v), files, taskFiles, tasksPerKind: Number(values.tasks), seed: 1, documents: 1,
        perplexityFiles: Number(values['perplexity-files']), onProgress: (m) => console.error(`[eval ${v.label}] ${m}`),
      });
      qualityOf.set(v.label, quality({ label: v.label, report }));
      console.error(`== quality ${v.label}: perplexity ${report.tokens.perplexity.toFixed(2)} in ${report.seconds.toFixed(0)} s`);
    }
  }

  // Speed: one variant after another on the same prompt.
  const rows: Row[] = [];
  for (const v of variants) {
    const old = kept.get(v.label);
    if (old) {
      rows.push(old);
      continue;
    }
    const speed = await measureSpeed(fileOf(v), Number(values.reps), Number(values.threads));
    console.error(`== speed ${v.label}: ${speed.timeToFirstTokenMs.toFixed(0)} ms to first token, ${speed.tokensPerSecond.toFixed(1)} tokens/s (load ${loadavg().join(' ')})`);
    rows.push({ ...v, file: fileOf(v), bytes: fs.statSync(fileOf(v)).size, speed, quality: qualityOf.get(v.label)!, load: loadavg() });
  }

  // Compounding: the loss of pruning + Q4 against the sum of each alone, all relative to dense F32.
  const byLabel = new Map(rows.map((r) => [r.label, r]));
  const base = byLabel.get('dense F32')!.quality;
  const compounding = [];
  for (const prunedKind of withRecovery ? ['pruned 2:4', 'pruned 2:4 + recovery'] : ['pruned 2:4']) {
    for (const q of ['Q4_K_M', 'Q4_0']) {
      const p = byLabel.get(`${prunedKind} F32`)!.quality;
      const d = byLabel.get(`dense ${q}`)!.quality;
      const both = byLabel.get(`${prunedKind} ${q}`)!.quality;
      compounding.push({
        pair: `${prunedKind} + ${q}`,
        perplexityRise: { pruneAlone: p.perplexity - base.perplexity, quantAlone: d.perplexity - base.perplexity, sumOfBoth: p.perplexity + d.perplexity - 2 * base.perplexity, together: both.perplexity - base.perplexity },
        editSimilarityDrop: { pruneAlone: base.editSimilarity - p.editSimilarity, quantAlone: base.editSimilarity - d.editSimilarity, sumOfBoth: 2 * base.editSimilarity - p.editSimilarity - d.editSimilarity, together: base.editSimilarity - both.editSimilarity },
      });
    }
  }

  const recovery = withRecovery ? JSON.parse(fs.readFileSync(path.join(weightDirs.recovered, 'prune.json'), 'utf8')) as unknown : null;
  const prune = JSON.parse(fs.readFileSync(path.join(weightDirs.pruned, 'prune.json'), 'utf8')) as { sparsity: unknown };
  const results: CompressResults = {
    date: new Date().toISOString(), cpu: os.cpus()[0]?.model, cores: os.cpus().length, threads: Number(values.threads), loadStart, loadEnd: loadavg(),
    seconds: (performance.now() - started) / 1000, tasks: Number(values.tasks), reps: Number(values.reps), prune, recovery, rows, compounding,
  };
  console.log(writeResults(values.results!, results));
}

await main();
