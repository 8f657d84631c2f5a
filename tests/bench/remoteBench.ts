// Suggestion latency from a shared llama-server (4 slots) through the app's assistant service, with 1 and with
// 4 editors typing at the same time: what a team serving one model to many editors should expect.
//   npm run bench:remote              Qwen2.5-Coder-0.5B-shaped random model (Q8_0), 2 documents per editor
//   npm run bench:remote -- --quick   tiny model, few keystrokes: exercises the harness in seconds
// Needs `npm run build:llama-server`. Writes results/remote-bench.json and .md (or --out <dir>).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateModel, type PresetName } from '../../tools/gguf-fixtures/model';
import { findLlamaServer, startLlamaServer } from './llamaServer';
import { remoteEditors } from './remoteEditors';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SLOTS = 4;

interface Config {
  quick: boolean;
  preset: PresetName;
  docs: number;
  docChars: number;
  /** Requests per editor after its first: one per keystroke, each prefix a character longer. */
  keystrokes: number;
  maxTokens: number;
  outDir: string;
}

function config(argv: string[]): Config {
  const quick = argv.includes('--quick');
  const outAt = argv.indexOf('--out');
  const outDir = outAt >= 0 ? path.resolve(argv[outAt + 1]!) : path.join(root, 'results');
  return quick
    ? { quick, preset: 'tiny', docs: 2, docChars: 600, keystrokes: 4, maxTokens: 8, outDir }
    : { quick, preset: 'qwen2.5-coder-0.5b-shape', docs: 2, docChars: 1200, keystrokes: 12, maxTokens: 16, outDir };
}

/** The same model file as `npm run bench` (build/bench, generated once per preset and seed). */
function ensureModel(preset: PresetName): string {
  const file = path.join(root, 'build', 'bench', `${preset}-seed1.gguf`);
  if (fs.existsSync(file) && fs.statSync(file).size > 0) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  generateModel(tmp, { preset, seed: 1 });
  fs.renameSync(tmp, file);
  return file;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (x: number) => Math.round(x * 10) / 10;

function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`;
  }
}

interface Sample {
  editor: number;
  ms: number;
  promptTokens: number;
  computedTokens: number;
}

async function runEditors(cfg: Config, url: string, editorCount: number) {
  const editors = await remoteEditors({ engine: { kind: 'llama.cpp', url, token: null, model: null }, editors: editorCount, docs: cfg.docs, docChars: cfg.docChars, maxTokens: cfg.maxTokens, timeoutMs: 600_000 });
  const typed = 'scale * 2 + offset';
  const base = (e: number) => `import { step${e}_0_1 } from './helpers${e}-0';\n\nexport function total${e}(value: number, offset: number) {\n  return step${e}_0_1(value, `;
  const suffix = ');\n}\n';
  const load0 = uptime();
  try {
    const first: Sample[] = [];
    const samples: Sample[] = [];
    const ask = async (e: number, id: string, prefix: string, into: Sample[]) => {
      const t0 = performance.now();
      const result = await editors.complete(e, id, prefix, suffix);
      if (result.report.engine.kind !== 'remote') throw new Error(`editor ${e}: answered by ${result.report.engine.kind}`);
      into.push({ editor: e, ms: performance.now() - t0, promptTokens: result.report.promptTokens, computedTokens: result.report.computedTokens });
    };
    const started = performance.now();
    // Each editor's first request computes its documents; then it types, one request per keystroke, as the editors do.
    await Promise.all(Array.from({ length: editorCount }, (_, e) => ask(e, `first-${editorCount}-${e}`, base(e), first)));
    const typingStarted = performance.now();
    await Promise.all(
      Array.from({ length: editorCount }, async (_, e) => {
        for (let k = 1; k <= cfg.keystrokes; k++) await ask(e, `key-${editorCount}-${e}-${k}`, base(e) + typed.slice(0, k), samples);
      }),
    );
    const typingS = (performance.now() - typingStarted) / 1000;
    const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
    const firstSorted = first.map((s) => s.ms).sort((a, b) => a - b);
    return {
      editors: editorCount,
      requests: samples.length,
      p50Ms: round(percentile(sorted, 50)),
      p95Ms: round(percentile(sorted, 95)),
      maxMs: round(sorted.at(-1)!),
      firstRequestP50Ms: round(percentile(firstSorted, 50)),
      firstRequestMaxMs: round(firstSorted.at(-1)!),
      meanPromptTokens: Math.round(samples.reduce((s, x) => s + x.promptTokens, 0) / samples.length),
      meanComputedTokens: round(samples.reduce((s, x) => s + x.computedTokens, 0) / samples.length),
      firstPromptTokens: Math.round(first.reduce((s, x) => s + x.promptTokens, 0) / first.length),
      suggestionsPerSecond: Math.round((samples.length / typingS) * 100) / 100,
      wallS: round((performance.now() - started) / 1000),
      /** Every keystroke request's latency, editor by editor in the order they finished. */
      samplesMs: samples.map((x) => [x.editor, round(x.ms)]),
      loadBefore: load0,
      loadAfter: uptime(),
    };
  } finally {
    await editors.dispose();
  }
}

async function main(): Promise<void> {
  const cfg = config(process.argv.slice(2));
  const bin = findLlamaServer();
  if (!bin) {
    console.error('bench:remote: llama-server is not built; run npm run build:llama-server first.');
    process.exit(1);
  }
  const model = ensureModel(cfg.preset);
  const threads = os.availableParallelism();
  // A slot per editor, each with 2,048 cells: one batch (512) for prefix and suffix, the rest for the documents.
  const server = await startLlamaServer({ model, ctxSize: SLOTS * 2048, threads, parallel: SLOTS, batchSize: 512 });
  const runs = [];
  try {
    for (const editorCount of [1, SLOTS]) {
      console.log(`bench:remote: ${editorCount} editor(s)…`);
      const run = await runEditors(cfg, server.url, editorCount);
      console.log(JSON.stringify(run));
      runs.push(run);
    }
  } finally {
    await server.stop();
  }
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const record = {
    date: new Date().toISOString(),
    quick: cfg.quick,
    machine: { cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model, cores: threads, memoryGiB: Math.round(os.totalmem() / 2 ** 30) },
    server: { buildInfo: server.buildInfo, args: server.args.map((a) => (a === model ? path.relative(root, a) : a)) },
    model: { preset: cfg.preset, file: path.relative(root, model), bytes: fs.statSync(model).size, weights: 'random (seed 1)' },
    workload: { documentsPerEditor: cfg.docs, documentChars: cfg.docChars, keystrokesPerEditor: cfg.keystrokes, maxTokens: cfg.maxTokens },
    runs,
  };
  fs.mkdirSync(cfg.outDir, { recursive: true });
  const name = cfg.quick ? 'remote-bench-quick' : 'remote-bench';
  fs.writeFileSync(path.join(cfg.outDir, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
  const md = [
    `# Remote engine: llama-server --parallel ${SLOTS}, through the assistant service`,
    '',
    `${cfg.quick ? 'QUICK run (tiny model, not a measurement). ' : ''}${record.date}. ${record.machine.cpuModel}, ${threads} cores; model ${cfg.preset} (random weights, ${(record.model.bytes / 1e6).toFixed(0)} MB); ` +
      `${cfg.docs} documents of ${cfg.docChars} characters per editor; ${cfg.keystrokes} keystrokes per editor after its first request; ${cfg.maxTokens} tokens per suggestion.`,
    '',
    '| editors at once | requests | p50 | p95 | max | first request (documents computed) | prompt tokens (computed) | suggestions/s | load before → after |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...runs.map((r) =>
      `| ${r.editors} | ${r.requests} | ${r.p50Ms} ms | ${r.p95Ms} ms | ${r.maxMs} ms | ${r.firstRequestP50Ms} ms (${r.firstPromptTokens} tokens) | ${r.meanPromptTokens} (${r.meanComputedTokens}) | ${r.suggestionsPerSecond} | ${/load average: (.*)$/.exec(r.loadBefore)?.[1]} → ${/load average: (.*)$/.exec(r.loadAfter)?.[1]} |`),
    '',
    `Server: \`llama-server ${record.server.args.join(' ')}\` (${record.server.buildInfo ?? 'build unknown'}).`,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(cfg.outDir, `${name}.md`), md);
  console.log(md);
}

await main();
