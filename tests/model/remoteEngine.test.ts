// The remote engine against a real llama-server (built from node-llama-cpp's bundle by `npm run build:llama-server`)
// with 4 slots: 4 editors with different documents ask at the same time through the assistant service.
// Skipped, saying so, where llama-server is not built (CI does not build it: it takes minutes).
import fs from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteEngine } from '../../main/assistant/remoteEngine';
import { findLlamaServer, startLlamaServer, type LlamaServer } from '../bench/llamaServer';
import { remoteEditors, type RemoteEditors } from '../bench/remoteEditors';
import { makeModel, tempDir } from './helpers';

const bin = findLlamaServer();
const describeServer: typeof describe = bin
  ? describe
  : (((name: string, fn: () => void) => describe.skip(`${name} [skipped: llama-server not built; run npm run build:llama-server]`, fn)) as typeof describe);

const TOKEN = 'team-token';
const EDITORS = 4;

describeServer('remote engine: llama-server with --parallel 4', () => {
  let dir: string;
  let server: LlamaServer;
  let editors: RemoteEditors;

  beforeAll(async () => {
    dir = tempDir();
    const model = makeModel(dir, { seed: 5 });
    // 4 slots of 2,048 cells: /infill keeps one batch (512) for prefix and suffix, the rest for the documents.
    server = await startLlamaServer({ model: model.path, ctxSize: EDITORS * 2048, threads: Math.min(4, os.availableParallelism()), parallel: EDITORS, batchSize: 512, apiKey: TOKEN });
    editors = await remoteEditors({ engine: { kind: 'llama.cpp', url: server.url, token: TOKEN, model: null }, editors: EDITORS, docs: 2, docChars: 1200, maxTokens: 8, timeoutMs: 120_000 });
  }, 180_000);
  afterAll(async () => {
    await editors?.dispose();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('4 simultaneous editors with different documents are all answered by the server, with their own documents', async () => {
    const results = await Promise.all(
      Array.from({ length: EDITORS }, (_, e) => editors.complete(e, `r${e}`, `const total${e} = step${e}_0_1(`, ');\n')),
    );
    for (const [e, result] of results.entries()) {
      expect(result.report.engine).toEqual({ kind: 'remote', dialect: 'llama.cpp', url: server.url });
      expect(result.report.format).toBe('llama.cpp /infill');
      expect(result.report.documents.map((d) => [d.title, d.state])).toEqual([[`helpers${e}-0.ts`, 'sent'], [`helpers${e}-1.ts`, 'sent'], [`Editor ${e}'s task`, 'sent']]);
      // The server computed each editor's prompt with its documents: hundreds of tokens, not just the cursor's.
      expect(result.report.promptTokens).toBeGreaterThan(400);
      expect(typeof result.text).toBe('string');
    }
    expect(editors.service.status()).toMatchObject({ state: 'ready', engine: { kind: 'remote' } });
  }, 180_000);

  it("a keystroke later the slot's cached prompt is reused: only the new tokens are computed", async () => {
    const first = await editors.complete(0, 'k1', 'let sum = step0_1_2(', ');\n');
    const next = await editors.complete(0, 'k2', 'let sum = step0_1_2(4', ');\n');
    expect(first.report.engine.kind).toBe('remote');
    expect(next.report.reusedTokens).toBeGreaterThan(next.report.computedTokens);
    expect(next.report.computedTokens).toBeLessThan(50);
  }, 120_000);

  it("the OpenAI dialect against the same server: documents and prefix in the prompt of /v1/completions", async () => {
    const openai = new RemoteEngine({ kind: 'openai', url: `${server.url}/v1`, token: TOKEN, model: null });
    await openai.probe();
    const documents = [{ name: 'helpers.ts', text: 'export const scale = 3;\n'.repeat(40) }];
    const result = await openai.complete({ prefix: 'const x = scale * ', suffix: ';\n', fileName: 'a.ts', documents, maxTokens: 4, stopAt: 'line' });
    expect(result.report.format).toBe('OpenAI /v1/completions');
    expect(result.report.promptTokens).toBeGreaterThan(100);
    expect(typeof result.text).toBe('string');
  }, 120_000);

  it('the server refuses a wrong token, and the status bar says why', async () => {
    const wrong = new RemoteEngine({ kind: 'llama.cpp', url: server.url, token: 'wrong', model: null });
    await expect(wrong.complete({ prefix: 'x', suffix: '', fileName: 'a.ts', documents: [], maxTokens: 1, stopAt: 'line' })).rejects.toThrow(/^the server refused the token \(HTTP 401/);
    const refused = await remoteEditors({ engine: { kind: 'llama.cpp', url: server.url, token: 'wrong', model: null }, editors: 1, docs: 1, docChars: 100, maxTokens: 1, timeoutMs: 60_000 });
    try {
      await expect(refused.complete(0, 'w1', 'x', '')).rejects.toMatchObject({ code: 'error', message: expect.stringMatching(/^Remote engine failed: the server refused the token \(HTTP 401.*; no local model is loaded to take over\.$/) });
    } finally {
      await refused.dispose();
    }
  }, 120_000);

  it('a stopped server is unreachable, with the reason', async () => {
    const gone = new RemoteEngine({ kind: 'llama.cpp', url: server.url, token: TOKEN, model: null });
    await server.stop();
    await expect(gone.probe()).rejects.toThrow('ECONNREFUSED');
  }, 60_000);
});
