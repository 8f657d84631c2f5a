// The addon's context side: decode and logits (against node-llama-cpp), sequence state save/restore,
// shifted and shared KV blocks, sparse attention across sequences, and argument/state errors.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GeneratedModel } from '../../tools/gguf-fixtures/model';
import type { AddonContext, AddonModel, DecodeBatch, NativeAddon } from '../../native/binding';
import { bestCpuBackend, decodeSeq, describeNative, makeModel, maxAbsDiff, range, setupAddon, tempDir } from './helpers';

const DOC_A = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';
const DOC_B = 'def greet(name):\n    print(f"hello {name}")\n    return None\n';
const QUERY = 'const total = add(1, 2);';

describeNative('native addon: decode', () => {
  let addon: NativeAddon;
  let dir: string;
  let gen: GeneratedModel;
  let model: AddonModel;
  const contexts: AddonContext[] = [];
  const context = async (options: Parameters<AddonModel['createContext']>[0] = {}): Promise<AddonContext> => {
    const ctx = await model.createContext({ nCtx: 512, nBatch: 256, nSeqMax: 8, ...options });
    contexts.push(ctx);
    return ctx;
  };

  beforeAll(async () => {
    addon = setupAddon();
    dir = tempDir();
    gen = makeModel(dir, { seed: 3 });
    model = await addon.loadModel(gen.path);
  });
  afterAll(() => {
    for (const ctx of contexts) ctx.dispose();
    model?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same logits as node-llama-cpp for the same token ids', async () => {
    const tokens = model.tokenize(DOC_A + QUERY);
    const n = tokens.length;
    const ctx = await context({ nCtx: 256, flashAttention: 'disabled', nSeqMax: 1 });
    await decodeSeq(ctx, tokens, 0, 0, true);
    const indices = [0, Math.floor(n / 2), n - 1];
    const fixture = path.join(import.meta.dirname, 'fixtures', 'nlc-logits.mjs');
    const out = JSON.parse(execFileSync(process.execPath, [fixture, gen.path, Array.from(tokens).join(','), indices.join(',')], { encoding: 'utf8' })) as {
      logits: Record<string, number[]>;
      infill: { prefix: number | null; middle: number | null; suffix: number | null };
    };
    expect(out.infill).toEqual({ prefix: gen.tokens.fimPre, middle: gen.tokens.fimMid, suffix: gen.tokens.fimSuf });
    // node-llama-cpp always runs the best-scoring CPU variant: bit-exact when we pinned that one too.
    const sameVariant = addon.backend.pinnedCpuBackend === bestCpuBackend();
    for (const i of indices) {
      const diff = maxAbsDiff(ctx.logits(i), out.logits[String(i)]!);
      if (sameVariant) expect(diff).toBe(0);
      else expect(diff).toBeLessThan(1e-3);
    }
  });

  it('is deterministic, and logits(i, out) fills the given array', async () => {
    const tokens = model.tokenize(DOC_B);
    const a = await context();
    const b = await context();
    await decodeSeq(a, tokens, 0, 0);
    await decodeSeq(b, tokens, 0, 0);
    const out = new Float32Array(model.info.nVocab);
    expect(b.logits(tokens.length - 1, out)).toBe(out);
    expect(maxAbsDiff(a.logits(tokens.length - 1), out)).toBe(0);
    expect(a.argmax(tokens.length - 1)).toBe(out.indexOf(Math.max(...out)));
    expect(a.seqPosMin(0)).toBe(0);
    expect(a.seqPosMax(0)).toBe(tokens.length - 1);
    expect(a.seqPosMax(1)).toBe(-1);
  });

  it('restores a saved sequence state to identical logits, in the same or another context', async () => {
    const doc = model.tokenize(DOC_A);
    const q = model.tokenize(QUERY);
    const ctx = await context();
    await decodeSeq(ctx, doc, 0, 0);
    const state = ctx.stateSeqGet(0);
    expect(state.length).toBe(ctx.stateSeqSize(0));
    await decodeSeq(ctx, q, 0, doc.length);
    const reference = ctx.logits(q.length - 1);

    ctx.clearMemory();
    expect(ctx.seqPosMax(0)).toBe(-1);
    expect(ctx.stateSeqSet(0, state)).toBe(state.length);
    expect(ctx.seqPosMax(0)).toBe(doc.length - 1);
    await decodeSeq(ctx, q, 0, doc.length);
    expect(maxAbsDiff(ctx.logits(q.length - 1), reference)).toBe(0);

    // Another context, another sequence id: same positions, same cells, same logits.
    const other = await context();
    expect(other.stateSeqSet(5, new Uint8Array(state))).toBe(state.length);
    await decodeSeq(other, q, 5, doc.length);
    expect(maxAbsDiff(other.logits(q.length - 1), reference)).toBe(0);
  });

  /** Logits of QUERY after prefix+block decoded in one causal sequence. */
  async function contiguousReference(prefix: Int32Array, block: Int32Array, q: Int32Array): Promise<Float32Array> {
    const ref = await context();
    const all = new Int32Array([...prefix, ...block, ...q]);
    await decodeSeq(ref, all, 0, 0);
    return ref.logits(all.length - 1);
  }

  // Flash attention computes in F16 even over an F32 cache: only F32 without it is near-exact.
  const shiftCases = [
    { typeK: 'f16', flashAttention: 'auto', tolerance: 1e-2 },
    { typeK: 'f32', flashAttention: 'disabled', tolerance: 1e-4 },
  ] as const;
  for (const { typeK, flashAttention, tolerance } of shiftCases) {
    it(`shifts a block decoded at 0 to its place (${typeK} cache, flash attention ${flashAttention})`, async () => {
      const prefix = model.tokenize(DOC_B);
      const block = model.tokenize(DOC_A);
      const q = model.tokenize(QUERY);
      const p = prefix.length;

      // Reference: the block decoded alone (its own sequence) right at its final positions.
      const ref = await context({ typeK, typeV: typeK, flashAttention });
      await decodeSeq(ref, prefix, 0, 0);
      await decodeSeq(ref, block, 1, p);
      ref.seqCp(1, 0, -1, -1);
      await decodeSeq(ref, q, 0, p + block.length);
      const reference = ref.logits(q.length - 1);

      // The engine's path: block state saved elsewhere at position 0, restored into a scratch
      // sequence, shifted, shared into the query sequence, scratch dropped.
      const blockCtx = await context({ typeK, typeV: typeK, flashAttention });
      await decodeSeq(blockCtx, block, 0, 0);
      const blockState = blockCtx.stateSeqGet(0);

      const ctx = await context({ typeK, typeV: typeK, flashAttention });
      await decodeSeq(ctx, prefix, 0, 0);
      const scratch = 7;
      ctx.stateSeqSet(scratch, blockState);
      ctx.seqAdd(scratch, 0, -1, p);
      expect(ctx.seqPosMin(scratch)).toBe(p);
      ctx.seqCp(scratch, 0, -1, -1);
      expect(ctx.seqRm(scratch, -1, -1)).toBe(true);
      expect(ctx.seqPosMax(scratch)).toBe(-1);
      expect(ctx.seqPosMax(0)).toBe(p + block.length - 1);
      await decodeSeq(ctx, q, 0, p + block.length);
      const shifted = ctx.logits(q.length - 1);
      const diff = maxAbsDiff(shifted, reference);
      expect(diff).toBeLessThan(tolerance);
      expect(ctx.argmax(q.length - 1)).toBe(ref.argmax(q.length - 1));

    });
  }

  it('sparse: two documents in separate sequences differ from full causal attention', async () => {
    const a = model.tokenize(DOC_A);
    const b = model.tokenize(DOC_B);
    const q = model.tokenize(QUERY);
    const full = await contiguousReference(a, b, q);

    // A in seq 1 at [0, |A|), B in seq 2 right after it but not attending to A; the query sees both.
    const ctx = await context();
    await decodeSeq(ctx, a, 1, 0);
    await decodeSeq(ctx, b, 2, a.length);
    ctx.seqCp(1, 0, -1, -1);
    ctx.seqCp(2, 0, -1, -1);
    await decodeSeq(ctx, q, 0, a.length + b.length);
    const sparse = ctx.logits(q.length - 1);
    expect(maxAbsDiff(sparse, full)).toBeGreaterThan(1e-2);

    // The same layout with tokens carrying several sequence ids in one batch gives the same cells.
    const multi = await context();
    await decodeSeq(multi, a, 1, 0);
    const nb = b.length;
    await multi.decode({
      tokens: b,
      positions: range(nb, a.length),
      seqIds: Int32Array.from({ length: nb * 2 }, (_, i) => (i % 2 === 0 ? 2 : 0)),
      nSeqIds: new Int32Array(nb).fill(2),
      logits: new Uint8Array(nb),
    });
    multi.seqCp(1, 0, -1, -1);
    await decodeSeq(multi, q, 0, a.length + b.length);
    expect(maxAbsDiff(multi.logits(q.length - 1), sparse)).toBe(0);
  });

  it('keeps, removes and clears sequences', async () => {
    const ctx = await context();
    const doc = model.tokenize(DOC_A);
    await decodeSeq(ctx, doc, 3, 0);
    ctx.seqCp(3, 4, 0, 10);
    expect(ctx.seqPosMax(4)).toBe(9);
    expect(ctx.seqRm(3, 10, -1)).toBe(true);
    expect(ctx.seqPosMax(3)).toBe(9);
    ctx.seqKeep(4);
    expect(ctx.seqPosMax(3)).toBe(-1);
    expect(ctx.seqPosMax(4)).toBe(9);
    ctx.clearMemory(true);
    expect(ctx.seqPosMax(4)).toBe(-1);
  });

  it('rejects invalid batches without touching the context', async () => {
    const ctx = await context({ nSeqMax: 4, nBatch: 32 });
    const tokens = model.tokenize('let x = 1;');
    const n = tokens.length;
    const ok: DecodeBatch = { tokens, positions: range(n), seqIds: new Int32Array(n) };
    const bad: [Partial<DecodeBatch> | null, string][] = [
      [null, 'batch must be an object'],
      [{ ...ok, seqIds: new Int32Array(n).fill(4) }, 'seq id 4'],
      [{ ...ok, seqIds: new Int32Array(n).fill(-1) }, 'seq id -1'],
      [{ ...ok, tokens: Int32Array.of(...tokens.slice(0, -1), 1024) }, 'batch.tokens'],
      [{ ...ok, tokens: Int32Array.of(...tokens.slice(0, -1), -3) }, 'batch.tokens'],
      [{ ...ok, tokens: new Int32Array(0), positions: new Int32Array(0), seqIds: new Int32Array(0) }, 'batch size 0'],
      [{ tokens: new Int32Array(33), positions: range(33), seqIds: new Int32Array(33) }, 'batch size 33'],
      [{ ...ok, positions: range(n - 1) }, 'batch.positions'],
      [{ ...ok, positions: Int32Array.of(...range(n - 1), -2) }, 'batch.positions'],
      [{ ...ok, tokens: Array.from(tokens) as unknown as Int32Array }, 'Int32Array'],
      [{ ...ok, seqIds: new Uint32Array(n) as unknown as Int32Array }, 'Int32Array'],
      [{ ...ok, nSeqIds: new Int32Array(n).fill(2) }, 'batch.seqIds has'],
      [{ ...ok, nSeqIds: new Int32Array(n).fill(0), seqIds: new Int32Array(0) }, 'batch.nSeqIds'],
      [{ ...ok, nSeqIds: new Int32Array(n).fill(2), seqIds: new Int32Array(2 * n) }, 'twice'],
      [{ ...ok, logits: new Uint8Array(n + 1) }, 'batch.logits'],
    ];
    for (const [batch, message] of bad) {
      const err = await ctx.decode(batch as DecodeBatch).then(() => null, (e: unknown) => e);
      expect(err, message).toMatchObject({ name: 'LlamaNativeError', code: 'ERR_INVALID_ARG' });
      expect((err as Error).message).toContain(message);
    }
    expect(ctx.seqPosMax(0)).toBe(-1);
    await ctx.decode(ok);
    expect(ctx.seqPosMax(0)).toBe(n - 1);
    expect(() => ctx.logits(0)).toThrow(expect.objectContaining({ code: 'ERR_NO_LOGITS' }));
    expect(() => ctx.logits(n)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => ctx.logits(0, new Float32Array(10))).toThrow(expect.objectContaining({ code: 'ERR_NO_LOGITS' }));
    expect(() => ctx.logits(n - 1, new Float32Array(10))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    for (const call of [() => ctx.seqRm(4, 0, 1), () => ctx.seqCp(0, 9, -1, -1), () => ctx.seqAdd(0, -2, 3, 1), () => ctx.seqKeep(1.5), () => ctx.stateSeqGet(-1), () => ctx.seqPosMax('0' as unknown as number)]) {
      expect(call).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    }
  });

  it('rejects a decode that does not continue its sequence', async () => {
    const ctx = await context();
    const tokens = model.tokenize('let x = 1;');
    await decodeSeq(ctx, tokens, 0, 0);
    await expect(decodeSeq(ctx, tokens, 0, 100)).rejects.toMatchObject({ code: 'ERR_DECODE_INVALID_BATCH' });
    await decodeSeq(ctx, tokens, 0, tokens.length);
    expect(ctx.seqPosMax(0)).toBe(2 * tokens.length - 1);
  });

  it('reports a full KV cache as ERR_DECODE_NO_KV_SLOT and keeps working', async () => {
    const ctx = await context({ nCtx: 256, nBatch: 256 });
    const tokens = Int32Array.from({ length: 200 }, (_, i) => 300 + (i % 500));
    await decodeSeq(ctx, tokens, 0, 0);
    await expect(decodeSeq(ctx, tokens.subarray(0, 100), 1, 0)).rejects.toMatchObject({ code: 'ERR_DECODE_NO_KV_SLOT' });
    expect(ctx.seqPosMax(1)).toBe(-1);
    ctx.seqRm(0, 100, -1);
    await decodeSeq(ctx, tokens.subarray(0, 100), 1, 0);
    expect(ctx.seqPosMax(1)).toBe(99);
  });

  it('turns corrupted state buffers into ERR_STATE and keeps working', async () => {
    const doc = model.tokenize(DOC_A);
    const ctx = await context();
    await decodeSeq(ctx, doc, 0, 0);
    const state = ctx.stateSeqGet(0);
    const target = await context();
    const corrupt: Uint8Array[] = [
      state.subarray(0, 3),
      state.subarray(0, Math.floor(state.length / 2)),
      new Uint8Array(state.length).fill(0xff),
      Uint8Array.from(state, (v, i) => (i < 64 ? v ^ 0x5a : v)),
      new Uint8Array(1),
    ];
    for (const buf of corrupt) {
      expect(() => target.stateSeqSet(1, buf)).toThrow(expect.objectContaining({ code: 'ERR_STATE' }));
      expect(target.seqPosMax(1)).toBe(-1);
    }
    expect(() => target.stateSeqSet(1, new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'ERR_STATE' }));
    expect(() => target.stateSeqSet(1, [1, 2] as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => target.stateSeqSet(8, state)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(target.stateSeqSet(1, state)).toBe(state.length);
    await decodeSeq(target, model.tokenize(QUERY), 1, doc.length);
    expect(target.seqPosMax(1)).toBeGreaterThan(doc.length);
  });

  it('refuses a state from a model of another shape', async () => {
    const otherGen = makeModel(dir, { shape: { nLayer: 3 } }, 'three-layers.gguf');
    const other = await addon.loadModel(otherGen.path);
    const otherCtx = await other.createContext({ nCtx: 256 });
    await decodeSeq(otherCtx, model.tokenize(DOC_A), 0, 0);
    const foreign = otherCtx.stateSeqGet(0);
    const ctx = await context();
    expect(() => ctx.stateSeqSet(0, foreign)).toThrow(expect.objectContaining({ code: 'ERR_STATE' }));
    other.dispose();
    expect(otherCtx.disposed).toBe(true);
  });
});
