// A keystroke's cancel reaches the engine: main's EngineClient -> the engine host process -> the engine's
// generation loop, which stops decoding (ABORTED) instead of finishing the suggestion.
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EngineClient, EngineRequestError, type CompleteCall } from '../../main/assistant/engineClient';
import { describeNative, makeModel, tempDir } from './helpers';

describeNative('cancelling a streamed complete through the engine host', () => {
  let dir: string;
  let client: EngineClient;

  beforeAll(async () => {
    dir = tempDir();
    client = new EngineClient();
    await client.configure({ modelPath: makeModel(dir, { seed: 1 }).path, gpu: false, cacheDir: null, contextSize: 2048 });
    expect(client.state().state).toBe('ready');
  });
  afterAll(async () => {
    await client.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the engine stops generating when the cancel arrives mid-stream, and the next complete answers', async () => {
    // Sampled, so an end-of-generation token is unlikely to end it before the cancel does; 1,500 tokens take far longer than a cancel.
    const call: Omit<CompleteCall, 'id' | 'maxTokens'> = {
      prefix: 'function main() {\n  const value = ', suffix: '\n}\n', fileName: 'a.ts', documents: [], mode: 'sparse', boundary: 0, stopAt: 'none', temperature: 1, seed: 5,
    };
    const pieces: string[] = [];
    const pending = client.complete({ ...call, id: 'c1', maxTokens: 1_500 }, (delta) => {
      pieces.push(delta);
      if (pieces.length === 1) client.cancel('c1');
    });
    const error = await pending.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(EngineRequestError);
    expect((error as EngineRequestError).code).toBe('ABORTED');
    expect(pieces.length).toBeGreaterThan(0);
    const after = await client.complete({ ...call, id: 'c2', maxTokens: 4 });
    expect(after.report.generatedTokens).toBeLessThanOrEqual(4);
  });
});
