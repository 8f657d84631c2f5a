// The completion API's path through the engine host: sampling and stop strings reach the engine, streamed text
// comes back as `text` replies before the result, and the engine's stop-string helpers hold back a partial stop.
import { describe, expect, it } from 'vitest';
import type { CompletionEngine, CompletionRequest } from '../../../../assistant/engine';
import { partialStopLength, stopCut } from '../../../../assistant/engine/sampling';
import { EngineHost } from '../../../../assistant/host/engineHost';
import type { EngineReply } from '../../../../assistant/host/protocol';
import { EngineClient } from '../../../../main/assistant/engineClient';
import { fakeLauncher, HOST_REPORT } from '../fakeHost';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('stop strings', () => {
  it('cut at the earliest stop string', () => {
    expect(stopCut('abc\n\ndef END', ['END', '\n\n'])).toBe(3);
    expect(stopCut('abc', ['x'])).toBe(-1);
    expect(stopCut('abc', [])).toBe(-1);
  });

  it('hold back the end of the text that may begin a stop string', () => {
    expect(partialStopLength('return x;</', ['</s>'])).toBe(2);
    expect(partialStopLength('return x;<', ['</s>', '<|end|>'])).toBe(1);
    expect(partialStopLength('return x;', ['</s>'])).toBe(0);
    expect(partialStopLength('a', ['abc'])).toBe(1);
  });
});

describe('engine host: streamed completes', () => {
  it('passes sampling and stop strings to the engine and sends each piece of text before the result', async () => {
    const requests: CompletionRequest[] = [];
    const engine = {
      model: { format: 'fim-generic', contextLength: 2048 },
      async complete(request: CompletionRequest) {
        requests.push(request);
        request.onText?.('foo');
        request.onText?.('bar');
        return { text: 'foobar', report: { ...HOST_REPORT, promptMs: 5, boundaryRecomputed: 0 } };
      },
      cacheStats: () => ({ memoryBytes: 2048, memoryBlocks: 1, diskBytes: 4096, diskBlocks: 1, placedBlocks: 1, contextCells: 10 }),
      async dispose() {},
    } as unknown as CompletionEngine;
    const replies: EngineReply[] = [];
    const host = new EngineHost((reply) => replies.push(reply), async () => engine);
    host.receive({ type: 'load', loadId: 1, modelPath: '/m.gguf', gpu: false, cacheDir: null, contextSize: 4096 });
    await settle();
    const base = { prefix: 'a', suffix: '', fileName: '', documents: [], mode: 'sparse' as const, boundary: 0, maxTokens: 8, stopAt: 'none' as const };
    host.receive({ type: 'complete', id: 's', ...base, temperature: 0.5, topK: 40, topP: 0.9, seed: 3, stop: ['\n\n'], stream: true });
    await settle();
    expect(requests[0]).toMatchObject({ temperature: 0.5, topK: 40, topP: 0.9, seed: 3, stop: ['\n\n'], stopAt: 'none' });
    expect(replies.slice(1).map((r) => r.type)).toEqual(['text', 'text', 'result']);
    expect(replies.slice(1, 3)).toEqual([{ type: 'text', id: 's', delta: 'foo' }, { type: 'text', id: 's', delta: 'bar' }]);
    expect(replies[3]).toMatchObject({ type: 'result', report: { promptMs: 5 }, cache: { memoryBytes: 2048, diskBytes: 4096 }, queuedMs: expect.any(Number) });

    host.receive({ type: 'complete', id: 'quiet', ...base });
    await settle();
    expect(requests[1]!.onText).toBeUndefined();
    expect(replies.slice(4).map((r) => r.type)).toEqual(['result']);
  });
});

describe('engine client: streamed completes', () => {
  it('asks the host to stream only when given onText, and hands it the pieces of its own request', async () => {
    const fake = fakeLauncher();
    const client = new EngineClient({ launcher: fake.launcher, entryPath: '/entry.js' });
    await client.configure({ modelPath: '/m.gguf', gpu: false, cacheDir: null, contextSize: 4096 });
    const host = fake.processes[0]!;
    const call = { prefix: 'a', suffix: '', fileName: '', documents: [], mode: 'sparse' as const, boundary: 0, maxTokens: 8, stopAt: 'none' as const };
    const pieces: string[] = [];
    const streamed = client.complete({ id: 'a', ...call }, (delta) => pieces.push(delta));
    const plain = client.complete({ id: 'b', ...call });
    expect(host.of('complete').map((r) => r.stream)).toEqual([true, undefined]);
    host.reply({ type: 'text', id: 'a', delta: 'he' });
    host.reply({ type: 'text', id: 'b', delta: 'not mine' });
    host.reply({ type: 'text', id: 'a', delta: 'llo' });
    host.reply({ type: 'result', id: 'a', text: 'hello', report: HOST_REPORT });
    host.reply({ type: 'result', id: 'b', text: 'x', report: HOST_REPORT });
    expect((await streamed).text).toBe('hello');
    expect(pieces).toEqual(['he', 'llo']);
    expect((await plain).text).toBe('x');
    await client.dispose();
  });
});
