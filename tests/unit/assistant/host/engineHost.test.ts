import { describe, expect, it } from 'vitest';
import { CompletionAbortedError, ModelLoadError, type CompletionEngine, type CompletionRequest, type EngineOptions } from '../../../../assistant/engine';
import { EngineHost } from '../../../../assistant/host/engineHost';
import type { EngineReply } from '../../../../assistant/host/protocol';

const REPORT = {
  mode: 'sparse' as const, format: 'fim-generic' as const, notes: [], promptTokens: 10, reusedFromContext: 0, reusedFromMemory: 0, reusedFromDisk: 0,
  computedTokens: 10, boundaryRecomputed: 0, blocks: [], generatedTokens: 1, stopReason: 'eog' as const, timeToFirstTokenMs: 1, tokensPerSecond: 1, promptMs: 1, totalMs: 1,
};

/** An engine whose requests finish only when the test says so (or when aborted). */
class FakeEngine {
  readonly calls: Array<{ request: CompletionRequest; finish: () => void }> = [];
  readonly model = { format: 'fim-generic', contextLength: 2048 } as CompletionEngine['model'];
  disposed = false;
  complete(request: CompletionRequest) {
    return new Promise<{ text: string; report: typeof REPORT }>((resolve, reject) => {
      request.signal?.addEventListener('abort', () => reject(new CompletionAbortedError()));
      this.calls.push({ request, finish: () => resolve({ text: request.maxTokens === 0 ? '' : `done:${request.prefix}`, report: REPORT }) });
    });
  }
  cacheStats() {
    return { memoryBytes: 0, memoryBlocks: 0, diskBytes: 0, diskBlocks: 0, placedBlocks: 0, contextCells: 0 };
  }
  async dispose() {
    this.disposed = true;
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function host(factory?: (options: EngineOptions) => Promise<CompletionEngine>) {
  const replies: EngineReply[] = [];
  const engine = new FakeEngine();
  const created: EngineOptions[] = [];
  const instance = new EngineHost((reply) => replies.push(reply), factory ?? (async (options) => {
    created.push(options);
    return engine as unknown as CompletionEngine;
  }));
  return { instance, replies, engine, created };
}

const load = { type: 'load' as const, loadId: 1, modelPath: '/m.gguf', gpu: false, cacheDir: '/u/kv-cache', contextSize: 4096 };
const complete = (id: string) => ({ type: 'complete' as const, id, prefix: id, suffix: '', fileName: 'a.ts', documents: [], mode: 'sparse' as const, boundary: 0, maxTokens: 8, stopAt: 'line' as const });
const warm = (id: string) => ({ type: 'warm' as const, id, documents: [{ name: 'd', text: id }], mode: 'sparse' as const });

describe('engine host', () => {
  it('loads with the settings, and answers a complete with the engine report', async () => {
    const { instance, replies, engine, created } = host();
    instance.receive(load);
    await settle();
    expect(created[0]).toMatchObject({ modelPath: '/m.gguf', cacheDir: '/u/kv-cache', contextSize: 4096, gpu: false });
    expect(replies[0]).toEqual({ type: 'loaded', loadId: 1, device: 'cpu', format: 'fim-generic', note: null, contextLength: 2048 });
    instance.receive(complete('c1'));
    await settle();
    engine.calls[0]!.finish();
    await settle();
    expect(replies[1]).toMatchObject({ type: 'result', id: 'c1', text: 'done:c1', report: { promptTokens: 10 } });
  });

  it('runs warms only when no complete is waiting; a complete preempts a warm, which runs again after', async () => {
    const { instance, replies, engine } = host();
    instance.receive(load);
    await settle();
    instance.receive(warm('w1'));
    await settle();
    expect(engine.calls.map((c) => [c.request.maxTokens, c.request.documents?.[0]?.text])).toEqual([[0, 'w1']]);
    instance.receive(complete('c1'));
    await settle();
    // The warm was aborted without a reply; the complete runs now.
    expect(replies.filter((r) => r.type !== 'loaded')).toEqual([]);
    expect(engine.calls[1]!.request.prefix).toBe('c1');
    instance.receive(warm('w2'));
    await settle();
    expect(engine.calls).toHaveLength(2);
    engine.calls[1]!.finish();
    await settle();
    expect(engine.calls[2]!.request.documents?.[0]?.text).toBe('w1');
    engine.calls[2]!.finish();
    await settle();
    engine.calls[3]!.finish();
    await settle();
    expect(replies.filter((r) => r.type === 'result').map((r) => r.type === 'result' && r.id)).toEqual(['c1', 'w1', 'w2']);
  });

  it('cancels a complete, a running warm and a queued warm with ABORTED', async () => {
    const { instance, replies } = host();
    instance.receive(load);
    await settle();
    instance.receive(warm('w1'));
    instance.receive(warm('w2'));
    await settle();
    instance.receive({ type: 'cancel', id: 'w2' });
    instance.receive({ type: 'cancel', id: 'w1' });
    await settle();
    instance.receive(complete('c1'));
    await settle();
    instance.receive({ type: 'cancel', id: 'c1' });
    await settle();
    const failed = replies.filter((r) => r.type === 'failed').map((r) => r.type === 'failed' && [r.id, r.error.code]);
    expect(failed).toEqual([['w2', 'ABORTED'], ['w1', 'ABORTED'], ['c1', 'ABORTED']]);
  });

  it('reports a model that fails to load with the engine error, and completes fail NOT_LOADED', async () => {
    const { instance, replies } = host(async (options) => {
      throw new ModelLoadError(options.modelPath, 'bad magic');
    });
    instance.receive(load);
    instance.receive(complete('c1'));
    await settle();
    await settle();
    expect(replies[0]).toEqual({ type: 'load-failed', loadId: 1, error: { name: 'ModelLoadError', code: 'MODEL_LOAD', message: 'cannot load model /m.gguf: bad magic' } });
    expect(replies[1]).toMatchObject({ type: 'failed', id: 'c1', error: { code: 'NOT_LOADED', message: 'cannot load model /m.gguf: bad magic' } });
  });

  it('tries the GPU builds when asked, falls back to the CPU and says so', async () => {
    const tried: unknown[] = [];
    const engine = new FakeEngine();
    const { instance, replies } = host(async (options) => {
      tried.push(options.gpu);
      if (options.gpu) throw new Error(`no ${String(options.gpu)} binaries`);
      return engine as unknown as CompletionEngine;
    });
    instance.receive({ ...load, gpu: true });
    await settle();
    expect(tried).toEqual(['cuda', 'vulkan', false]);
    expect(replies[0]).toMatchObject({ type: 'loaded', device: 'cpu', note: expect.stringContaining('no vulkan binaries') });
  });

  it('answers status with its state and the warms waiting', async () => {
    const { instance, replies } = host();
    instance.receive({ type: 'status' });
    instance.receive(load);
    await settle();
    instance.receive(complete('c1'));
    instance.receive(warm('w1'));
    instance.receive({ type: 'status' });
    expect(replies.filter((r) => r.type === 'status')).toEqual([
      { type: 'status', status: { state: 'empty', modelPath: null, device: 'cpu', message: null, pendingWarms: 0 } },
      { type: 'status', status: { state: 'ready', modelPath: '/m.gguf', device: 'cpu', message: null, pendingWarms: 1 } },
    ]);
  });

  it('disposes the old engine before loading another', async () => {
    const { instance, engine } = host();
    instance.receive(load);
    await settle();
    instance.receive({ ...load, loadId: 2 });
    await settle();
    expect(engine.disposed).toBe(true);
  });
});
