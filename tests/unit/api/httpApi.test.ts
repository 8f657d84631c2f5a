// The completion API over a fake engine: every refusal, llama.vscode's and llama.vim's request shapes replayed with
// plain fetch, the `openai` package as a client (suffix, streaming), cancellation, and the metrics.
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostReport } from '../../../assistant/host/protocol';
import type { CompleteCall, CompleteResult, EngineClientState } from '../../../main/assistant/engineClient';
import { EngineRequestError, EngineUnavailableError } from '../../../main/assistant/engineClient';
import { startCompletionApi, type RunningCompletionApi } from '../../../main/api/httpApi';
import { API_LIMITS } from '../../../main/api/limits';
import { LLAMA_VSCODE_SAMPLING } from './editorRequests';

const TOKEN = 'test-token-0123456789';

const REPORT: HostReport = {
  mode: 'sparse', format: 'qwen2.5-coder', notes: [], promptTokens: 120, reusedFromContext: 60, reusedFromMemory: 20, reusedFromDisk: 10, computedTokens: 30,
  blocks: [], generatedTokens: 3, stopReason: 'maxTokens', timeToFirstTokenMs: 8, tokensPerSecond: 100, boundaryRecomputed: 0, promptMs: 6, totalMs: 26,
};

/** An engine that answers each complete with `answer` split into pieces, or waits when `hold` is set. */
class FakeEngine {
  readonly calls: CompleteCall[] = [];
  readonly cancelled: string[] = [];
  current: EngineClientState = { state: 'ready', device: 'cpu', message: null };
  answer = ['he', 'llo'];
  report: HostReport = REPORT;
  failWith: Error | null = null;
  hold = false;
  private held = new Map<string, (error: Error) => void>();

  state() {
    return this.current;
  }
  async complete(call: CompleteCall, onText?: (delta: string) => void): Promise<CompleteResult> {
    this.calls.push(call);
    if (this.failWith) throw this.failWith;
    if (this.hold) await new Promise<void>((_resolve, reject) => this.held.set(call.id, reject));
    for (const piece of this.answer) onText?.(piece);
    return { text: this.answer.join(''), report: this.report, cache: { memoryBytes: 1_048_576, diskBytes: 4_194_304 }, queuedMs: 2 };
  }
  cancel(id: string) {
    this.cancelled.push(id);
    this.held.get(id)?.(new EngineRequestError('ABORTED', 'completion aborted'));
  }
}

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with any Host and headers (fetch would not let us set Host). */
function raw(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    // A server that refuses a large body may close before it is all sent; the answer already came.
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

function rawStatusLine(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.on('data', (c: Buffer) => (data += c.toString('latin1')));
    socket.on('end', () => resolve(data.split('\r\n')[0]!));
    socket.on('error', reject);
  });
}

const errorOf = (answer: RawAnswer) => (JSON.parse(answer.body) as { error: { code: number; type: string; message: string } }).error;

/** What llama.vscode sends for a completion (request shape read from its source). */
const LLAMA_VSCODE = {
  input_prefix: 'function add(a, b) {\n',
  input_suffix: '\n}\n',
  input_extra: [{ filename: 'src/math.ts', text: 'export const PI = 3.14;\n' }, { filename: 'src/util.ts', text: 'export function twice(x) { return 2 * x; }\n' }],
  prompt: '  return ',
  n_predict: 128,
  ...LLAMA_VSCODE_SAMPLING,
};

/** What llama.vim sends: chunks with a time, the indent, and the fields it wants, some nested. */
const LLAMA_VIM = {
  input_prefix: 'def add(a, b):\n',
  input_suffix: '\n',
  input_extra: [{ text: 'PI = 3.14\n', time: 1733300000.5, filename: 'consts.py' }],
  prompt: '    return ',
  n_predict: 128,
  n_indent: 4,
  ...LLAMA_VSCODE_SAMPLING,
  response_fields: ['content', 'timings/prompt_n', 'timings/prompt_ms', 'timings/prompt_per_token_ms', 'timings/prompt_per_second', 'timings/predicted_n', 'timings/predicted_ms', 'timings/predicted_per_token_ms', 'timings/predicted_per_second', 'truncated', 'tokens_cached'],
};

describe('completion API', () => {
  let engine: FakeEngine;
  let api: RunningCompletionApi;
  let auth: Record<string, string>;

  beforeEach(async () => {
    engine = new FakeEngine();
    api = await startCompletionApi({ engine, modelName: () => 'tiny.gguf', port: 0, token: TOKEN });
    auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  });
  afterEach(async () => api.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = auth) => raw(api.port, path, { method: 'POST', headers, body: JSON.stringify(body) });

  it('listens on 127.0.0.1 only, with a random token when none is given', async () => {
    expect(api.url).toBe(`http://127.0.0.1:${api.port}`);
    const other = await startCompletionApi({ engine, modelName: () => 'tiny.gguf', port: 0 });
    try {
      expect(other.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(other.token).not.toBe(api.token);
    } finally {
      await other.close();
    }
  });

  it('refuses a request without the token, or with a wrong one, without running anything', async () => {
    const body = JSON.stringify({ input_prefix: 'a' });
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN]) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) };
      const answer = await raw(api.port, '/infill', { method: 'POST', headers, body });
      expect(answer.status).toBe(401);
      expect(errorOf(answer)).toEqual({ code: 401, type: 'authentication_error', message: 'Invalid API Key' });
    }
    for (const path of ['/v1/models', '/metrics']) expect((await raw(api.port, path)).status).toBe(401);
    expect(engine.calls).toEqual([]);
  });

  it('refuses a foreign Host (DNS rebinding), an empty one, and a page of another origin', async () => {
    const body = JSON.stringify({ input_prefix: 'a' });
    for (const host of [`evil.example:${api.port}`, 'evil.example', `127.0.0.1:${api.port + 1}`]) {
      const answer = await raw(api.port, '/infill', { method: 'POST', headers: { ...auth, host }, body });
      expect(answer.status).toBe(421);
      expect(errorOf(answer).type).toBe('permission_error');
    }
    expect((await raw(api.port, '/health', { headers: { host: `evil.example:${api.port}` } })).status).toBe(421);
    // Node's client fills an empty Host in; a raw request keeps it empty, and HTTP/1.0 has none at all.
    expect(await rawStatusLine(api.port, `GET /health HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n`)).toBe('HTTP/1.1 421 Misdirected Request');
    expect(await rawStatusLine(api.port, 'GET /health HTTP/1.0\r\n\r\n')).toBe('HTTP/1.1 421 Misdirected Request');
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${api.port + 1}`]) {
      const answer = await raw(api.port, '/infill', { method: 'POST', headers: { ...auth, origin }, body });
      expect(answer.status).toBe(403);
    }
    // The server's own origin and localhost by name are fine.
    expect((await raw(api.port, '/infill', { method: 'POST', headers: { ...auth, origin: `http://localhost:${api.port}`, host: `localhost:${api.port}` }, body })).status).toBe(200);
    expect(engine.calls).toHaveLength(1);
  });

  it('refuses a wrong method, a body that is not JSON, an oversized body, and unknown routes', async () => {
    const get = await raw(api.port, '/infill', { headers: auth });
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect((await raw(api.port, '/v1/models', { method: 'POST', headers: auth, body: '{}' })).status).toBe(405);
    expect((await raw(api.port, '/infill', { method: 'PUT', headers: auth, body: '{}' })).status).toBe(405);
    expect((await raw(api.port, '/infill', { method: 'OPTIONS', headers: auth })).status).toBe(405);

    const form = await raw(api.port, '/infill', { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: '{"input_prefix":"a"}' });
    expect(form.status).toBe(415);
    const noType = await raw(api.port, '/infill', { method: 'POST', headers: { authorization: auth.authorization! }, body: '{"input_prefix":"a"}' });
    expect(noType.status).toBe(415);
    const broken = await raw(api.port, '/infill', { method: 'POST', headers: auth, body: '{"input_prefix":' });
    expect(broken.status).toBe(400);
    expect(errorOf(broken).message).toMatch(/not valid JSON/);

    const big = Buffer.alloc(API_LIMITS.maxBodyBytes + 1, 0x20);
    const declared = await raw(api.port, '/infill', { method: 'POST', headers: auth, body: big });
    expect(declared.status).toBe(413);
    expect(errorOf(declared).message).toContain(String(API_LIMITS.maxBodyBytes));
    // Chunked, so no Content-Length tells in advance: cut while reading.
    const chunked = await raw(api.port, '/infill', { method: 'POST', headers: { ...auth, 'transfer-encoding': 'chunked' }, body: big });
    expect(chunked.status).toBe(413);

    const unknown = await raw(api.port, '/v1/chat/completions', { method: 'POST', headers: auth, body: '{}' });
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown).type).toBe('not_found_error');
    expect(engine.calls).toEqual([]);
  });

  it('refuses fields out of bounds, naming the field, and generation past the cap', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ input_prefix: 3 }, /input_prefix/],
      [{ input_prefix: 'a', n_predict: API_LIMITS.maxPredictTokens + 1 }, new RegExp(`n_predict is at most ${API_LIMITS.maxPredictTokens}`)],
      [{ input_prefix: 'a', input_extra: [{ filename: 'a' }] }, /input_extra\.0\.text/],
      [{ input_prefix: 'a', top_p: 0 }, /top_p/],
      [{ input_prefix: 'a', stop: Array(API_LIMITS.maxStopStrings + 1).fill('x') }, /at most/],
      [[1, 2], /expected object/],
    ];
    for (const [body, message] of cases) {
      const answer = await post('/infill', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(answer)).toMatchObject({ code: 400, type: 'invalid_request_error' });
      expect(errorOf(answer).message).toMatch(message);
    }
    const tooMany = await post('/v1/completions', { prompt: 'a', max_tokens: API_LIMITS.maxPredictTokens + 1 });
    expect(errorOf(tooMany).message).toMatch(/max_tokens/);
    expect((await post('/v1/completions', { prompt: 'a', n: 2 })).status).toBe(400);
    expect((await post('/v1/completions', { prompt: ['a', 'b'] })).status).toBe(400);
    expect(engine.calls).toEqual([]);
  });

  it("answers llama.vscode's request: each input_extra chunk a document, the prompt at the cursor, llama.cpp's fields", async () => {
    const answer = await post('/infill', LLAMA_VSCODE);
    expect(answer.status).toBe(200);
    expect(engine.calls[0]).toMatchObject({
      prefix: 'function add(a, b) {\n  return ',
      suffix: '\n}\n',
      documents: [{ name: 'src/math.ts', text: 'export const PI = 3.14;\n' }, { name: 'src/util.ts', text: 'export function twice(x) { return 2 * x; }\n' }],
      maxTokens: 128,
      topK: 40,
      topP: 0.99,
      mode: 'sparse',
    });
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(body).toMatchObject({ content: 'hello', stop: true, model: 'tiny.gguf', tokens_cached: 90, tokens_predicted: 3, tokens_evaluated: 120, stop_type: 'limit', truncated: false });
    expect(body.timings).toEqual({
      prompt_n: 30, prompt_ms: 6, prompt_per_token_ms: 0.2, prompt_per_second: 5000,
      predicted_n: 3, predicted_ms: 20, predicted_per_token_ms: 20 / 3, predicted_per_second: 150,
    });
    expect(answer.headers['server-timing']).toBe('engine;dur=26.000, queue;dur=2.000');
  });

  it("takes llama.vscode's warm-up (n_predict 0) as encoding only", async () => {
    engine.answer = [];
    const answer = await post('/infill', { ...LLAMA_VSCODE, input_prefix: '', input_suffix: '', prompt: '', n_predict: 0 });
    expect(answer.status).toBe(200);
    expect(engine.calls[0]).toMatchObject({ maxTokens: 0, documents: [{ name: 'src/math.ts' }, { name: 'src/util.ts' }] });
    expect(JSON.parse(answer.body)).toMatchObject({ content: '', tokens_cached: 90 });
  });

  it("answers llama.vim's request with only the fields it asked for, nested ones under their path", async () => {
    const answer = await post('/infill', LLAMA_VIM);
    expect(answer.status).toBe(200);
    expect(engine.calls[0]).toMatchObject({ prefix: 'def add(a, b):\n    return ', documents: [{ name: 'consts.py', text: 'PI = 3.14\n' }] });
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([...LLAMA_VIM.response_fields].sort());
    expect(body).toMatchObject({ content: 'hello', 'timings/prompt_n': 30, 'timings/predicted_n': 3, tokens_cached: 90, truncated: false });
  });

  it('names chunks without a file name, and maps n_predict -1, seed and stop strings', async () => {
    await post('/infill', { input_prefix: 'x', input_extra: [{ text: 'a' }, { text: 'b', filename: '' }], n_predict: -1, seed: 7, stop: ['\n\n', ''], temperature: 0.2 });
    expect(engine.calls[0]).toMatchObject({ documents: [{ name: 'extra-0' }, { name: 'extra-1' }], maxTokens: API_LIMITS.maxPredictTokens, seed: 7, stop: ['\n\n'], temperature: 0.2 });
    await post('/infill', { input_prefix: 'x', seed: -1, stop: 'END' });
    expect(engine.calls[1]).not.toHaveProperty('seed');
    expect(engine.calls[1]).toMatchObject({ stop: ['END'] });
  });

  it('streams an infill as server-sent events ending with the full answer', async () => {
    const answer = await post('/infill', { ...LLAMA_VSCODE, stream: true });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/event-stream');
    const events = answer.body.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.replace(/^data: /, '')) as Record<string, unknown>);
    expect(events.map((e) => e.content)).toEqual(['he', 'llo', 'hello']);
    expect(events.map((e) => e.stop)).toEqual([false, false, true]);
    expect(events[2]).toMatchObject({ tokens_cached: 90, timings: { prompt_n: 30 } });
  });

  it('serves the openai package: a completion with a suffix, a stream, and the model list', async () => {
    const client = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
    const completion = await client.completions.create({ model: 'tiny.gguf', prompt: 'def add(a, b):\n    return ', suffix: '\n\nprint(add(1, 2))\n', max_tokens: 3, temperature: 0, stop: ['\n\n'] });
    expect(engine.calls[0]).toMatchObject({ prefix: 'def add(a, b):\n    return ', suffix: '\n\nprint(add(1, 2))\n', maxTokens: 3, temperature: 0, stop: ['\n\n'], documents: [] });
    expect(completion).toMatchObject({ object: 'text_completion', model: 'tiny.gguf', choices: [{ text: 'hello', index: 0, finish_reason: 'length' }], usage: { prompt_tokens: 120, completion_tokens: 3, total_tokens: 123 } });
    expect(completion.id).toMatch(/^cmpl-/);

    const stream = await client.completions.create({ model: 'tiny.gguf', prompt: 'x', suffix: 'y', max_tokens: 3, stream: true, stream_options: { include_usage: true } });
    const texts: string[] = [];
    const finishes: Array<string | null> = [];
    let usage: unknown = null;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        texts.push(choice.text);
        finishes.push(choice.finish_reason);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(texts.join('')).toBe('hello');
    expect(finishes.at(-1)).toBe('length');
    expect(usage).toEqual({ prompt_tokens: 120, completion_tokens: 3, total_tokens: 123 });

    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['tiny.gguf']);

    const refused = new OpenAI({ baseURL: `${api.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
    await expect(refused.completions.create({ model: 'm', prompt: 'x' })).rejects.toMatchObject({ status: 401 });
  });

  it('cancels the completion when the client goes away', async () => {
    engine.hold = true;
    const controller = new AbortController();
    const pending = fetch(`${api.url}/infill`, { method: 'POST', headers: auth, body: JSON.stringify(LLAMA_VSCODE), signal: controller.signal });
    await expect.poll(() => engine.calls.length).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(() => engine.cancelled).toEqual([engine.calls[0]!.id]);
  });

  it('says the engine is unavailable, and maps its errors to llama.cpp error types', async () => {
    engine.current = { state: 'loading', device: 'cpu', message: 'Loading tiny.gguf…' };
    const health = await raw(api.port, '/health');
    expect(health.status).toBe(503);
    expect(errorOf(health)).toEqual({ code: 503, type: 'unavailable_error', message: 'Loading model' });
    expect((await post('/infill', LLAMA_VSCODE)).status).toBe(503);
    engine.current = { state: 'ready', device: 'cpu', message: null };
    expect(JSON.parse((await raw(api.port, '/health')).body)).toEqual({ status: 'ok' });

    engine.failWith = new EngineRequestError('CONTEXT_OVERFLOW', 'prompt needs 9000 KV cells, the context has 4096');
    const overflow = await post('/infill', LLAMA_VSCODE);
    expect(overflow.status).toBe(400);
    expect(errorOf(overflow)).toMatchObject({ type: 'exceed_context_size_error', message: expect.stringContaining('9000') });
    engine.failWith = new EngineUnavailableError('The completion engine was stopped.');
    expect((await post('/v1/completions', { prompt: 'x' })).status).toBe(503);
  });

  it('exports metrics in the Prometheus text format: requests and errors by route, latencies, tokens by tier, cache bytes', async () => {
    await post('/infill', LLAMA_VSCODE);
    await post('/infill', LLAMA_VSCODE);
    await post('/v1/completions', { prompt: 'x' });
    await post('/infill', { input_prefix: 3 });
    await raw(api.port, '/infill', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const answer = await raw(api.port, '/metrics', { headers: { authorization: auth.authorization! } });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = answer.body;
    expect(text).toContain('# TYPE steerway_api_requests_total counter');
    expect(text).toContain('steerway_api_requests_total{route="/infill",status="200"} 2');
    expect(text).toContain('steerway_api_requests_total{route="/v1/completions",status="200"} 1');
    expect(text).toContain('steerway_api_requests_total{route="/infill",status="400"} 1');
    expect(text).toContain('steerway_api_errors_total{route="/infill",type="invalid_request_error"} 1');
    expect(text).toContain('steerway_api_errors_total{route="/infill",type="authentication_error"} 1');
    expect(text).toContain('# TYPE steerway_api_time_to_first_token_seconds histogram');
    expect(text).toContain('steerway_api_time_to_first_token_seconds_count{route="/infill"} 2');
    expect(text).toContain('steerway_api_request_duration_seconds_bucket{route="/infill",le="+Inf"} 2');
    expect(text).toContain('steerway_prompt_tokens_total{tier="computed"} 90');
    expect(text).toContain('steerway_prompt_tokens_total{tier="context"} 180');
    expect(text).toContain('steerway_prompt_tokens_total{tier="memory"} 60');
    expect(text).toContain('steerway_prompt_tokens_total{tier="disk"} 30');
    expect(text).toContain('steerway_block_cache_bytes{tier="memory"} 1048576');
    expect(text).toContain('steerway_block_cache_bytes{tier="disk"} 4194304');
    // Every sample line is `name{labels} number`; buckets are cumulative.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$/);
    const buckets = [...text.matchAll(/steerway_api_request_duration_seconds_bucket\{route="\/infill",le="[^"]+"\} (\d+)/g)].map((m) => Number(m[1]));
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
  });
});
