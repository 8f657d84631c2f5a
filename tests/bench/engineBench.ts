// Benchmark: does loading a cached document block beat recomputing it?
//   npm run bench               realistic-shape random model (Qwen2.5-Coder-0.5B shape, Q8_0), 5 docs of ~1k tokens
//   npm run bench -- --quick    tiny model, 2 short docs: exercises the harness in seconds
//   options: --no-server (skip llama-server), --out <dir> (default results/, or results/tmp/quick for --quick),
//            --cpu <ggml cpu variant|auto> (default: the variant llama-server was built as, so both run the same kernels)
// The same request sequence runs mode by mode in one process, each mode on a fresh engine (fresh
// context, fresh block cache folder); llama-server, when built, gets the same token ids afterwards.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateModel, type PresetName } from '../../assistant/gguf/model';
import { createCompletionEngine } from '../../assistant/engine';
import type { CompletionEngine, CompletionMode, CompletionRequest, EngineOptions } from '../../assistant/engine/types';
import { loadAddon } from '../../native/binding';
import { findLlamaServer, llamaServerCpuVariant, startLlamaServer } from './llamaServer';
import { computeBars, renderMarkdown, renderSvg, speedups, MODE_LABELS, type Measurement, type ModeKey, type ModeResult, type RequestInfo } from './report';
import {
  DOC_SOURCES, QUERY_SOURCE, QUERY_STEPS, buildRequests, cursorQueries, cutToTokens, queryAloneRequest, readSource,
  type BenchDoc, type BenchRequest,
} from './workload';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Config {
  quick: boolean;
  server: boolean;
  outDir: string;
  /** Pinned ggml CPU variant for the engine, or null for ggml's pick by score. */
  cpu: string | null;
  preset: PresetName;
  seed: number;
  docCount: number;
  docTokens: number;
  prefixTokens: number;
  suffixTokens: number;
  contextSize: number;
  /** Tokens generated per request: one, so the time is the time to first token. */
  maxTokens: number;
}

function parseArgs(argv: string[]): Config {
  const quick = argv.includes('--quick');
  const valueOf = (flag: string): string | undefined => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const withValue = new Set(['--out', '--cpu']);
  argv.forEach((a, i) => {
    const isValue = i > 0 && withValue.has(argv[i - 1]!);
    if (!isValue && !['--quick', '--no-server', ...withValue].includes(a)) throw new Error(`engineBench: unknown argument ${a} (use --quick, --no-server, --out <dir>, --cpu <variant|auto>)`);
  });
  const out = valueOf('--out');
  const outDir = out ? path.resolve(out) : path.join(root, 'results', ...(quick ? ['tmp', 'quick'] : []));
  const server = !argv.includes('--no-server');
  const cpuArg = valueOf('--cpu');
  const cpu = cpuArg === 'auto' ? null : (cpuArg ?? (server ? llamaServerCpuVariant() : null));
  const base = { quick, server, outDir, cpu, seed: 1, maxTokens: 1 };
  return quick
    ? { ...base, preset: 'tiny', docCount: 2, docTokens: 96, prefixTokens: 40, suffixTokens: 12, contextSize: 1024 }
    : { ...base, preset: 'qwen2.5-coder-0.5b-shape', docCount: 5, docTokens: 1000, prefixTokens: 170, suffixTokens: 40, contextSize: 8192 };
}

/** The model is deterministic in (preset, seed): generated once, then reused from build/bench (ignored, ~0.5 GB). */
function ensureModel(cfg: Config): { path: string; bytes: number; generatedMs: number | null } {
  const dir = path.join(root, 'build', 'bench');
  const file = path.join(dir, `${cfg.preset}-seed${cfg.seed}.gguf`);
  if (fs.existsSync(file) && fs.statSync(file).size > 0) return { path: file, bytes: fs.statSync(file).size, generatedMs: null };
  fs.mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  // Written under a temporary name so an interrupted run never leaves a truncated model to reuse.
  const tmp = `${file}.${process.pid}.tmp`;
  const model = generateModel(tmp, { preset: cfg.preset, seed: cfg.seed });
  fs.renameSync(tmp, file);
  return { path: file, bytes: model.bytes, generatedMs: performance.now() - t0 };
}

function sh(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function machineFacts(): Record<string, unknown> {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const flags = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.split(' ') ?? [];
  const nlc = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'node-llama-cpp', 'package.json'), 'utf8')) as { version: string };
  const info = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'node-llama-cpp', 'llama', 'llama.cpp.info.json'), 'utf8')) as { tag: string };
  return {
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    cpuFlags: flags.filter((f) => /^(avx|avx2|avx512f|avx512_vnni|avx512_bf16|amx_tile|fma|f16c)$/.test(f)),
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    nodeLlamaCpp: nlc.version,
    llamaCppTag: info.tag,
    llamaCppBundleCommit: sh('git', ['bundle', 'list-heads', path.join(root, 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle')])?.split(/\s/)[0] ?? null,
    steerwayCommit: sh('git', ['-C', root, 'rev-parse', '--short', 'HEAD']),
  };
}

function loadavg(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

/** Token counter over the model's own vocabulary (vocab-only load: no weights, no context). */
async function tokenCounter(modelPath: string, cpu: string | null): Promise<{ count: (s: string) => number; dispose: () => void; backend: unknown; variant: string }> {
  // Same libraries as the engine will ask for: the process keeps the first set it loads.
  const addon = loadAddon(cpu ? { cpuBackend: cpu } : {});
  const vocab = await addon.loadModel(modelPath, { vocabOnly: true });
  return {
    count: (s) => vocab.tokenize(s, { addSpecial: false, parseSpecial: false }).length,
    dispose: () => vocab.dispose(),
    backend: { loadedBackends: addon.backend.loadedBackends, systemInfo: addon.backend.systemInfo },
    variant: addon.backend.loadedBackends.map((b) => /ggml-cpu-([\w.]+?)\.\w+$/.exec(b.path)?.[1]).find(Boolean) ?? 'cpu',
  };
}

function buildWorkload(cfg: Config, count: (s: string) => number): { docs: BenchDoc[]; requests: BenchRequest[]; alone: BenchRequest } {
  const ids = 'ABCDE'.slice(0, cfg.docCount).split('');
  const docs = ids.map((id, i) => {
    const source = DOC_SOURCES[i]!;
    return { id, source, text: cutToTokens(readSource(root, source), cfg.docTokens, count) };
  });
  const code = readSource(root, QUERY_SOURCE);
  // Far enough into the file for a full prefix budget, with room for one line per step.
  const cursorLine = Math.floor(code.split('\n').length * 0.4);
  const queries = cursorQueries(code, QUERY_STEPS, { prefixTokens: cfg.prefixTokens, suffixTokens: cfg.suffixTokens }, count, cursorLine);
  const requests = buildRequests(ids, queries);
  // The query alone uses the cursor-moved position: the bars compare it with that request.
  const alone = queryAloneRequest(queries[1]!);
  return { docs, requests, alone };
}

function toEngineRequest(r: BenchRequest, docs: readonly BenchDoc[], mode: CompletionMode, maxTokens: number): CompletionRequest {
  const byId = new Map(docs.map((d) => [d.id, d]));
  return {
    prefix: r.query.prefix,
    suffix: r.query.suffix,
    fileName: 'lib/receiver.js',
    documents: r.docs.map((id) => ({ name: byId.get(id)!.source.replace(/^node_modules\//, ''), text: byId.get(id)!.text })),
    mode,
    maxTokens,
  };
}

interface EngineRun {
  result: ModeResult;
  /** Prompt token ids per request, for llama-server and the identical-prompt check. */
  prompts: Map<string, number[]>;
  cache: { memoryBytes: number; diskBytes: number; diskBlocks: number } | null;
}

/** Waits until the disk tier holds `blocks` files (every block computed so far), at most 60 s. */
async function settleDiskWrites(engine: CompletionEngine, blocks: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (engine.cacheStats().diskBlocks < blocks) {
    if (Date.now() > deadline) throw new Error(`engineBench: disk tier holds ${engine.cacheStats().diskBlocks} of ${blocks} blocks after 60 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function runEngineMode(
  cfg: Config,
  modelPath: string,
  mode: ModeKey,
  requests: readonly BenchRequest[],
  docs: readonly BenchDoc[],
): Promise<EngineRun> {
  const engineMode: CompletionMode = mode === 'sparse-disk' ? 'sparse' : (mode as CompletionMode);
  const cacheDir = mode === 'sparse' || mode === 'sparse-disk' ? path.join(root, 'results', 'tmp', `bench-cache-${mode}`) : null;
  if (cacheDir) fs.rmSync(cacheDir, { recursive: true, force: true });
  const options: EngineOptions = {
    modelPath,
    contextSize: cfg.contextSize,
    threads: os.availableParallelism(),
    cacheDir,
    logLevel: 'error',
    ...(cfg.cpu ? { cpuBackend: cfg.cpu } : {}),
    // Disk mode: no memory tier, so every block that is not computed comes from a file.
    ...(mode === 'sparse-disk' ? { memoryBudgetBytes: 0 } : {}),
  };
  const engine: CompletionEngine = await createCompletionEngine(options);
  const measurements: Measurement[] = [];
  const prompts = new Map<string, number[]>();
  const computedBlocks = new Set<string>();
  try {
    for (const r of requests) {
      // The engine writes computed blocks to disk in the background; a user's pause between two
      // completions lets that finish, so the next request must not pay for (or race) those writes.
      if (cacheDir) await settleDiskWrites(engine, computedBlocks.size);
      // Disk mode: drop the blocks placed in the context, so they must be read back from disk.
      if (mode === 'sparse-disk') await engine.resetContext();
      const t0 = performance.now();
      const res = await engine.complete(toEngineRequest(r, docs, engineMode, cfg.maxTokens));
      const wallMs = performance.now() - t0;
      const rep = res.report;
      const sources: Record<string, number> = {};
      for (const b of rep.blocks) {
        sources[b.source] = (sources[b.source] ?? 0) + 1;
        if (b.source === 'computed') computedBlocks.add(`${b.document}#${b.index}`);
      }
      measurements.push({
        request: r.key,
        ttftMs: rep.timeToFirstTokenMs,
        wallMs,
        promptTokens: rep.promptTokens,
        computed: rep.computedTokens,
        reused: rep.reusedFromContext + rep.reusedFromMemory + rep.reusedFromDisk,
        ...(engineMode === 'sparse' ? { blockSources: sources } : {}),
      });
      prompts.set(r.key, res.promptTokenIds);
      console.log(`  ${MODE_LABELS[mode].padEnd(16)} ${r.key.padEnd(7)} ttft ${(rep.timeToFirstTokenMs / 1000).toFixed(3)} s  computed ${rep.computedTokens}/${rep.promptTokens}${engineMode === 'sparse' ? `  blocks ${JSON.stringify(sources)}` : ''}`);
    }
    const stats = engine.cacheStats();
    return { result: { mode, measurements }, prompts, cache: cacheDir ? { memoryBytes: stats.memoryBytes, diskBytes: stats.diskBytes, diskBlocks: stats.diskBlocks } : null };
  } finally {
    await engine.dispose();
  }
}

async function runServer(
  cfg: Config,
  modelPath: string,
  sequence: readonly { key: string; tokens: number[] }[],
  alone: { key: string; tokens: number[] },
): Promise<{ result: ModeResult; args: readonly string[]; buildInfo: string | null; systemInfo: string | null }> {
  const opts = { model: modelPath, ctxSize: cfg.contextSize, threads: os.availableParallelism() };
  const measurements: Measurement[] = [];
  let args: readonly string[] = [];
  let buildInfo: string | null = null;
  let systemInfo: string | null = null;
  // The sequence on one server (its caches warm as a user's would), the query alone on a fresh one.
  for (const batch of [sequence, [alone]]) {
    const server = await startLlamaServer(opts);
    args = server.args;
    buildInfo = server.buildInfo;
    systemInfo = server.systemInfo;
    try {
      for (const { key, tokens } of batch) {
        const c = await server.complete(tokens, cfg.maxTokens);
        measurements.push({ request: key, ttftMs: c.wallMs, wallMs: c.wallMs, promptTokens: tokens.length, computed: c.promptComputed, reused: c.promptCached, serverPromptMs: c.promptMs });
        console.log(`  ${'llama-server'.padEnd(16)} ${key.padEnd(7)} ttft ${(c.wallMs / 1000).toFixed(3)} s  (prompt_ms ${(c.promptMs / 1000).toFixed(3)} s) computed ${c.promptComputed}/${tokens.length}`);
      }
    } finally {
      await server.stop();
    }
  }
  return { result: { mode: 'llama-server', measurements }, args, buildInfo, systemInfo };
}

function stamp(d: Date): string {
  return d.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
}

async function main(): Promise<void> {
  const cfg = parseArgs(process.argv.slice(2));
  const started = new Date();
  const loadStart = loadavg();
  console.log(`engineBench${cfg.quick ? ' --quick' : ''}: load average ${loadStart.join(' ')} on ${os.availableParallelism()} cores`);
  const model = ensureModel(cfg);
  console.log(`model ${path.relative(root, model.path)} (${(model.bytes / 1e6).toFixed(0)} MB${model.generatedMs === null ? ', reused' : `, generated in ${(model.generatedMs / 1000).toFixed(1)} s`})`);

  const counter = await tokenCounter(model.path, cfg.cpu);
  const { docs, requests, alone } = buildWorkload(cfg, counter.count);
  const docTokens = Object.fromEntries(docs.map((d) => [d.id, counter.count(d.text)]));
  const queryTokens = requests.map((r) => counter.count(r.query.prefix) + counter.count(r.query.suffix));
  counter.dispose();
  console.log(`docs ${docs.map((d) => `${d.id}=${docTokens[d.id]}`).join(' ')} tokens; query ${Math.min(...queryTokens)}-${Math.max(...queryTokens)} tokens`);

  const results: ModeResult[] = [];
  const loadByMode: Record<string, number[]> = {};
  const cacheByMode: Record<string, unknown> = {};
  let prompts: Map<string, number[]> | null = null;
  const promptMismatch: string[] = [];
  for (const mode of ['full', 'prefix', 'sparse', 'sparse-disk'] as const) {
    loadByMode[mode] = loadavg();
    const run = await runEngineMode(cfg, model.path, mode, requests, docs);
    results.push(run.result);
    if (run.cache) cacheByMode[mode] = run.cache;
    if (!prompts) prompts = run.prompts;
    else for (const [k, ids] of run.prompts) if (ids.join(',') !== prompts.get(k)?.join(',')) promptMismatch.push(`${mode}/${k}`);
  }
  // The query alone: no documents, so every mode decodes the same tokens; measured once, on a fresh engine.
  loadByMode.alone = loadavg();
  const aloneRun = await runEngineMode(cfg, model.path, 'full', [alone], docs);
  results.find((r) => r.mode === 'full')!.measurements.push(...aloneRun.result.measurements);

  const promptMismatchNote = promptMismatch.length > 0 ? [`Prompt token ids differ between modes at ${promptMismatch.join(', ')}.`] : [];

  let serverInfo: Record<string, unknown> | null = null;
  let serverNote: string | null = null;
  const serverBin = findLlamaServer();
  if (!cfg.server || !serverBin) {
    const why = !cfg.server ? '--no-server' : 'llama-server not built; run `npm run build:llama-server`';
    results.push({ mode: 'llama-server', measurements: [], skipped: why });
    console.log(`llama-server: skipped (${why})`);
  } else {
    loadByMode['llama-server'] = loadavg();
    const seq = requests.map((r) => ({ key: r.key, tokens: prompts!.get(r.key)! }));
    const run = await runServer(cfg, model.path, seq, { key: alone.key, tokens: aloneRun.prompts.get(alone.key)! });
    results.push(run.result);
    serverInfo = { bin: path.relative(root, serverBin), args: run.args.map((a) => (a === model.path ? path.relative(root, a) : a)), buildInfo: run.buildInfo, systemInfo: run.systemInfo };
    serverNote = 'llama-server: same token ids, one slot, --cache-reuse 256, host-memory prompt cache on (--cache-ram 8192); time to first token is the wall time of a /completion with n_predict 1 (its own prompt_ms is in the JSON).';
  }

  const loadEnd = loadavg();
  const notes: string[] = [
    `${cfg.quick ? 'QUICK run (tiny model, not a measurement). ' : ''}Model: random weights, ${cfg.preset} (${(model.bytes / 1e6).toFixed(0)} MB), seed ${cfg.seed}; ${requests.length} requests, ${cfg.maxTokens} generated token each; documents ${docs.map((d) => `${d.id} ${docTokens[d.id]}`).join(', ')} tokens; query ${Math.min(...queryTokens)} to ${Math.max(...queryTokens)} tokens.`,
    'Modes run one after another in one process, each on a fresh engine (new context, new block cache folder); one run per request, no repetition.',
    'sparse (disk): no memory tier and the context reset before every request, so every block not computed is read from its file (written moments before, so served from the OS page cache).',
    `Load average at start ${loadStart.join(' ')}, at end ${loadEnd.join(' ')} (${os.availableParallelism()} cores).`,
    `CPU kernels: ggml ${counter.variant}${cfg.cpu ? ' (pinned; llama-server is built with the same CPU features)' : ' (picked by score)'}.`,
    ...promptMismatchNote,
    ...(serverNote ? [serverNote] : []),
  ];
  const requestInfo: RequestInfo[] = [...requests, alone].map((r) => ({ key: r.key, title: r.title, docs: r.docs, newDocs: r.newDocs }));
  const bars = computeBars(requestInfo.filter((r) => r.key !== alone.key), results);
  const title = `Steerway engine benchmark, ${started.toISOString().slice(0, 10)}${cfg.quick ? ' (quick)' : ''}`;
  const markdown = renderMarkdown({ title, requests: requestInfo, results, bars, notes });
  const svg = renderSvg({ title, requests: requestInfo, results });
  const json = {
    schema: 1,
    title,
    startedAt: started.toISOString(),
    durationS: Math.round((Date.now() - started.getTime()) / 100) / 10,
    quick: cfg.quick,
    machine: { ...machineFacts(), backend: counter.backend, loadAverage: { start: loadStart, end: loadEnd, byMode: loadByMode } },
    model: { file: path.relative(root, model.path), bytes: model.bytes, preset: cfg.preset, seed: cfg.seed, generatedMs: model.generatedMs },
    config: { cpuVariant: cfg.cpu ?? 'auto', contextSize: cfg.contextSize, maxTokens: cfg.maxTokens, threads: os.availableParallelism(), docTokens: cfg.docTokens, prefixTokens: cfg.prefixTokens, suffixTokens: cfg.suffixTokens, order: 'mode by mode, fresh engine per mode' },
    workload: {
      docs: docs.map((d) => ({ id: d.id, source: d.source, tokens: docTokens[d.id] })),
      querySource: QUERY_SOURCE,
      requests: requestInfo.map((r, i) => ({ ...r, queryTokens: queryTokens[i] ?? null })),
    },
    server: serverInfo,
    cache: cacheByMode,
    results,
    bars,
    speedupOverSparse: speedups(requestInfo, results, 'sparse'),
    notes,
  };

  fs.mkdirSync(cfg.outDir, { recursive: true });
  const files = {
    [`bench-${stamp(started)}.json`]: `${JSON.stringify(json, null, 2)}\n`,
    'latest.json': `${JSON.stringify(json, null, 2)}\n`,
    'latest.md': markdown,
    'latest.svg': svg,
  };
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(cfg.outDir, name), text);
  console.log(`\n${markdown}`);
  console.log(`wrote ${Object.keys(files).map((f) => path.relative(root, path.join(cfg.outDir, f))).join(', ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
