// `steerway serve` on a generated tiny model, through the engine host process: the openai package and
// llama.vscode's requests replayed with fetch, block reuse across requests, stop strings, streaming, metrics;
// and the command itself as a process (the token it prints, a clean exit on SIGTERM).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServe, type RunningServe } from '../../main/api/serveCommand';
import { describeNative, makeModel, tempDir } from './helpers';
import { LLAMA_VSCODE_SAMPLING } from '../unit/api/editorRequests';

const CHUNKS = [
  { filename: 'src/args.ts', text: 'export function parseArgs(args: string[]): Options {\n  const options: Options = { name: "", count: 0 };\n  return options;\n}\n' },
  { filename: 'tools/lines.py', text: 'def read_lines(path):\n    with open(path, "r", encoding="utf-8") as f:\n        return [line for line in f]\n' },
];

/** llama.vscode's request (its shape, from its source) at a cursor after `const options = parseArgs(`. */
const vscodeRequest = (extra: Record<string, unknown> = {}) => ({
  input_prefix: 'import { parseArgs } from "./args";\n',
  input_suffix: ');\nconsole.log(options);\n',
  input_extra: CHUNKS,
  prompt: 'const options = parseArgs(',
  n_predict: 8,
  ...LLAMA_VSCODE_SAMPLING,
  temperature: 0,
  ...extra,
});

interface InfillAnswer {
  content: string;
  tokens_cached: number;
  tokens_evaluated: number;
  stop_type: string;
  timings: { prompt_n: number; predicted_n: number; prompt_ms: number; predicted_ms: number };
}

describeNative('steerway serve with a model', () => {
  let dir: string;
  let modelPath: string;
  let serve: RunningServe;
  let headers: Record<string, string>;

  const infill = async (body: unknown): Promise<InfillAnswer> => {
    const response = await fetch(`${serve.api.url}/infill`, { method: 'POST', headers, body: JSON.stringify(body) });
    expect(response.status).toBe(200);
    return (await response.json()) as InfillAnswer;
  };

  beforeAll(async () => {
    dir = tempDir();
    modelPath = makeModel(dir, { seed: 1 }).path;
    serve = await startServe({ model: modelPath, port: 0, token: 'model-test-token', contextSize: 2048, gpu: false, cacheDir: path.join(dir, 'kv') });
    headers = { authorization: 'Bearer model-test-token', 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await serve?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("warms llama.vscode's chunks with n_predict 0, then its completion reuses their blocks", async () => {
    const warm = await infill(vscodeRequest({ input_prefix: '', input_suffix: '', prompt: '', n_predict: 0 }));
    expect(warm.content).toBe('');
    expect(warm.timings.predicted_n).toBe(0);
    expect(warm.timings.prompt_n).toBeGreaterThan(0);

    const first = await infill(vscodeRequest());
    expect(first.tokens_evaluated).toBeGreaterThan(first.timings.prompt_n);
    // The shared header and both chunks' blocks were in place from the warm-up (all it computed but its own
    // query, a few FIM tokens): only this request's query was computed.
    expect(first.tokens_cached).toBeGreaterThan(warm.timings.prompt_n - 8);
    expect(first.timings.prompt_n).toBeLessThan(first.tokens_evaluated - CHUNKS.length);
    expect(first.tokens_cached + first.timings.prompt_n).toBe(first.tokens_evaluated);
    expect(first.timings.predicted_n).toBeGreaterThan(0);
  });

  it('cuts at a stop string and streams pieces that add up to the answer', async () => {
    const plain = await infill(vscodeRequest({ n_predict: 12 }));
    expect(plain.content.length).toBeGreaterThan(2);
    const stop = plain.content.slice(1, 3);
    const cut = await infill(vscodeRequest({ n_predict: 12, stop: [stop] }));
    expect(cut.content).toBe(plain.content.slice(0, plain.content.indexOf(stop)));
    expect(cut.stop_type).toBe('word');

    const response = await fetch(`${serve.api.url}/infill`, { method: 'POST', headers, body: JSON.stringify(vscodeRequest({ n_predict: 12, stream: true })) });
    const events = (await response.text()).split('\n\n').filter(Boolean).map((e) => JSON.parse(e.replace(/^data: /, '')) as { content: string; stop: boolean });
    const last = events.at(-1)!;
    expect(last.stop).toBe(true);
    expect(events.slice(0, -1).map((e) => e.content).join('')).toBe(last.content);
    expect(last.content).toBe(plain.content);
  });

  it('answers the openai package: completions with a suffix, streamed and not', async () => {
    const client = new OpenAI({ baseURL: `${serve.api.url}/v1`, apiKey: 'model-test-token', maxRetries: 0 });
    const request = { model: path.basename(modelPath), prompt: 'const options = parseArgs(', suffix: ');\n', max_tokens: 6, temperature: 0 };
    const whole = await client.completions.create(request);
    expect(whole.choices[0]!.finish_reason).toMatch(/^(stop|length)$/);
    expect(whole.usage!.completion_tokens).toBeGreaterThan(0);
    const stream = await client.completions.create({ ...request, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices.map((c) => c.text).join('');
    expect(text).toBe(whole.choices[0]!.text);
    expect((await client.models.list()).data[0]!.id).toBe('tiny.gguf');
  });

  it('counts prompt tokens by tier in /metrics', async () => {
    const text = await (await fetch(`${serve.api.url}/metrics`, { headers })).text();
    const value = (tier: string) => Number(new RegExp(`steerway_prompt_tokens_total\\{tier="${tier}"\\} (\\d+)`).exec(text)?.[1]);
    expect(value('computed')).toBeGreaterThan(0);
    expect(value('context')).toBeGreaterThan(0);
    expect(Number(/steerway_block_cache_bytes\{tier="memory"\} (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
  });
});

describeNative('steerway serve as a command', () => {
  it('prints the URL and a generated token, serves with it, and exits 0 on SIGTERM', async () => {
    const dir = tempDir();
    try {
      const modelPath = makeModel(dir, { seed: 2 }).path;
      const script = `const { main } = await import(${JSON.stringify(path.resolve('main/cli.ts'))}); process.exitCode = await main(process.argv.slice(1));`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'serve', '--model', modelPath, '--port', '0', '--context-size', '1024', '--cache-dir', path.join(dir, 'kv')], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, STEERWAY_USER_DATA: dir },
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await expect.poll(() => /Token .*: (\S+)/.exec(out), { timeout: 60_000, interval: 100 }).toBeTruthy();
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
      const token = /Token .*: (\S+)/.exec(out)![1]!;
      expect((await fetch(`${url}/v1/models`)).status).toBe(401);
      const models = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
      expect(((await models.json()) as { data: Array<{ id: string }> }).data[0]!.id).toBe('tiny.gguf');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
