// Lifecycle of native objects: abort of an in-flight decode, busy guards, dispose during decode,
// finalizers on GC, and no native memory left behind by repeated create/dispose.
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GeneratedModel } from '../../tools/gguf-fixtures/model';
import type { AddonModel, DecodeBatch, NativeAddon } from '../../native/binding';
import { decodeSeq, describeNative, makeModel, maxAbsDiff, range, setupAddon, tempDir } from './helpers';

const SLOW_SHAPE = { nLayer: 4, nEmbd: 512, nHead: 8, nHeadKv: 2, nFf: 1536 };

function gcNow(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const ticks = (n: number): Promise<void> => new Promise((resolve) => {
  let left = n;
  const step = (): void => (--left <= 0 ? resolve() : void setImmediate(step));
  setImmediate(step);
});

describeNative('native addon: lifecycle', () => {
  let addon: NativeAddon;
  let dir: string;
  let slow: GeneratedModel;
  let model: AddonModel;
  let batch: DecodeBatch;

  beforeAll(async () => {
    addon = setupAddon();
    dir = tempDir();
    slow = makeModel(dir, { shape: SLOW_SHAPE, seed: 11 }, 'slow.gguf');
    model = await addon.loadModel(slow.path);
    const n = 512;
    const tokens = Int32Array.from({ length: n }, (_, i) => 300 + ((i * 37) % 600));
    batch = { tokens, positions: range(n), seqIds: new Int32Array(n) };
  });
  afterAll(() => {
    model?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('aborts an in-flight decode promptly and stays usable', async () => {
    const ctx = await model.createContext({ nCtx: 1024, nBatch: 512, nUbatch: 32 });
    let started = performance.now();
    await ctx.decode(batch);
    const full = performance.now() - started;
    const reference = ctx.logits(batch.tokens.length - 1);

    ctx.clearMemory();
    started = performance.now();
    const immediate = ctx.decode(batch);
    ctx.abort();
    await expect(immediate).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(performance.now() - started).toBeLessThan(full / 2);
    expect(ctx.busy).toBe(false);

    ctx.clearMemory();
    started = performance.now();
    const later = ctx.decode(batch);
    setTimeout(() => ctx.abort(), full / 5);
    await expect(later).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(performance.now() - started).toBeLessThan(full * 0.8);
    // The ubatches done before the abort stay in the cache.
    expect(ctx.seqPosMax(0)).toBeLessThan(batch.tokens.length - 1);
    expect(() => ctx.logits(0)).toThrow(expect.objectContaining({ code: 'ERR_NO_LOGITS' }));

    ctx.clearMemory();
    await ctx.decode(batch);
    expect(maxAbsDiff(ctx.logits(batch.tokens.length - 1), reference)).toBe(0);
    ctx.abort(); // idle: no effect on the next decode
    ctx.clearMemory();
    await ctx.decode(batch);
    ctx.dispose();
  });

  it('refuses a second decode and other calls while one runs', async () => {
    const ctx = await model.createContext({ nCtx: 1024, nBatch: 512 });
    const running = ctx.decode(batch);
    expect(ctx.busy).toBe(true);
    await expect(ctx.decode(batch)).rejects.toMatchObject({ code: 'ERR_BUSY' });
    for (const call of [() => ctx.logits(0), () => ctx.seqRm(0, -1, -1), () => ctx.stateSeqGet(0), () => ctx.clearMemory(), () => ctx.seqPosMax(0)]) {
      expect(call).toThrow(expect.objectContaining({ code: 'ERR_BUSY' }));
    }
    await running;
    expect(ctx.busy).toBe(false);
    expect(ctx.seqPosMax(0)).toBe(batch.tokens.length - 1);
    ctx.dispose();
  });

  it('disposing a context or its model during a decode aborts it and frees everything', async () => {
    const before = addon.liveObjects();
    const ctx = await model.createContext({ nCtx: 1024, nBatch: 512 });
    const running = ctx.decode(batch);
    ctx.dispose();
    ctx.dispose();
    expect(ctx.disposed).toBe(true);
    await expect(running).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    expect(addon.liveObjects()).toEqual(before);
    await expect(ctx.decode(batch)).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    expect(() => ctx.logits(0)).toThrow(expect.objectContaining({ code: 'ERR_DISPOSED' }));

    const other = await addon.loadModel(slow.path);
    const otherCtx = await other.createContext({ nCtx: 1024, nBatch: 512 });
    const pending = otherCtx.decode(batch);
    other.dispose();
    expect(otherCtx.disposed).toBe(true);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    expect(addon.liveObjects()).toEqual(before);

    const third = await addon.loadModel(slow.path);
    const creating = third.createContext({ nCtx: 1024 });
    third.dispose();
    await expect(creating).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    expect(addon.liveObjects()).toEqual(before);
  });

  it('frees models and contexts that are garbage-collected without dispose', async () => {
    const gc = gcNow();
    const before = addon.liveObjects();
    await (async () => {
      const m = await addon.loadModel(slow.path);
      const c = await m.createContext({ nCtx: 256 });
      await decodeSeq(c, batch.tokens.subarray(0, 16), 0, 0);
      expect(addon.liveObjects()).toEqual({ models: before.models + 1, contexts: before.contexts + 1 });
    })();
    for (let i = 0; i < 10 && addon.liveObjects().models !== before.models; i++) {
      gc();
      await ticks(5);
    }
    expect(addon.liveObjects()).toEqual(before);
  });

  it('does not grow RSS over repeated create/decode/dispose', async () => {
    const tokens = batch.tokens.subarray(0, 64);
    const cycle = async (): Promise<void> => {
      const m = await addon.loadModel(slow.path);
      for (let k = 0; k < 3; k++) {
        const c = await m.createContext({ nCtx: 2048, nSeqMax: 4 });
        await decodeSeq(c, tokens, k, 0);
        c.stateSeqSet(3, c.stateSeqGet(k));
        c.dispose();
      }
      m.dispose();
    };
    const gc = gcNow();
    const rss = (): number => {
      gc();
      return process.memoryUsage().rss;
    };
    // Warm up first: malloc arenas of the worker threads grow to their working size, then plateau.
    for (let i = 0; i < 6; i++) await cycle();
    const before = rss();
    for (let i = 0; i < 20; i++) await cycle();
    const growth = rss() - before;
    // A leaked model is ~50 MB and a leaked context ~5 MB (60 contexts here): the smallest leak shows as 300 MB or
    // more. Without one, the arenas still moved by up to 81 MB with the whole suite running beside on 2 cores.
    expect(growth).toBeLessThan(128 * 1024 * 1024);
    expect(addon.liveObjects()).toEqual({ models: 1, contexts: 0 });
  });
});
