// Drives llama.cpp's own llama-server (built from node-llama-cpp's bundle by
// `npm run build:llama-server`) over loopback HTTP, as the benchmark's outside reference.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where `scripts/build-llama-server.mjs` puts the binary. */
export const LLAMA_SERVER_BIN = path.join(repoRoot, 'build', 'llama-server', 'build', 'bin', 'llama-server');

/** The ggml CPU variant the server was built as (written by the build script), or null. */
export function llamaServerCpuVariant(): string | null {
  const file = path.join(repoRoot, 'build', 'llama-server', 'cpu-variant.txt');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() || null : null;
}

/** The binary, or null when it has not been built (the benchmark then skips the column). */
export function findLlamaServer(): string | null {
  const bin = process.env.STEERWAY_LLAMA_SERVER ?? LLAMA_SERVER_BIN;
  return fs.existsSync(bin) ? bin : null;
}

export interface LlamaServerOptions {
  model: string;
  /** KV cells; must hold the longest prompt plus the generated tokens. */
  ctxSize: number;
  threads: number;
  /** Smallest chunk of an earlier prompt that is shifted into place instead of recomputed (llama.vscode uses 256). */
  cacheReuse?: number;
  /** Host-memory prompt cache in MiB (llama-server's own default is 8192; 0 turns it off). */
  cacheRamMiB?: number;
  /** Flash attention setting passed to `-fa` (the engine's default is 'auto'). */
  flashAttn?: 'on' | 'off' | 'auto';
  /** Slots (`-np`): requests served at once, each with `ctxSize / parallel` cells. Default 1. */
  parallel?: number;
  /** Largest batch (`-b` and `-ub`); llama.cpp's default is 2048 (`/infill` keeps a batch for prefix and suffix). */
  batchSize?: number;
  /** `--api-key`: requests (not /health) must carry it as a bearer token. */
  apiKey?: string;
  bin?: string;
}

/** One `/completion` answer, reduced to what the benchmark reports. */
export interface ServerCompletion {
  /** Wall time of the HTTP request (prompt processing, the generated tokens, JSON). */
  wallMs: number;
  /** The server's own `timings.prompt_ms`: time to process the prompt, i.e. to the first token. */
  promptMs: number;
  predictedMs: number;
  /** Prompt tokens computed (`timings.prompt_n`). */
  promptComputed: number;
  /** Prompt tokens taken from the cache (`timings.cache_n`). */
  promptCached: number;
  tokens: number[];
}

export interface LlamaServer {
  readonly bin: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly args: readonly string[];
  /** `/props` build info (version string), when the server reports it. */
  readonly buildInfo: string | null;
  complete(prompt: readonly number[], nPredict: number): Promise<ServerCompletion>;
  stop(): Promise<void>;
}

/**
 * POSTs JSON and reads the answer without a time limit: on a loaded 2-core machine a cold 4k-token prompt
 * can take llama-server longer than fetch's 300 s header timeout.
 */
function postJson(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function waitHealthy(base: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`llama-server exited (${child.exitCode ?? child.signalCode}):\n${log()}`);
    try {
      const r = await fetch(`${base}/health`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`llama-server not healthy after ${timeoutMs} ms:\n${log()}`);
}

/** Pure: the command line the benchmark starts the server with (exported for the record and the tests). */
export function serverArgs(o: LlamaServerOptions, port: number): string[] {
  return [
    '-m', o.model,
    '--host', '127.0.0.1',
    '--port', String(port),
    '-c', String(o.ctxSize),
    '-t', String(o.threads),
    '-tb', String(o.threads),
    // One slot by default: every request lands on the same KV cache, as one user's editor would.
    '-np', String(o.parallel ?? 1),
    ...(o.batchSize ? ['-b', String(o.batchSize), '-ub', String(o.batchSize)] : []),
    ...(o.apiKey ? ['--api-key', o.apiKey] : []),
    '--cache-reuse', String(o.cacheReuse ?? 256),
    '--cache-ram', String(o.cacheRamMiB ?? 8192),
    '-fa', o.flashAttn ?? 'auto',
    '--no-warmup',
  ];
}

export async function startLlamaServer(o: LlamaServerOptions): Promise<LlamaServer> {
  const bin = o.bin ?? findLlamaServer();
  if (!bin) throw new Error('llama-server is not built (npm run build:llama-server)');
  const port = await freePort();
  const args = serverArgs(o, port);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let logText = '';
  const keep = (b: Buffer) => {
    // Only the tail matters for a start-up error; the server logs every request.
    logText = (logText + b.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(base, child, () => logText, 120_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  let buildInfo: string | null = null;
  try {
    const props = (await (await fetch(`${base}/props`)).json()) as { build_info?: string };
    buildInfo = props.build_info ?? null;
  } catch {
    buildInfo = null;
  }

  return {
    bin,
    port,
    url: base,
    args,
    buildInfo,
    async complete(prompt, nPredict) {
      const t0 = performance.now();
      const r = await postJson(`${base}/completion`, {
        // Token ids, so the server sees exactly the engine's prompt (no BOS is added to an id array).
        prompt: [...prompt],
        n_predict: nPredict,
        cache_prompt: true,
        temperature: 0,
        top_k: 1,
        samplers: ['top_k'],
        return_tokens: true,
        stream: false,
      });
      const body = r.json as {
        tokens?: number[];
        timings?: { prompt_ms: number; predicted_ms: number; prompt_n: number; cache_n: number };
        error?: { message?: string };
      };
      const wallMs = performance.now() - t0;
      if (r.status !== 200 || !body.timings) throw new Error(`llama-server /completion failed (${r.status}): ${body.error?.message ?? JSON.stringify(body).slice(0, 300)}`);
      return {
        wallMs,
        promptMs: body.timings.prompt_ms,
        predictedMs: body.timings.predicted_ms,
        promptComputed: body.timings.prompt_n,
        promptCached: body.timings.cache_n,
        tokens: body.tokens ?? [],
      };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
