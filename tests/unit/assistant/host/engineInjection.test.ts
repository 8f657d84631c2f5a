// Attention injection across the engine host: the complete message carries `inject` (checked by the protocol's
// schema) and the host hands it to the engine as it is.
import { describe, expect, it } from 'vitest';
import type { CompletionEngine, CompletionRequest } from '../../../../assistant/engine';
import { EngineHost } from '../../../../assistant/host/engineHost';
import { EngineRequest } from '../../../../assistant/host/protocol';
import { HOST_REPORT } from '../fakeHost';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const base = { type: 'complete' as const, id: 'c', prefix: 'a', suffix: '', fileName: 'a.ts', documents: [], mode: 'sparse' as const, boundary: 0, maxTokens: 8, stopAt: 'none' as const };

describe('engine host: attention injection', () => {
  it('accepts auto or a head list in a complete and refuses anything else', () => {
    expect(EngineRequest.safeParse({ ...base, inject: 'auto' }).success).toBe(true);
    expect(EngineRequest.safeParse({ ...base, inject: [{ layer: 1, head: 0, pattern: 'use-def' }, { layer: 0, head: 2, pattern: 'zero' }] }).success).toBe(true);
    expect(EngineRequest.safeParse({ ...base, inject: [{ layer: 1, head: 0, pattern: 'nearest' }] }).success).toBe(false);
    expect(EngineRequest.safeParse({ ...base, inject: [{ layer: -1, head: 0, pattern: 'sink' }] }).success).toBe(false);
    expect(EngineRequest.safeParse({ ...base, inject: 'all' }).success).toBe(false);
  });

  it('passes the heads to the engine, and nothing when the message has none', async () => {
    const requests: CompletionRequest[] = [];
    const engine = {
      model: { format: 'fim-generic', contextLength: 2048 },
      async complete(request: CompletionRequest) {
        requests.push(request);
        return { text: '', report: HOST_REPORT };
      },
      cacheStats: () => ({ memoryBytes: 0, memoryBlocks: 0, diskBytes: 0, diskBlocks: 0, placedBlocks: 0, contextCells: 0 }),
      async dispose() {},
    } as unknown as CompletionEngine;
    const host = new EngineHost(() => undefined, async () => engine);
    host.receive({ type: 'load', loadId: 1, modelPath: '/m.gguf', gpu: false, cacheDir: null, contextSize: 4096 });
    await settle();
    host.receive({ ...base, inject: [{ layer: 1, head: 0, pattern: 'use-def' }] });
    await settle();
    host.receive({ ...base, id: 'd', inject: 'auto' });
    await settle();
    host.receive({ ...base, id: 'e' });
    await settle();
    expect(requests.map((r) => r.inject)).toEqual([[{ layer: 1, head: 0, pattern: 'use-def' }], 'auto', undefined]);
    expect('inject' in requests[2]!).toBe(false);
  });
});
