// Attention observation and steering through cb_eval (non-flash path, kq_soft_max-<layer> nodes).
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AddonContext, AddonModel, AttentionObservation, NativeAddon } from '../../native/binding';
import { decodeSeq, describeNative, makeModel, maxAbsDiff, setupAddon, tempDir } from './helpers';

const DOC_A = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n';
const DOC_B = 'def greet(name):\n    print(f"hello {name}")\n';
const QUERY = 'const total = add(1, 2);';

/** Probability row of (token, head) in an observation. */
function row(o: AttentionObservation, token: number, head: number): Float32Array {
  const start = (token * o.nHead + head) * o.nKv;
  return o.data.subarray(start, start + o.nKv);
}

const sum = (xs: ArrayLike<number>, from = 0, to = xs.length): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += xs[i]!;
  return s;
};

describeNative('native addon: attention hook', () => {
  let addon: NativeAddon;
  let dir: string;
  let model: AddonModel;
  const contexts: AddonContext[] = [];
  const context = async (attentionHook: boolean, nUbatch = 256): Promise<AddonContext> => {
    const ctx = await model.createContext({ nCtx: 512, nBatch: 256, nUbatch, nSeqMax: 4, flashAttention: 'disabled', attentionHook });
    contexts.push(ctx);
    return ctx;
  };

  beforeAll(async () => {
    addon = setupAddon();
    dir = tempDir();
    model = await addon.loadModel(makeModel(dir, { seed: 5 }).path);
  });
  afterAll(() => {
    for (const ctx of contexts) ctx.dispose();
    model?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('needs the non-flash path and the option', async () => {
    await expect(model.createContext({ attentionHook: true, flashAttention: 'enabled' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    await expect(model.createContext({ attentionHook: true, flashAttention: 'auto' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    const defaulted = await model.createContext({ nCtx: 64, attentionHook: true });
    expect(defaulted.flashAttention).toBe('disabled');
    expect(defaulted.attentionHook).toBe(true);
    defaulted.dispose();
    const plain = await context(false);
    expect(() => plain.observeAttention([0])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => plain.attention()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    const hooked = await context(true);
    expect(() => hooked.observeAttention([2])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => hooked.setAttentionBias({ cells: Int32Array.of(512), scale: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => hooked.setAttentionBias({ cells: Int32Array.of(1), scale: -1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => hooked.setAttentionBias({ cells: Int32Array.of(1), scale: 1, heads: [4] })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
  });

  it('observes causal attention without changing the logits', async () => {
    const tokens = model.tokenize(DOC_A);
    const n = tokens.length;
    const plain = await context(false);
    await decodeSeq(plain, tokens, 0, 0);
    const hooked = await context(true, 16); // several ubatches
    hooked.observeAttention([0, 1]);
    await decodeSeq(hooked, tokens, 0, 0);
    expect(maxAbsDiff(hooked.logits(n - 1), plain.logits(n - 1))).toBe(0);

    const seen = hooked.attention();
    expect(seen.map((o) => o.layer)).toEqual([0, 1]);
    for (const o of seen) {
      expect(o).toMatchObject({ nTokens: n, nHead: 4 });
      expect(o.nKv).toBeGreaterThanOrEqual(n);
      for (const t of [0, 5, n - 1]) {
        for (let h = 0; h < o.nHead; h++) {
          const p = row(o, t, h);
          expect(sum(p)).toBeCloseTo(1, 5);
          // A fresh cache puts token t in cell t: nothing after it is visible.
          expect(sum(p, t + 1)).toBe(0);
          expect(p[t]).toBeGreaterThan(0);
        }
      }
    }
    hooked.observeAttention(null);
    await decodeSeq(hooked, model.tokenize(QUERY), 0, n);
    expect(hooked.attention()).toEqual([]);
  });

  it('shows the sparse mask, and a zero bias on a document equals leaving it out', async () => {
    const a = model.tokenize(DOC_A);
    const b = model.tokenize(DOC_B);
    const q = model.tokenize(QUERY);
    const layout = async (ctx: AddonContext, shareA: boolean): Promise<void> => {
      await decodeSeq(ctx, a, 1, 0);
      await decodeSeq(ctx, b, 2, a.length);
      if (shareA) ctx.seqCp(1, 0, -1, -1);
      ctx.seqCp(2, 0, -1, -1);
    };

    const withoutA = await context(false);
    await layout(withoutA, false);
    await decodeSeq(withoutA, q, 0, a.length + b.length);
    const reference = withoutA.logits(q.length - 1);

    const hooked = await context(true);
    hooked.observeAttention([1]);
    await decodeSeq(hooked, a, 1, 0);
    await decodeSeq(hooked, b, 2, a.length);
    const docB = hooked.attention()[0]!;
    for (let t = 0; t < b.length; t++) expect(sum(row(docB, t, 0), 0, a.length)).toBe(0); // B does not see A
    hooked.seqCp(1, 0, -1, -1);
    hooked.seqCp(2, 0, -1, -1);
    await decodeSeq(hooked, q, 0, a.length + b.length);
    const full = hooked.logits(q.length - 1);
    const query = hooked.attention()[0]!;
    expect(sum(row(query, q.length - 1, 0), 0, a.length)).toBeGreaterThan(0); // the query sees A
    expect(maxAbsDiff(full, reference)).toBeGreaterThan(1e-3);

    const biased = await context(true);
    await layout(biased, true);
    biased.setAttentionBias({ cells: Int32Array.from(a, (_, i) => i), scale: 0, tokens: Int32Array.from(q, (_, i) => i) });
    biased.observeAttention([0]);
    await decodeSeq(biased, q, 0, a.length + b.length);
    expect(maxAbsDiff(biased.logits(q.length - 1), reference)).toBeLessThan(1e-4);
    expect(sum(row(biased.attention()[0]!, 0, 2), 0, a.length)).toBe(0);
    biased.setAttentionBias(null);
  });
});
