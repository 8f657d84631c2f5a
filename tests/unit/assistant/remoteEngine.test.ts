// The remote engine's client against fake llama.cpp and OpenAI servers on 127.0.0.1: what each dialect
// sends, how answers map to the report, and how failures are told apart.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  RemoteAbortedError, RemoteEngine, RemoteEngineError, RemoteUnreachableError, endpoint, openAiPrompt, type RemoteCompleteRequest,
} from '../../../main/assistant/remoteEngine';
import { fakeServer, json } from './fakeRemoteServer';

/** A port nothing listens on: a server opened and closed again. */
async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const REQUEST: RemoteCompleteRequest = {
  prefix: 'const total = add(',
  suffix: ');\n',
  fileName: 'src/main.ts',
  documents: [{ name: 'src/util.ts', text: 'export function add(a, b) { return a + b; }' }, { name: 'Ticket', text: 'Sum two numbers.' }],
  maxTokens: 16,
  stopAt: 'line',
};

const LLAMA_ANSWER = {
  content: '1, 2);\nmore',
  tokens_evaluated: 60,
  timings: { prompt_n: 12, prompt_ms: 8.5, cache_n: 48, predicted_n: 6, predicted_ms: 20, predicted_per_second: 300 },
};

describe('remote engine: llama.cpp dialect', () => {
  it('posts /infill with the documents as input_extra, prefix and suffix, the token as a bearer, and maps the timings', async () => {
    const fake = await fakeServer((_req, res) => json(res, 200, LLAMA_ANSWER));
    const remote = new RemoteEngine({ kind: 'llama.cpp', url: `${fake.url}/`, token: 's3cret', model: null });
    const result = await remote.complete(REQUEST);
    expect(fake.seen).toHaveLength(1);
    const [seen] = fake.seen;
    expect(seen).toMatchObject({ method: 'POST', url: '/infill' });
    expect(seen!.headers.authorization).toBe('Bearer s3cret');
    expect(seen!.body).toMatchObject({
      input_extra: [{ filename: 'src/util.ts', text: 'export function add(a, b) { return a + b; }' }, { filename: 'Ticket', text: 'Sum two numbers.' }],
      input_prefix: 'const total = add(',
      input_suffix: ');\n',
      n_predict: 16,
      cache_prompt: true,
      temperature: 0,
    });
    // Cut at the line's end, as the local engine cuts a one-line suggestion.
    expect(result.text).toBe('1, 2);');
    expect(result.report).toMatchObject({
      format: 'llama.cpp /infill', promptTokens: 60, computedTokens: 12, reusedTokens: 48, timeToFirstTokenMs: 8.5, tokensPerSecond: 300,
    });
  });

  it('probes /health, and sends no authorization header without a token', async () => {
    const fake = await fakeServer((_req, res) => json(res, 200, { status: 'ok' }));
    await new RemoteEngine({ kind: 'llama.cpp', url: fake.url, token: null, model: null }).probe();
    expect(fake.seen.map((r) => [r.method, r.url, r.headers.authorization])).toEqual([['GET', '/health', undefined]]);
  });

  it('a refused token is an engine error naming it; a loading server (503) is unreachable', async () => {
    let status = 401;
    const fake = await fakeServer((_req, res) => json(res, status, { error: { code: status, message: status === 401 ? 'Invalid API Key' : 'Loading model' } }));
    const remote = new RemoteEngine({ kind: 'llama.cpp', url: fake.url, token: 'wrong', model: null });
    const refused = await remote.complete(REQUEST).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RemoteEngineError);
    expect((refused as Error).message).toBe('the server refused the token (HTTP 401: Invalid API Key)');
    status = 503;
    const loading = await remote.complete(REQUEST).catch((e: unknown) => e);
    expect(loading).toBeInstanceOf(RemoteUnreachableError);
    expect((loading as Error).message).toBe('HTTP 503: Loading model');
  });

  it('an answer over the size cap is cut off as an engine error, streamed or declared', async () => {
    const huge = 'x'.repeat(5 * 1024 * 1024);
    const fake = await fakeServer((req, res) => {
      // Chunked (no Content-Length): only counting what arrives can stop it.
      if (req.url === '/infill') res.write(huge);
      res.end();
    });
    const remote = new RemoteEngine({ kind: 'llama.cpp', url: fake.url, token: null, model: null });
    const error = await remote.complete(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteEngineError);
    expect((error as Error).message).toContain('larger than 4 MiB');
  });

  it('an answer that is not a completion is an engine error, not a crash', async () => {
    const fake = await fakeServer((req, res) => (req.url === '/infill' ? json(res, 200, { hello: 'world' }) : res.end('<html>not json')));
    const remote = new RemoteEngine({ kind: 'llama.cpp', url: fake.url, token: null, model: null });
    await expect(remote.complete(REQUEST)).rejects.toThrow(/no `content`: is this a llama.cpp server\?/);
    await expect(remote.probe()).rejects.toThrow(/not JSON: <html>not json/);
  });

  it('connection refused is unreachable with its reason', async () => {
    const remote = new RemoteEngine({ kind: 'llama.cpp', url: `http://127.0.0.1:${await deadPort()}`, token: null, model: null });
    const error = await remote.complete(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteUnreachableError);
    expect((error as Error).message).toBe('ECONNREFUSED');
  });

  it('a server that never answers times out as unreachable, and its connection is closed', async () => {
    const fake = await fakeServer(() => undefined);
    const remote = new RemoteEngine({ kind: 'llama.cpp', url: fake.url, token: null, model: null }, { timeoutMs: 300 });
    const error = await remote.complete(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteUnreachableError);
    expect((error as Error).message).toBe('no answer within 0.3 s');
    await expect.poll(() => fake.closedEarly).toEqual(['/infill']);
  });

  it("the caller's abort cancels the request on the wire", async () => {
    const fake = await fakeServer(() => undefined);
    const remote = new RemoteEngine({ kind: 'llama.cpp', url: fake.url, token: null, model: null });
    const abort = new AbortController();
    const pending = remote.complete(REQUEST, abort.signal).catch((e: unknown) => e);
    await expect.poll(() => fake.seen.length).toBe(1);
    abort.abort();
    expect(await pending).toBeInstanceOf(RemoteAbortedError);
    await expect.poll(() => fake.closedEarly).toEqual(['/infill']);
  });

  it('does not follow a redirect (it could carry the token elsewhere)', async () => {
    const elsewhere = await fakeServer((_req, res) => json(res, 200, LLAMA_ANSWER));
    const fake = await fakeServer((_req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}/infill` });
      res.end();
    });
    const remote = new RemoteEngine({ kind: 'llama.cpp', url: fake.url, token: 't', model: null });
    await expect(remote.complete(REQUEST)).rejects.toBeInstanceOf(RemoteUnreachableError);
    expect(fake.seen).toHaveLength(1);
    expect(elsewhere.seen).toEqual([]);
  });
});

describe('remote engine: OpenAI dialect', () => {
  it('posts /v1/completions with the documents and the prefix as the prompt, the suffix and the model', async () => {
    const fake = await fakeServer((_req, res) => json(res, 200, { choices: [{ text: 'a + b;\n  log(total);\n}\n' }], usage: { prompt_tokens: 70, completion_tokens: 8 } }));
    const remote = new RemoteEngine({ kind: 'openai', url: `${fake.url}/v1`, token: 'tok', model: 'qwen2.5-coder-1.5b' });
    const result = await remote.complete({ ...REQUEST, stopAt: 'block' });
    const [seen] = fake.seen;
    expect(seen).toMatchObject({ method: 'POST', url: '/v1/completions' });
    expect(seen!.headers.authorization).toBe('Bearer tok');
    expect(seen!.body).toEqual({
      model: 'qwen2.5-coder-1.5b',
      prompt: '--- src/util.ts ---\nexport function add(a, b) { return a + b; }\n\n--- Ticket ---\nSum two numbers.\n\n--- src/main.ts ---\nconst total = add(',
      suffix: ');\n',
      max_tokens: 16,
      temperature: 0,
      stream: false,
    });
    // A block suggestion stops before the bracket that closes more than it opened.
    expect(result.text).toBe('a + b;\n  log(total);\n');
    expect(result.report).toMatchObject({ format: 'OpenAI /v1/completions', promptTokens: 70, computedTokens: 70, reusedTokens: 0, notes: [] });
  });

  it('a server that refuses suffix (vLLM) is asked again without it, and from then on', async () => {
    const fake = await fakeServer((req, res) =>
      req.body && 'suffix' in req.body ? json(res, 400, { object: 'error', message: 'suffix is not currently supported', type: 'BadRequestError' }) : json(res, 200, { choices: [{ text: 'x' }] }),
    );
    const remote = new RemoteEngine({ kind: 'openai', url: fake.url, token: null, model: null });
    const first = await remote.complete(REQUEST);
    const second = await remote.complete(REQUEST);
    expect(fake.seen.map((r) => 'suffix' in r.body!)).toEqual([true, false, false]);
    expect(first.report.notes).toEqual(['The server takes no suffix: the text after the cursor was not sent.']);
    expect(second.text).toBe('x');
    expect(fake.seen[0]!.body).not.toHaveProperty('model');
  });

  it("vLLM's cached prompt tokens count as reused", async () => {
    const fake = await fakeServer((_req, res) => json(res, 200, { choices: [{ text: 'x' }], usage: { prompt_tokens: 500, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 480 } } }));
    const result = await new RemoteEngine({ kind: 'openai', url: fake.url, token: null, model: null }).complete(REQUEST);
    expect(result.report).toMatchObject({ promptTokens: 500, computedTokens: 20, reusedTokens: 480 });
  });

  it('probes /v1/models; other 400s are engine errors with the server message', async () => {
    const fake = await fakeServer((req, res) => (req.method === 'GET' ? json(res, 200, { data: [] }) : json(res, 400, { error: { message: 'prompt is too long' } })));
    const remote = new RemoteEngine({ kind: 'openai', url: fake.url, token: null, model: null });
    await remote.probe();
    expect(fake.seen[0]!.url).toBe('/v1/models');
    await expect(remote.complete(REQUEST)).rejects.toThrow('HTTP 400: prompt is too long');
  });
});

describe('remote engine: helpers', () => {
  it('endpoints keep a path prefix and take an OpenAI base URL with or without /v1', () => {
    expect(endpoint({ kind: 'llama.cpp', url: 'https://llm.example/team/' }, 'infill')).toBe('https://llm.example/team/infill');
    expect(endpoint({ kind: 'openai', url: 'http://h:8000' }, 'completions')).toBe('http://h:8000/v1/completions');
    expect(endpoint({ kind: 'openai', url: 'http://h:8000/v1/' }, 'models')).toBe('http://h:8000/v1/models');
  });

  it('the OpenAI prompt without documents is the file header and the prefix', () => {
    expect(openAiPrompt([], 'a.py', 'def f(')).toBe('--- a.py ---\ndef f(');
  });
});
