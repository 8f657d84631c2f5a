// The completion API's own overhead: `steerway serve` in its own process, llama.vscode-shaped /infill requests
// (three chunks of real code as input_extra, the cursor moving as one types) from 1 and from 4 concurrent clients.
// Overhead = the client's round trip less the engine's own time and less the wait behind other requests, both from
// the answer's Server-Timing header. The bar: under 50 ms at the median, for 1 and for 4 clients.
//   npm run bench:serve                        tiny generated model, 40 requests per client count
//   npm run bench:serve -- --requests 80 --preset qwen2.5-coder-0.5b-shape
//   options: --requests N (per client count), --preset <name> (tools/gguf-fixtures/model.ts PRESETS), --out <dir> (default results/)
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateModel, PRESETS, type PresetName } from '../../tools/gguf-fixtures/model';
import { markdownTable, parseServerTiming, summarise, type ServeSample } from './serveSample';
import { DOC_SOURCES, QUERY_SOURCE, readSource } from './workload';
import { LLAMA_VSCODE_SAMPLING } from '../unit/api/editorRequests';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BAR_MS = 50;
const CLIENT_COUNTS = [1, 4];
/** Requests per client count that warm the server and the engine first, not counted. */
const WARMUP = 3;
const TOKEN = 'bench-serve-token';

function parseArgs(argv: string[]): { requests: number; preset: PresetName; outDir: string } {
  const config = { requests: 40, preset: 'tiny' as PresetName, outDir: path.join(root, 'results') };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[++i];
    if (value === undefined) throw new Error(`serveBench: ${argv[i - 1]} needs a value`);
    switch (argv[i - 1]) {
      case '--requests': config.requests = Number(value); break;
      case '--preset':
        if (!(value in PRESETS)) throw new Error(`serveBench: unknown preset ${value} (${Object.keys(PRESETS).join(', ')})`);
        config.preset = value as PresetName;
        break;
      case '--out': config.outDir = path.resolve(value); break;
      default: throw new Error(`serveBench: unknown argument ${argv[i - 1]} (use --requests N, --preset <name>, --out <dir>)`);
    }
  }
  if (!Number.isInteger(config.requests) || config.requests < 4) throw new Error('serveBench: --requests must be an integer >= 4');
  return config;
}

/** Starts `steerway serve` from source in a child process; resolves with its URL once it prints it. */
async function startServer(modelPath: string, cacheDir: string): Promise<{ url: string; child: ChildProcess }> {
  const script = `const { main } = await import(${JSON.stringify(path.join(root, 'main/cli.ts'))}); process.exitCode = await main(process.argv.slice(1));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'serve', '--model', modelPath, '--port', '0', '--token', TOKEN, '--cache-dir', cacheDir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.on('exit', (code) => reject(new Error(`steerway serve exited with ${code} before serving:\n${out}`)));
  });
  return { url, child };
}

/** llama.vscode's request as one types: eight keystrokes along a line, then the next line. */
function infillBody(chunks: Array<{ filename: string; text: string }>, queryLines: string[], step: number): string {
  const line = 40 + (Math.floor(step / 8) % 200);
  const current = queryLines[line] ?? '';
  const cut = Math.min(current.length, 4 + (step % 8));
  return JSON.stringify({
    input_prefix: queryLines.slice(Math.max(0, line - 64), line).join('\n') + '\n',
    input_suffix: current.slice(cut) + '\n' + queryLines.slice(line + 1, line + 17).join('\n') + '\n',
    input_extra: chunks,
    prompt: current.slice(0, cut),
    n_predict: 16,
    ...LLAMA_VSCODE_SAMPLING,
  });
}

async function timedRequest(url: string, body: string, clients: number): Promise<ServeSample> {
  const started = performance.now();
  const response = await fetch(`${url}/infill`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
  const answer = (await response.json()) as { content?: string; error?: { message: string } };
  const roundTripMs = performance.now() - started;
  if (response.status !== 200) throw new Error(`infill answered ${response.status}: ${answer.error?.message ?? ''}`);
  return { clients, roundTripMs, ...parseServerTiming(response.headers.get('server-timing')) };
}

async function main(): Promise<void> {
  const config = parseArgs(process.argv.slice(2));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-serve-bench-'));
  const { url, child } = await (async () => {
    const model = generateModel(path.join(work, 'model.gguf'), { preset: config.preset, seed: 5 });
    return startServer(model.path, path.join(work, 'kv'));
  })();
  try {
    // Chunks as llama.vscode's ring buffer keeps them: 64 lines of files the user had open.
    const chunks = DOC_SOURCES.slice(0, 3).map((rel) => ({ filename: rel, text: readSource(root, rel).split('\n').slice(0, 64).join('\n') }));
    const queryLines = readSource(root, QUERY_SOURCE).split('\n');
    const samples: ServeSample[] = [];
    let step = 0;
    for (const clients of CLIENT_COUNTS) {
      for (let i = 0; i < WARMUP; i++) await timedRequest(url, infillBody(chunks, queryLines, step++), clients);
      const perClient = Math.ceil(config.requests / clients);
      await Promise.all(
        Array.from({ length: clients }, async () => {
          for (let i = 0; i < perClient; i++) samples.push(await timedRequest(url, infillBody(chunks, queryLines, step++), clients));
        }),
      );
    }
    const rows = summarise(samples);
    const met = rows.every((r) => r.overheadP50 < BAR_MS);
    const table = markdownTable(rows);
    const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, load ${os.loadavg()[0]!.toFixed(2)}, Node ${process.version}`;
    const summary = `Server overhead p50 under ${BAR_MS} ms for ${CLIENT_COUNTS.join(' and ')} clients: ${met ? 'met' : 'NOT met'}`;
    console.log(`${table}\n\n${summary}\n(${config.preset} model; ${machine})`);
    fs.mkdirSync(config.outDir, { recursive: true });
    fs.writeFileSync(path.join(config.outDir, 'serve-bench.json'), `${JSON.stringify({ date: new Date().toISOString(), preset: config.preset, machine, barMs: BAR_MS, met, rows, samples }, null, 1)}\n`);
    fs.writeFileSync(
      path.join(config.outDir, 'serve-bench.md'),
      `# steerway serve: the server's own overhead\n\n${new Date().toISOString()}, ${config.preset} model, ${machine}.\n` +
        'llama.vscode-shaped `POST /infill` (3 chunks of 64 lines as `input_extra`, 64 lines of prefix, 16 of suffix, `n_predict` 16), ' +
        'the server in its own process (`steerway serve`), clients in this one. Overhead is the round trip less the engine\'s time and ' +
        'less the wait behind other clients\' requests (both from `Server-Timing`); "beyond engine" keeps that wait in.\n\n' +
        `${table}\n\n${summary}.\n`,
    );
    if (!met) process.exitCode = 1;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
