// Benchmark: does loading a cached document block beat recomputing it?
//   npm run bench               realistic-shape random model (Qwen2.5-Coder-0.5B shape, Q8_0), 5 docs of ~1k tokens
//   npm run bench -- --quick    tiny model, 2 short docs: exercises the harness in seconds
//   options: --no-server (skip llama-server), --out <dir> (default results/, or results/tmp/quick for --quick),
//            --cpu <ggml cpu variant|auto> (default: the variant llama-server was built as, so both run the same kernels),
//            --reps <n> (default 3): the whole sequence n times, each on fresh engines and a fresh server; medians reported
//            --backend cpu|cuda (default cpu): cuda puts every layer on the GPU (tools/gpu/run.sh on the GPU machine),
//            --sources <dir> (default: the repository) where the workload's files are read, --list-sources prints them
// The same request sequence goes to every mode in one process, interleaved request by request,
// each mode on its own fresh engine; llama-server, when built, gets the engine's token ids.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateModel, type PresetName } from '../../tools/gguf-fixtures/model';
import { createCompletionEngine } from '../../assistant/engine';
import type { CompletionEngine, CompletionMode, CompletionRequest, EngineOptions } from '../../assistant/engine/types';
import { loadAddon } from '../../native/binding';
import { findLlamaServer, llamaServerCpuVariant, startLlamaServer } from './llamaServer';
import { computeBars, headlineRatios, medianResults, renderMarkdown, renderSvg, speedups, MODES, MODE_LABELS, type Measurement, type ModeKey, type ModeResult, type RequestInfo } from './report';
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
  /** Runs of the whole sequence; the tables show medians. */
  reps: number;
  /** Where the engine computes: every layer on the GPU with 'cuda' (tools/gpu runs it so on the GPU machine). */
  backend: 'cpu' | 'cuda';
  /** The folder the workload's files are read under (tools/gpu carries them: no node_modules there). */
  sourcesRoot: string;
}

function parseArgs(argv: string[]): Config {
  const quick = argv.includes('--quick');
  const valueOf = (flag: string): string | undefined => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const withValue = new Set(['--out', '--cpu', '--reps', '--backend', '--sources']);
  argv.forEach((a, i) => {
    const isValue = i > 0 && withValue.has(argv[i - 1]!);
    if (!isValue && !['--quick', '--no-server', '--list-sources', ...withValue].includes(a)) throw new Error(`engineBench: unknown argument ${a} (use --quick, --no-server, --out <dir>, --cpu <variant|auto>, --reps <n>, --backend cpu|cuda, --sources <dir>, --list-sources)`);
  });
  const out = valueOf('--out');
  const outDir = out ? path.resolve(out) : path.join(root, 'results', ...(quick ? ['tmp', 'quick'] : []));
  const server = !argv.includes('--no-server');
  const cpuArg = valueOf('--cpu');
  const cpu = cpuArg === 'auto' ? null : (cpuArg ?? (server ? llamaServerCpuVariant() : null));
  const reps = Number(valueOf('--reps') ?? 3);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`engineBench: --reps must be a positive integer, got ${valueOf('--reps')}`);
  const backend = valueOf('--backend') ?? 'cpu';
  if (backend !== 'cpu' && backend !== 'cuda') throw new Error(`engineBench: --backend must be cpu or cuda, got ${backend}`);
  const sourcesRoot = path.resolve(valueOf('--sources') ?? root);
  const base = { quick, server, outDir, cpu, seed: 1, maxTokens: 1, reps, backend, sourcesRoot } as const;
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
  // Absent on the GPU machine, where no node_modules travel.
  const readJson = (...parts: string[]): Record<string, string> | null => {
    const file = path.join(root, 'node_modules', 'node-llama-cpp', ...parts);
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>) : null;
  };
  return {
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    cpuFlags: flags.filter((f) => /^(avx|avx2|avx512f|avx512_vnni|avx512_bf16|amx_tile|fma|f16c)$/.test(f)),
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    nodeLlamaCpp: readJson('package.json')?.version ?? null,
    llamaCppTag: readJson('llama', 'llama.cpp.info.json')?.tag ?? null,
    llamaLibraries: process.env.STEERWAY_LLAMA_BINS ?? 'node-llama-cpp prebuilt',
    gpu: sh('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader']),
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
    return { id, source, text: cutToTokens(readSource(cfg.sourcesRoot, source), cfg.docTokens, count) };
  });
  const code = readSource(cfg.sourcesRoot, QUERY_SOURCE);
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

/** One mode's side of the run: it answers the requests one by one, in the order they come. */
interface Runner {
  mode: ModeKey;
  /** `prompt`: the token ids the engine built for this request (llama-server needs them). */
  step(r: BenchRequest, prompt: readonly number[] | null): Promise<{ measurement: Measurement; prompt: number[] | null }>;
  /** Frees the engine or stops the server; returns what the JSON records about it. */
  close(): Promise<Record<string, unknown>>;
}

/** Waits until the disk tier holds `blocks` files (every block computed so far), at most 60 s. */
async function settleDiskWrites(engine: CompletionEngine, blocks: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (engine.cacheStats().diskBlocks < blocks) {
    if (Date.now() > deadline) throw new Error(`engineBench: disk tier holds ${engine.cacheStats().diskBlocks} of ${blocks} blocks after 60 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function log(mode: ModeKey, key: string, m: Measurement, extra: string): void {
  const phases = m.phases ? `  phases ${Object.entries(m.phases).map(([k, v]) => `${k.replace(/Ms$/, '')} ${k.endsWith('Ms') ? (v / 1000).toFixed(2) : v}`).join(' ')}` : '';
  console.log(`  ${MODE_LABELS[mode].padEnd(16)} ${key.padEnd(7)} ttft ${(m.ttftMs / 1000).toFixed(3)} s  computed ${m.computed ?? '?'}/${m.promptTokens}${extra}${phases}`);
}

/** A fresh engine (new context; for the sparse modes a new, empty block cache folder). */
async function openEngine(cfg: Config, modelPath: string, mode: Exclude<ModeKey, 'llama-server'>, docs: readonly BenchDoc[]): Promise<Runner> {
  const engineMode: CompletionMode = mode === 'sparse-disk' ? 'sparse' : mode;
  const cacheDir = engineMode === 'sparse' ? path.join(root, 'results', 'tmp', `bench-cache-${mode}`) : null;
  if (cacheDir) fs.rmSync(cacheDir, { recursive: true, force: true });
  const options: EngineOptions = {
    modelPath,
    contextSize: cfg.contextSize,
    threads: os.availableParallelism(),
    cacheDir,
    logLevel: 'error',
    ...(cfg.cpu ? { cpuBackend: cfg.cpu } : {}),
    ...(cfg.backend === 'cuda' ? { gpu: 'cuda' as const } : {}),
    // Disk mode: no memory tier, so every block that is not computed comes from a file.
    ...(mode === 'sparse-disk' ? { memoryBudgetBytes: 0 } : {}),
  };
  const engine: CompletionEngine = await createCompletionEngine(options);
  const computedBlocks = new Set<string>();
  return {
    mode,
    async step(r) {
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
      const measurement: Measurement = {
        request: r.key,
        ttftMs: rep.timeToFirstTokenMs,
        wallMs,
        promptTokens: rep.promptTokens,
        computed: rep.computedTokens,
        reused: rep.reusedFromContext + rep.reusedFromMemory + rep.reusedFromDisk,
        ...(engineMode === 'sparse' ? { blockSources: sources } : {}),
        ...(rep.phases ? { phases: { ...rep.phases } } : {}),
      };
      log(mode, r.key, measurement, engineMode === 'sparse' ? `  blocks ${JSON.stringify(sources)}` : '');
      return { measurement, prompt: res.promptTokenIds };
    },
    async close() {
      const stats = engine.cacheStats();
      await engine.dispose();
      return { memoryBytes: stats.memoryBytes, diskBytes: stats.diskBytes, diskBlocks: stats.diskBlocks, placedBlocks: stats.placedBlocks };
    },
  };
}

/** A fresh llama-server; it is sent the engine's token ids, so both see the same prompt. */
async function openServer(cfg: Config, modelPath: string): Promise<Runner> {
  const server = await startLlamaServer({ model: modelPath, ctxSize: cfg.contextSize, threads: os.availableParallelism() });
  return {
    mode: 'llama-server',
    async step(r, prompt) {
      if (!prompt) throw new Error(`engineBench: no engine prompt for ${r.key} to send to llama-server`);
      const c = await server.complete(prompt, cfg.maxTokens);
      const measurement: Measurement = {
        request: r.key, ttftMs: c.wallMs, wallMs: c.wallMs, promptTokens: prompt.length, computed: c.promptComputed, reused: c.promptCached, serverPromptMs: c.promptMs,
      };
      log('llama-server', r.key, measurement, `  (prompt_ms ${(c.promptMs / 1000).toFixed(3)} s)`);
      return { measurement, prompt: null };
    },
    async close() {
      await server.stop();
      return {
        bin: path.relative(root, server.bin),
        args: server.args.map((a) => (a === modelPath ? path.relative(root, a) : a)),
        buildInfo: server.buildInfo,
        cpuVariant: llamaServerCpuVariant(),
      };
    },
  };
}

/**
 * Runs the requests interleaved: each request goes to every runner in turn before the next one,
 * so a burst of load on the shared machine hits all modes alike. Returns the measurements by mode.
 */
async function runInterleaved(runners: readonly Runner[], requests: readonly BenchRequest[], loads: Record<string, number[]>, run: number): Promise<{ byMode: Map<ModeKey, Measurement[]>; mismatch: string[] }> {
  const byMode = new Map<ModeKey, Measurement[]>(runners.map((r) => [r.mode, []]));
  const mismatch: string[] = [];
  for (const r of requests) {
    loads[`${r.key}#${run}`] = loadavg();
    let prompt: number[] | null = null;
    for (const runner of runners) {
      const out = await runner.step(r, prompt);
      byMode.get(runner.mode)!.push(out.measurement);
      if (out.prompt && prompt && out.prompt.join() !== prompt.join()) mismatch.push(`${runner.mode}/${r.key}`);
      prompt ??= out.prompt;
    }
  }
  return { byMode, mismatch };
}

function stamp(d: Date): string {
  return d.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
}

async function main(): Promise<void> {
  if (process.argv.includes('--list-sources')) {
    console.log([...DOC_SOURCES, QUERY_SOURCE].join('\n'));
    return;
  }
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

  const serverBin = findLlamaServer();
  const serverSkipped = !cfg.server ? '--no-server' : !serverBin ? 'llama-server not built; run `npm run build:llama-server`' : null;
  if (serverSkipped) console.log(`llama-server: skipped (${serverSkipped})`);
  const engineModes = ['full', 'prefix', 'sparse', 'sparse-disk'] as const;
  const loads: Record<string, number[]> = {};
  const open = async (modes: readonly (typeof engineModes)[number][]): Promise<Runner[]> => {
    const runners: Runner[] = [];
    for (const m of modes) runners.push(await openEngine(cfg, model.path, m, docs));
    if (!serverSkipped) runners.push(await openServer(cfg, model.path));
    return runners;
  };
  const closeAll = async (runners: readonly Runner[]) => {
    const out: Record<string, Record<string, unknown>> = {};
    for (const r of runners) out[r.mode] = await r.close();
    return out;
  };
  const runs: ModeResult[][] = [];
  let closed: Record<string, Record<string, unknown>> = {};
  const promptMismatch: string[] = [];
  for (let run = 1; run <= cfg.reps; run++) {
    console.log(`run ${run} of ${cfg.reps}`);
    const seqRunners = await open(engineModes);
    const seq = await runInterleaved(seqRunners, requests, loads, run);
    closed = await closeAll(seqRunners);
    // The query alone: no documents, so every engine mode decodes the same tokens; measured on a fresh
    // engine (full) and a fresh llama-server, so no cache from the sequence can help.
    const aloneRunners = await open(['full']);
    const aloneRun = await runInterleaved(aloneRunners, [alone], loads, run);
    await closeAll(aloneRunners);
    promptMismatch.push(...seq.mismatch, ...aloneRun.mismatch);
    runs.push(
      MODES.map((mode) => ({
        mode,
        measurements: [...(seq.byMode.get(mode) ?? []), ...(aloneRun.byMode.get(mode) ?? [])],
        ...(mode === 'llama-server' && serverSkipped ? { skipped: serverSkipped } : {}),
      })),
    );
    writeResults();
  }
  // Written after every run, so a run cut short still leaves the medians of the runs it finished.
  function writeResults(): void {
  const results = medianResults(runs);
  const cacheByMode = Object.fromEntries(Object.entries(closed).filter(([m]) => m.startsWith('sparse')));
  const serverInfo = closed['llama-server'] ?? null;
  const promptMismatchNote = promptMismatch.length > 0 ? [`Prompt token ids differ between modes at ${promptMismatch.join(', ')}.`] : [];
  const serverNote = serverInfo
    ? 'llama-server: same token ids, one slot, --cache-reuse 256, host-memory prompt cache on (--cache-ram 8192); time to first token is the wall time of a /completion with n_predict 1 (its own prompt_ms is in the JSON).'
    : null;

  const loadEnd = loadavg();
  const before = Object.values(loads).map((l) => l[0]!);
  const loadUnder = (before.reduce((a, b) => a + b, 0) / Math.max(1, before.length)).toFixed(1);
  const notes: string[] = [
    `${cfg.quick ? 'QUICK run (tiny model, not a measurement). ' : ''}Model: random weights, ${cfg.preset} (${(model.bytes / 1e6).toFixed(0)} MB), seed ${cfg.seed}; ${requests.length} requests, ${cfg.maxTokens} generated token each; documents ${docs.map((d) => `${d.id} ${docTokens[d.id]}`).join(', ')} tokens; query ${Math.min(...queryTokens)} to ${Math.max(...queryTokens)} tokens.`,
    ...(runs.length < cfg.reps ? [`PARTIAL: ${runs.length} of ${cfg.reps} runs so far.`] : []),
    `One process; every mode has its own fresh engine (new context, new block cache folder) and llama-server its own process; the requests are interleaved (each request goes to full, prefix, sparse, sparse-disk, llama-server in turn) so load bursts on the shared machine hit all modes alike; the whole sequence ran ${runs.length} time(s), each on fresh engines and a fresh server, and the tables show the median per request.`,
    'sparse (disk): no memory tier and the context reset before every request, so every block not computed is read from its file (written moments before, so served from the OS page cache).',
    `Measured under load ${loadUnder} (mean 1-minute load average before the requests; start ${loadStart.join(' ')}, end ${loadEnd.join(' ')}; ${os.availableParallelism()} cores).`,
    `CPU kernels: ggml ${counter.variant}${cfg.cpu ? ' (pinned; llama-server is built with the same CPU features)' : ' (picked by score)'}.`,
    ...promptMismatchNote,
    ...(serverNote ? [serverNote] : []),
  ];
  const requestInfo: RequestInfo[] = [...requests, alone].map((r) => ({ key: r.key, title: r.title, docs: r.docs, newDocs: r.newDocs }));
  const sequenceInfo = requestInfo.filter((r) => r.key !== alone.key);
  const bars = computeBars(sequenceInfo, results);
  const ratios = headlineRatios(sequenceInfo, results);
  const title = `Steerway engine benchmark, ${started.toISOString().slice(0, 10)}${cfg.quick ? ' (quick)' : ''}`;
  const markdown = renderMarkdown({ title, requests: requestInfo, results, bars, notes, ratios });
  const svg = renderSvg({ title, requests: requestInfo, results });
  const json = {
    schema: 2,
    title,
    startedAt: started.toISOString(),
    durationS: Math.round((Date.now() - started.getTime()) / 100) / 10,
    quick: cfg.quick,
    machine: { ...machineFacts(), backend: counter.backend, loadAverage: { start: loadStart, end: loadEnd, beforeRequest: loads } },
    model: { file: path.relative(root, model.path), bytes: model.bytes, preset: cfg.preset, seed: cfg.seed, generatedMs: model.generatedMs },
    config: { backend: cfg.backend, cpuVariant: cfg.cpu ?? 'auto', contextSize: cfg.contextSize, maxTokens: cfg.maxTokens, threads: os.availableParallelism(), docTokens: cfg.docTokens, prefixTokens: cfg.prefixTokens, suffixTokens: cfg.suffixTokens, reps: cfg.reps, order: 'interleaved per request; fresh engine per mode and per run; medians' },
    workload: {
      docs: docs.map((d) => ({ id: d.id, source: d.source, tokens: docTokens[d.id] })),
      querySource: QUERY_SOURCE,
      requests: requestInfo.map((r, i) => ({ ...r, queryTokens: queryTokens[i] ?? null })),
    },
    server: serverInfo,
    cache: cacheByMode,
    results,
    runs,
    bars,
    ratios,
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
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
