// Attention injection (setAttentionInjection): chosen heads' softmax rows replaced by sparse rows.
// Exactness: a head's own rows give the very same logits; a pattern gives the logits of the PyTorch
// reference model (training/python) with the same rows replaced.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddonContext, AddonModel, AttentionInjection, AttentionObservation, InjectedRows, NativeAddon } from '../../native/binding';
import { writeSpmTokenizer } from '../../tools/gguf-fixtures/model';
import { buildVocab } from '../../tools/gguf-fixtures/vocab';
import { exportGguf } from '../../training/export';
import { TRAINING_PYTHON_DIR, torchPython } from '../unit/training/torchPython';
import { addonPath, decodeSeq, describeNative, makeModel, maxAbsDiff, setupAddon, tempDir } from './helpers';

const CODE =
  'export function parseArgs(args: string[]): Options {\n  const options = { name: "", count: 0 };\n' +
  '  for (const arg of args) {\n    if (arg.startsWith("--name=")) options.name = arg.slice(7);\n    else options.count++;\n  }\n  return options;\n}\n';

/** One row: [batch index, [[cell, weight], ...]]. */
type Row = [number, [number, number][]];

function injectedRows(rows: Row[]): InjectedRows {
  const entries = rows.flatMap(([, cells]) => cells);
  const offsets = [0];
  for (const [, cells] of rows) offsets.push(offsets.at(-1)! + cells.length);
  return {
    tokens: Int32Array.from(rows, ([t]) => t),
    offsets: Int32Array.from(offsets),
    cells: Int32Array.from(entries, ([c]) => c),
    weights: Float32Array.from(entries, ([, w]) => w),
  };
}

/** Every row of (layer observation, head) with all its cells: the head's own attention as a pattern. */
function ownRows(o: AttentionObservation, head: number): InjectedRows {
  const rows: Row[] = [];
  for (let t = 0; t < o.nTokens; t++) {
    const start = (t * o.nHead + head) * o.nKv;
    rows.push([t, Array.from(o.data.subarray(start, start + o.nKv), (w, c): [number, number] => [c, w])]);
  }
  return injectedRows(rows);
}

/** Previous-token rows with a little mass on the first token, crossing 16-token ubatch boundaries. */
const PREVIOUS: Row[] = [
  [5, [[4, 0.75], [0, 0.25]]],
  [15, [[14, 0.5], [13, 0.25], [0, 0.25]]],
  [16, [[15, 1]]],
  [17, [[16, 0.6], [0, 0.4]]],
  [30, [[29, 0.9], [28, 0.1]]],
];

async function allLogits(ctx: AddonContext, tokens: Int32Array): Promise<Float32Array[]> {
  await decodeSeq(ctx, tokens, 0, 0, true);
  return Array.from(tokens, (_, i) => ctx.logits(i));
}

const worstDiff = (a: Float32Array[], b: Float32Array[]): number => Math.max(...a.map((row, i) => maxAbsDiff(row, b[i]!)));

describeNative('native addon: attention injection', () => {
  let addon: NativeAddon;
  let dir: string;
  let model: AddonModel;
  let tokens: Int32Array;
  let plain: Float32Array[];
  const contexts: AddonContext[] = [];
  // nUbatch 16: every test batch is split into several ubatches.
  const context = async (attentionHook = true): Promise<AddonContext> => {
    const ctx = await model.createContext({ nCtx: 512, nBatch: 256, nUbatch: 16, flashAttention: 'disabled', attentionHook });
    contexts.push(ctx);
    return ctx;
  };

  beforeAll(async () => {
    addon = setupAddon();
    dir = tempDir();
    model = await addon.loadModel(makeModel(dir, { seed: 11 }).path);
    tokens = model.tokenize(CODE);
    expect(tokens.length).toBeGreaterThan(40);
    plain = await allLogits(await context(false), tokens);
  });
  afterAll(() => {
    for (const ctx of contexts) ctx.dispose();
    model?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("injecting heads' own attention (every cell of every row) gives bit-identical logits", async () => {
    const observer = await context();
    observer.observeAttention([0, 1]);
    await decodeSeq(observer, tokens, 0, 0, true);
    const [layer0, layer1] = observer.attention();
    const injection: AttentionInjection = {
      patterns: [ownRows(layer0!, 1), ownRows(layer1!, 3)],
      heads: [{ layer: 0, head: 1, pattern: 0 }, { layer: 1, head: 3, pattern: 1 }],
    };

    const injected = await context();
    injected.setAttentionInjection(injection);
    const got = await allLogits(injected, tokens);
    for (let i = 0; i < tokens.length; i++) expect(got[i]).toEqual(plain[i]);
    expect(injected.injectedRows()).toBe(2 * tokens.length);

    // The same rows in other heads are not those heads' attention: the logits move.
    injected.setAttentionInjection({ ...injection, heads: [{ layer: 0, head: 2, pattern: 0 }, { layer: 1, head: 0, pattern: 1 }] });
    injected.clearMemory();
    expect(worstDiff(await allLogits(injected, tokens), plain)).toBeGreaterThan(1e-3);
  });

  it('a pattern changes the logits from its first row on, counts its rows, and observation sees it', async () => {
    const ctx = await context();
    ctx.setAttentionInjection({ patterns: [injectedRows(PREVIOUS)], heads: [{ layer: 0, head: 1, pattern: 0 }] });
    ctx.observeAttention([0]);
    const got = await allLogits(ctx, tokens);
    expect(ctx.injectedRows()).toBe(PREVIOUS.length);
    expect(worstDiff(got.slice(0, 5), plain.slice(0, 5))).toBe(0); // causal: rows before the first injected one
    for (const t of [5, 16, 30]) expect(maxAbsDiff(got[t]!, plain[t]!)).toBeGreaterThan(1e-4);
    const seen = ctx.attention()[0]!;
    const row17 = seen.data.subarray((17 * seen.nHead + 1) * seen.nKv, (17 * seen.nHead + 2) * seen.nKv);
    expect(Array.from(row17.slice(0, 18))).toEqual([0.4, ...new Array<number>(15).fill(0), Math.fround(0.6), 0].map(Math.fround));

    // Only the listed tokens of a later decode: a one-token decode has batch index 0 only.
    await decodeSeq(ctx, Int32Array.of(tokens[0]!), 0, tokens.length);
    expect(ctx.injectedRows()).toBe(0);
  });

  it('cells past the ubatch KV view hold no token: their weight is skipped', async () => {
    const withFar = await context();
    // nCtx 512, about 60 cells used: llama.cpp's view is 256 cells, so cell 511 is outside it.
    withFar.setAttentionInjection({ patterns: [injectedRows([[20, [[19, 0.5], [511, 0.5]]]])], heads: [{ layer: 1, head: 2, pattern: 0 }] });
    const far = await allLogits(withFar, tokens);
    expect(withFar.injectedRows()).toBe(1);
    const without = await context();
    without.setAttentionInjection({ patterns: [injectedRows([[20, [[19, 0.5]]]])], heads: [{ layer: 1, head: 2, pattern: 0 }] });
    const near = await allLogits(without, tokens);
    for (let i = 0; i < tokens.length; i++) expect(far[i]).toEqual(near[i]);
    expect(maxAbsDiff(near[20]!, plain[20]!)).toBeGreaterThan(1e-4);
  });

  it('the bias applies to the injected rows (injection first)', async () => {
    // Hiding cell 3 with the bias and renormalizing turns the injected [19: 0.5, 3: 0.5] into [19: 1].
    const biased = await context();
    biased.setAttentionInjection({ patterns: [injectedRows([[20, [[19, 0.5], [3, 0.5]]]])], heads: [{ layer: 1, head: 2, pattern: 0 }] });
    biased.setAttentionBias({ cells: Int32Array.of(3), scale: 0, layers: [1], heads: [2], tokens: [20] });
    const got = await allLogits(biased, tokens);
    const direct = await context();
    direct.setAttentionInjection({ patterns: [injectedRows([[20, [[19, 1]]]])], heads: [{ layer: 1, head: 2, pattern: 0 }] });
    const want = await allLogits(direct, tokens);
    expect(maxAbsDiff(got[20]!, want[20]!)).toBeLessThan(1e-5);
    expect(maxAbsDiff(got[20]!, plain[20]!)).toBeGreaterThan(1e-4);
  });

  it('zeroing a head (-1) changes the logits and counts every row; null stops injecting', async () => {
    const ctx = await context();
    ctx.setAttentionInjection({ patterns: [], heads: [{ layer: 0, head: 0, pattern: -1 }, { layer: 1, head: 1, pattern: -1 }] });
    const zeroed = await allLogits(ctx, tokens);
    expect(ctx.injectedRows()).toBe(2 * tokens.length);
    expect(maxAbsDiff(zeroed[0]!, plain[0]!)).toBeGreaterThan(1e-4);
    expect(worstDiff(zeroed, plain)).toBeGreaterThan(1e-3);

    ctx.setAttentionInjection(null);
    ctx.clearMemory();
    const back = await allLogits(ctx, tokens);
    for (let i = 0; i < tokens.length; i++) expect(back[i]).toEqual(plain[i]);
    expect(ctx.injectedRows()).toBe(0);
  });

  it('refuses bad arguments with ERR_INVALID_ARG and keeps the injection it had', async () => {
    const plainCtx = await context(false);
    expect(() => plainCtx.setAttentionInjection(null)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    expect(() => plainCtx.injectedRows()).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));

    const ctx = await context();
    const good = injectedRows(PREVIOUS);
    ctx.setAttentionInjection({ patterns: [good], heads: [{ layer: 0, head: 1, pattern: 0 }] });
    const head = { layer: 0, head: 0, pattern: 0 };
    const bad: [string, unknown][] = [
      ['not an object', 5],
      ['no heads', { patterns: [good] }],
      ['layer out of range', { patterns: [good], heads: [{ ...head, layer: 2 }] }],
      ['head out of range', { patterns: [good], heads: [{ ...head, head: 4 }] }],
      ['pattern out of range', { patterns: [good], heads: [{ ...head, pattern: 1 }] }],
      ['pattern below -1', { patterns: [good], heads: [{ ...head, pattern: -2 }] }],
      ['a head twice', { patterns: [good], heads: [head, { ...head, pattern: -1 }] }],
      ['tokens not ascending', { patterns: [{ ...good, tokens: Int32Array.of(5, 5, 16, 17, 30) }], heads: [head] }],
      ['token past nBatch', { patterns: [{ ...good, tokens: Int32Array.of(5, 15, 16, 17, 256) }], heads: [head] }],
      ['offsets too short', { patterns: [{ ...good, offsets: good.offsets.slice(1) }], heads: [head] }],
      ['offsets going back', { patterns: [{ ...good, offsets: Int32Array.of(0, 3, 2, 6, 8, 10) }], heads: [head] }],
      ['offsets not ending at cells.length', { patterns: [{ ...good, offsets: Int32Array.of(0, 2, 5, 6, 8, 9) }], heads: [head] }],
      ['negative cell', { patterns: [{ ...good, cells: good.cells.map((c, i) => (i === 3 ? -1 : c)) }], heads: [head] }],
      ['cell past nCtx', { patterns: [{ ...good, cells: good.cells.map((c, i) => (i === 3 ? 512 : c)) }], heads: [head] }],
      ['NaN weight', { patterns: [{ ...good, weights: good.weights.map((w, i) => (i === 1 ? NaN : w)) }], heads: [head] }],
      ['infinite weight', { patterns: [{ ...good, weights: good.weights.map((w, i) => (i === 1 ? Infinity : w)) }], heads: [head] }],
      ['weights not Float32Array', { patterns: [{ ...good, weights: Array.from(good.weights) }], heads: [head] }],
      ['weights shorter than cells', { patterns: [{ ...good, weights: good.weights.slice(1) }], heads: [head] }],
    ];
    for (const [why, injection] of bad) {
      expect(() => ctx.setAttentionInjection(injection as AttentionInjection), why).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    }
    await allLogits(ctx, tokens);
    expect(ctx.injectedRows()).toBe(PREVIOUS.length);
  });

  it('copies the arrays when set', async () => {
    const rows = injectedRows(PREVIOUS);
    const ctx = await context();
    ctx.setAttentionInjection({ patterns: [rows], heads: [{ layer: 0, head: 1, pattern: 0 }] });
    const first = await allLogits(ctx, tokens);
    rows.weights.fill(0);
    rows.tokens.fill(0);
    ctx.clearMemory();
    const second = await allLogits(ctx, tokens);
    for (let i = 0; i < tokens.length; i++) expect(second[i]).toEqual(first[i]);
  });
});

// The reference: training/python's model (float64 over the same F32 weights) with the same rows replaced.
const { python, reason } = torchPython();
const skipWhy = !addonPath ? 'native addon not built; run npm run build:native' : !python ? reason : null;
const withTorch = skipWhy ? (((name: string, fn: () => void) => describe.skip(`${name} [skipped: ${skipWhy}]`, fn)) as typeof describe) : describe;
const SHAPE = { nVocab: 1024, nEmbd: 64, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 128, nCtx: 512 };

function py(args: string[]): void {
  const r = spawnSync(python!, args, { cwd: TRAINING_PYTHON_DIR, encoding: 'utf8', timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' } });
  if (r.status !== 0) throw new Error(`${args[0]} ${args[1]} failed: ${r.stderr || r.error?.message}`);
}

/** Max |a - b| over max |b|. */
function relDiff(a: Float32Array[], b: number[][]): number {
  let abs = 0;
  let scale = 0;
  a.forEach((row, i) => {
    for (let v = 0; v < row.length; v++) {
      abs = Math.max(abs, Math.abs(row[v]! - b[i]![v]!));
      scale = Math.max(scale, Math.abs(b[i]![v]!));
    }
  });
  return abs / scale;
}

withTorch('attention injection = the PyTorch reference with the same rows', () => {
  let dir: string;
  let model: AddonModel;
  const tokens = Int32Array.from({ length: 40 }, (_, i) => (i * 97 + 13) % SHAPE.nVocab);
  const zeroed = { layer: 1, head: 2, rows: Array.from(tokens, (_, t): Row => [t, []]) };
  const jobs = [
    { tokens: Array.from(tokens) },
    { tokens: Array.from(tokens), inject: [{ layer: 0, head: 1, rows: PREVIOUS }] },
    { tokens: Array.from(tokens), inject: [{ layer: 0, head: 1, rows: PREVIOUS }, zeroed] },
  ];
  let reference: number[][][];

  beforeAll(async () => {
    dir = tempDir();
    const weights = path.join(dir, 'run');
    py(['reference.py', 'init', '--out', weights, '--n-vocab', String(SHAPE.nVocab), '--n-embd', String(SHAPE.nEmbd), '--n-layer', String(SHAPE.nLayer),
      '--n-head', String(SHAPE.nHead), '--n-head-kv', String(SHAPE.nHeadKv), '--n-ff', String(SHAPE.nFf), '--n-ctx', String(SHAPE.nCtx), '--seed', '3']);
    const vocab = buildVocab({ size: SHAPE.nVocab, merges: 500 });
    const gguf = path.join(dir, 'model-f32.gguf');
    exportGguf({ weightsDir: weights, out: gguf, type: 'f32', tokenizer: { size: SHAPE.nVocab, write: (w) => writeSpmTokenizer(w, vocab) }, name: 'steerway-injection-test' });
    fs.writeFileSync(path.join(dir, 'jobs.json'), JSON.stringify(jobs));
    py(['reference.py', 'logits', '--weights', weights, '--jobs', path.join(dir, 'jobs.json'), '--out', path.join(dir, 'logits.json')]);
    reference = (JSON.parse(fs.readFileSync(path.join(dir, 'logits.json'), 'utf8')) as { results: number[][][] }).results;
    model = await setupAddon().loadModel(gguf);
  }, 240_000);
  afterAll(() => {
    model?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('equals the reference within F32 tolerance, with and without a zeroed head, and differs from no injection', async () => {
    const measured: number[] = [];
    for (const [j, injection] of [
      null,
      { patterns: [injectedRows(PREVIOUS)], heads: [{ layer: 0, head: 1, pattern: 0 }] },
      { patterns: [injectedRows(PREVIOUS)], heads: [{ layer: 0, head: 1, pattern: 0 }, { layer: 1, head: 2, pattern: -1 }] },
    ].entries()) {
      const ctx = await model.createContext({ nCtx: SHAPE.nCtx, nBatch: 64, nUbatch: 16, typeK: 'f32', typeV: 'f32', flashAttention: 'disabled', attentionHook: true });
      try {
        ctx.setAttentionInjection(injection);
        const got = await allLogits(ctx, tokens);
        measured.push(relDiff(got, reference[j]!));
      } finally {
        ctx.dispose();
      }
    }
    console.log(`injection vs reference, max |diff| / max |logit|: ${measured.map((m) => m.toExponential(2)).join(', ')}`);
    for (const m of measured) expect(m).toBeLessThan(1e-4);
    // The injections matter far beyond that tolerance.
    expect(relDiff([Float32Array.from(reference[1]![30]!)], [reference[0]![30]!])).toBeGreaterThan(1e-2);
    expect(relDiff([Float32Array.from(reference[2]![0]!)], [reference[1]![0]!])).toBeGreaterThan(1e-2);
  });
});
