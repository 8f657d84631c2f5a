// Attention injection in the completion engine (issue 13 item 4): chosen heads' rows replaced in the query and
// the generated tokens, in the injection context whose KV cells are positions; the report; `auto`; the CLI.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InvalidRequestError, type CompletionEngine, type CompletionRequest, type CompletionResult, type HeadChoice } from '../../assistant/engine';
import { runComplete, type CliIo } from '../../assistant/cli/complete';
import { headProfilePath, HEAD_PROFILE_VERSION, type HeadProfile } from '../../assistant/heads/profile';
import { PATTERN_NAMES } from '../../assistant/analysis';
import type { AddonModel } from '../../native/binding';
import type { GeneratedModel } from '../../tools/gguf-fixtures/model';
import { describeNative, makeModel, maxAbsDiff, pinnedCpuBackend, setupAddon, tempDir } from './helpers';
import { DOC_A, DOC_C, engine, logits, TEST_BATCH } from './engineHelpers';

/** F32 cache and exact attention on both contexts: what differs between batch splits is rounding, about 1e-6. */
const exact = { typeK: 'f32', typeV: 'f32', flashAttention: 'disabled' } as const;
const F32_TOLERANCE = 1e-4;
/** Replacing one head's rows in a layer of the tiny model moves the logits by far more than rounding. */
const CHANGED = 1e-2;

const REQ: CompletionRequest = {
  prefix: 'import { parseArgs } from "./args";\nconst options = parseArgs(process.argv);\nconst n = options.count + ',
  suffix: ';\nconsole.log(options, n);\n',
  fileName: 'src/main.ts',
  documents: [DOC_A],
  maxTokens: 0,
  returnPromptLogits: true,
};
const OTHER: CompletionRequest = { ...REQ, prefix: 'import { parseArgs } from "./args";\nlet settings = 1;\n' };
const PREV: HeadChoice[] = [{ layer: 1, head: 2, pattern: 'previous-token' }];

describeNative('completion engine: attention injection', () => {
  let dir: string;
  let gen: GeneratedModel;
  let model: AddonModel;
  const engines: CompletionEngine[] = [];
  const open = async (options: Parameters<typeof engine>[1] = {}): Promise<CompletionEngine> => {
    const e = await engine(gen.path, { ...exact, ...options });
    engines.push(e);
    return e;
  };
  /** Where the query starts in REQ's prompt (after the shared header and DOC_A). */
  let queryStart: number;
  /** Tokens of the shared header. */
  let shared: number;

  /**
   * REQ's prompt decoded by the raw addon in a fresh hooked context, TEST_BATCH tokens per call, with head
   * (layer, head) of each query row p >= queryStart attending to cell `target(p)` alone. Observing layer 0 proves
   * the fresh cache gives position p cell p: a query row's nonzero cells (another head) are exactly 0..p.
   */
  async function reference(ids: readonly number[], head: HeadChoice, target: (p: number) => number): Promise<Float32Array> {
    const ctx = await model.createContext({ nCtx: 1024, nBatch: TEST_BATCH, nUbatch: TEST_BATCH, nSeqMax: 1, ...exact, attentionHook: true });
    try {
      ctx.observeAttention([0]);
      for (let i = 0; i < ids.length; i += TEST_BATCH) {
        const n = Math.min(TEST_BATCH, ids.length - i);
        const rows = Array.from({ length: n }, (_, b) => i + b).filter((p) => p >= queryStart);
        ctx.setAttentionInjection(
          rows.length === 0
            ? null
            : {
                patterns: [{ tokens: Int32Array.from(rows, (p) => p - i), offsets: Int32Array.from({ length: rows.length + 1 }, (_, k) => k), cells: Int32Array.from(rows, target), weights: new Float32Array(rows.length).fill(1) }],
                heads: [{ layer: head.layer, head: head.head, pattern: 0 }],
              },
        );
        await ctx.decode({ tokens: Int32Array.from(ids.slice(i, i + n)), positions: Int32Array.from({ length: n }, (_, b) => i + b), seqIds: new Int32Array(n) });
        const [seen] = ctx.attention();
        for (let b = 0; b < n; b++) {
          const start = (b * seen!.nHead + 0) * seen!.nKv;
          const visible = [...seen!.data.subarray(start, start + seen!.nKv)].flatMap((w, cell) => (w > 0 ? [cell] : []));
          expect(visible).toEqual(Array.from({ length: i + b + 1 }, (_, c) => c));
        }
      }
      return ctx.logits((ids.length - 1) % TEST_BATCH).slice();
    } finally {
      ctx.dispose();
    }
  }

  beforeAll(async () => {
    dir = tempDir();
    gen = makeModel(dir, { seed: 13 });
    model = await setupAddon().loadModel(gen.path);
    const probe = await open();
    const withDoc = await probe.complete({ ...REQ, mode: 'sparse' });
    shared = withDoc.report.blocks[0]!.position;
    const queryLength = probe.promptTokens({ ...REQ, documents: [] }).length - shared;
    queryStart = withDoc.promptTokenIds.length - queryLength;
  });
  afterAll(async () => {
    for (const e of engines) await e.dispose();
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a previous-token head changes the logits, counts one row per query and generated token, in the intended cells', async () => {
    const e = await open();
    const none = await e.complete({ ...REQ, mode: 'full' });
    const injected = await e.complete({ ...REQ, mode: 'full', inject: PREV });
    expect(maxAbsDiff(logits(none), logits(injected))).toBeGreaterThan(CHANGED);
    const n = injected.promptTokenIds.length;
    expect(injected.report.injection).toMatchObject({ heads: PREV, injectedRows: n - queryStart });
    expect(injected.report.mode).toBe('full');

    // The same rows built by hand, at cells = positions in a fresh cache (proved by observation), agree; the
    // rows one cell off do not: the engine's columns are the intended tokens.
    const ids = injected.promptTokenIds;
    expect(maxAbsDiff(logits(injected), await reference(ids, PREV[0]!, (p) => p - 1))).toBeLessThan(F32_TOLERANCE);
    expect(maxAbsDiff(logits(injected), await reference(ids, PREV[0]!, (p) => p - 2))).toBeGreaterThan(CHANGED);

    // After another prompt (its query cut off, the new one decoded into the freed cells), still the same.
    const again = await open();
    await again.complete({ ...OTHER, mode: 'prefix', inject: PREV, maxTokens: 3 });
    const reused = await again.complete({ ...REQ, mode: 'prefix', inject: PREV });
    expect(reused.report.reusedFromContext).toBeGreaterThan(0);
    expect(maxAbsDiff(logits(reused), logits(injected))).toBeLessThan(F32_TOLERANCE);

    // Generation: each generated token but the last is decoded with its row.
    const generated = await e.complete({ ...REQ, mode: 'full', inject: PREV, maxTokens: 4, returnPromptLogits: false });
    expect(generated.report.stopReason).toBe('maxTokens');
    expect(generated.report.injection!.injectedRows).toBe(n - queryStart + 3);
  });

  it('sparse: blocks computed without injection are restored in prompt order, and equal full mode with one document', async () => {
    const e = await open();
    const inject: HeadChoice[] = [{ layer: 0, head: 1, pattern: 'use-def' }, ...PREV];
    await e.complete({ ...REQ, mode: 'sparse' });
    const sparse = await e.complete({ ...REQ, mode: 'sparse', inject });
    expect(sparse.report.mode).toBe('sparse');
    expect(sparse.report.blocks.map((b) => b.source)).toEqual(sparse.report.blocks.map(() => 'memory'));
    const n = sparse.promptTokenIds.length;
    expect(sparse.report.computedTokens).toBe(shared + n - queryStart);
    // One document: sparse equals full (engineChain.test.ts), so the restored blocks' cells hold the tokens the
    // use-def rows (into the document) and previous-token rows name.
    const full = await (await open()).complete({ ...REQ, mode: 'full', inject });
    expect(maxAbsDiff(logits(sparse), logits(full))).toBeLessThan(F32_TOLERANCE);
    expect(sparse.report.injection!.injectedRows).toBe(full.report.injection!.injectedRows);

    // A new engine computes the blocks in the injection context (without injection: documents keep their attention).
    const first = await (await open()).complete({ ...REQ, mode: 'sparse', inject });
    expect(first.report.blocks.map((b) => b.source)).toEqual(first.report.blocks.map(() => 'computed'));
    expect(first.report.computedTokens).toBe(n);
    expect(maxAbsDiff(logits(first), logits(sparse))).toBeLessThan(F32_TOLERANCE);
  });

  it('sparse: the same request twice gives the same answer; another cursor keeps the blocks', async () => {
    const e = await open();
    const first = await e.complete({ ...REQ, mode: 'sparse', inject: PREV, maxTokens: 6, returnPromptLogits: false });
    const second = await e.complete({ ...REQ, mode: 'sparse', inject: PREV, maxTokens: 6, returnPromptLogits: false });
    expect(second.report.reusedFromContext).toBe(second.promptTokenIds.length - 1);
    expect(second.text).toBe(first.text);
    expect(second.tokens).toEqual(first.tokens);
    const { injectedRows: written, ...rest } = second.report.injection!;
    expect({ ...first.report.injection!, injectedRows: 0 }).toEqual({ ...rest, injectedRows: 0 });
    // Rows written by this request's decodes: the last prompt token and the generated ones; the kept KV had its rows.
    expect(written).toBe(1 + 5);
    const moved = await e.complete({ ...REQ, suffix: ' 1;\n', mode: 'sparse', inject: PREV });
    expect(moved.report.reusedFromContext).toBeGreaterThanOrEqual(queryStart);
    const fresh = await (await open()).complete({ ...REQ, suffix: ' 1;\n', mode: 'sparse', inject: PREV });
    expect(maxAbsDiff(logits(moved), logits(fresh))).toBeLessThan(F32_TOLERANCE);
  });

  it('sparse with two documents and no rows in the query equals the main context’s sparse layout', async () => {
    const e = await open();
    const plain = { ...REQ, fileName: 'notes.txt', documents: [DOC_A, DOC_C], mode: 'sparse' as const };
    const none = await e.complete(plain);
    const r = await e.complete({ ...plain, inject: [{ layer: 0, head: 1, pattern: 'use-def' }] });
    expect(r.report.mode).toBe('sparse');
    expect(r.report.injection!.injectedRows).toBe(0);
    expect(r.report.blocks.map((b) => [b.document, b.position, b.source])).toEqual(none.report.blocks.map((b) => [b.document, b.position, 'memory']));
    expect(maxAbsDiff(logits(none), logits(r))).toBeLessThan(F32_TOLERANCE);
    // Encoded in the injection context itself (a flash-attention main context's blocks do not restore there).
    const own = await (await open({ flashAttention: 'enabled' })).complete({ ...plain, inject: [{ layer: 0, head: 1, pattern: 'use-def' }] });
    expect(own.report.blocks.map((b) => [b.document, b.position, b.source])).toEqual(none.report.blocks.map((b) => [b.document, b.position, 'computed']));
    expect(maxAbsDiff(logits(none), logits(own))).toBeLessThan(F32_TOLERANCE);
  });

  it('sparse without a tier computes the blocks in the injection context each new layout, and keeps them while it holds', async () => {
    const e = await open({ memoryBudgetBytes: 0 });
    const r = await e.complete({ ...REQ, mode: 'sparse', inject: PREV });
    expect(r.report.mode).toBe('sparse');
    expect(r.report.blocks.map((b) => b.source)).toEqual(r.report.blocks.map(() => 'computed'));
    const full = await (await open()).complete({ ...REQ, mode: 'full', inject: PREV });
    expect(maxAbsDiff(logits(r), logits(full))).toBeLessThan(F32_TOLERANCE);
    const again = await e.complete({ ...REQ, suffix: ' 1;\n', mode: 'sparse', inject: PREV });
    expect(again.report.blocks.map((b) => b.source)).toEqual(r.report.blocks.map(() => 'resident'));
  });

  it('sparse with a flash-attention main context: the injection context encodes its own blocks (V stored transposed), kept in the tiers', async () => {
    const e = await open({ flashAttention: 'enabled' });
    await e.complete({ ...REQ, mode: 'sparse' });
    const r = await e.complete({ ...REQ, mode: 'sparse', inject: PREV });
    expect(r.report.mode).toBe('sparse');
    expect(r.report.blocks.map((b) => b.source)).toEqual(r.report.blocks.map(() => 'computed'));
    await e.complete({ ...REQ, documents: [DOC_C], mode: 'sparse', inject: PREV });
    const back = await e.complete({ ...REQ, mode: 'sparse', inject: PREV });
    expect(back.report.blocks.map((b) => b.source)).toEqual(r.report.blocks.map(() => 'memory'));
    expect(maxAbsDiff(logits(back), logits(r))).toBeLessThan(F32_TOLERANCE);
    const full = await (await open()).complete({ ...REQ, mode: 'full', inject: PREV });
    expect(maxAbsDiff(logits(r), logits(full))).toBeLessThan(F32_TOLERANCE);
  });

  it('KV decoded with other rows is not reused: another head list equals that list on a fresh engine', async () => {
    const other: HeadChoice[] = [{ layer: 0, head: 1, pattern: 'sink' }];
    const e = await open();
    await e.complete({ ...REQ, mode: 'prefix', inject: PREV });
    const switched = await e.complete({ ...REQ, mode: 'prefix', inject: other });
    expect(switched.report.reusedFromContext).toBe(queryStart);
    const fresh = await (await open()).complete({ ...REQ, mode: 'prefix', inject: other });
    expect(maxAbsDiff(logits(switched), logits(fresh))).toBeLessThan(F32_TOLERANCE);
    expect(maxAbsDiff(logits(switched), logits(await e.complete({ ...REQ, mode: 'prefix', inject: PREV })))).toBeGreaterThan(CHANGED);
  });

  it('use-def: the report lists the cursor code’s edges and the head gets one row per use in the query', async () => {
    const e = await open();
    const none = await e.complete({ ...REQ, mode: 'full' });
    // Layer 0: a row of the last layer changes only its own token's output, and the uses are not the last token.
    const r = await e.complete({ ...REQ, mode: 'full', inject: [{ layer: 0, head: 0, pattern: 'use-def' }] });
    const injection = r.report.injection!;
    const def = (file: string, line: number, column: number) => ({ file, line, column });
    // The import reaches the attached document; the document's own edge (its `options`) is not the cursor's.
    expect(injection.edges).toEqual([
      { name: 'parseArgs', use: { line: 1, column: 9 }, def: def('src/args.ts', 1, 16) },
      { name: 'parseArgs', use: { line: 2, column: 16 }, def: def('src/args.ts', 1, 16) },
      { name: 'options', use: { line: 3, column: 10 }, def: def('src/main.ts', 2, 6) },
      { name: 'options', use: { line: 4, column: 12 }, def: def('src/main.ts', 2, 6) },
      { name: 'n', use: { line: 4, column: 21 }, def: def('src/main.ts', 3, 6) },
    ]);
    expect(injection.edgeCount).toBe(5);
    // Each edge's use is one row; every edge of the cursor code is in the query here.
    expect(injection.injectedRows).toBe(injection.edgeCount);
    expect(maxAbsDiff(logits(none), logits(r))).toBeGreaterThan(CHANGED);
  });

  it('a pattern without rows in the query keeps the model’s own attention: the same logits as no injection', async () => {
    const e = await open();
    const plain = { ...REQ, fileName: 'notes.txt', documents: [], mode: 'full' as const };
    const none = await e.complete(plain);
    const r = await e.complete({ ...plain, inject: [{ layer: 1, head: 0, pattern: 'use-def' }] });
    expect(r.report.injection).toMatchObject({ injectedRows: 0, edgeCount: 0, edges: [] });
    expect(maxAbsDiff(logits(none), logits(r))).toBe(0);
    const zero = await e.complete({ ...plain, inject: [{ layer: 1, head: 0, pattern: 'zero' }] });
    // Without documents the query starts right after the shared header.
    expect(zero.report.injection!.injectedRows).toBe(zero.promptTokenIds.length - shared);
    expect(maxAbsDiff(logits(none), logits(zero))).toBeGreaterThan(CHANGED);
  });

  it('auto injects the heads of the model’s profile, and without a profile says so and injects nothing', async () => {
    const cacheDir = path.join(dir, 'cache');
    const e = await open({ cacheDir });
    const without = await e.complete({ ...REQ, mode: 'full', inject: 'auto' });
    expect(without.report.notes).toContain('no head profile for this model: run steerway heads');
    expect(without.report.injection).toBeUndefined();
    const none = await e.complete({ ...REQ, mode: 'full' });
    expect(maxAbsDiff(logits(none), logits(without))).toBe(0);

    const scores = [0, 1].flatMap((layer) => [0, 1, 2, 3].map((head) => ({ layer, head, mass: 0.5, top1: layer === 1 && head === 2 ? 0.9 : 0.1 })));
    const profile: HeadProfile = {
      version: HEAD_PROFILE_VERSION,
      model: { identity: e.model.identity, name: 'tiny', nLayer: 2, nHead: 4, nHeadKv: 2 },
      files: { count: 1, tokens: 100 },
      patterns: Object.fromEntries(PATTERN_NAMES.map((p) => [p, { rows: 10, heads: p === 'previous-token' ? scores : scores.map((s) => ({ ...s, top1: 0 })) }])) as HeadProfile['patterns'],
    };
    fs.mkdirSync(path.dirname(headProfilePath(cacheDir, e.model.identity)), { recursive: true });
    fs.writeFileSync(headProfilePath(cacheDir, e.model.identity), JSON.stringify(profile));
    const auto = await e.complete({ ...REQ, mode: 'full', inject: 'auto' });
    expect(auto.report.injection!.heads).toEqual(PREV);
    const listed = await (await open()).complete({ ...REQ, mode: 'full', inject: PREV });
    expect(maxAbsDiff(logits(auto), logits(listed))).toBeLessThan(F32_TOLERANCE);
  });

  it('refuses heads outside the model in one line, and the next request still works', async () => {
    const e = await open();
    await expect(e.complete({ ...REQ, inject: [{ layer: 2, head: 0, pattern: 'sink' }] })).rejects.toThrow(new InvalidRequestError('inject: head 2.0: layer must be in [0, 1]'));
    await expect(e.complete({ ...REQ, inject: [{ layer: 0, head: 4, pattern: 'sink' }] })).rejects.toThrow(InvalidRequestError);
    await expect(e.complete({ ...REQ, inject: 'all' as 'auto' })).rejects.toThrow(InvalidRequestError);
    const ok = await e.complete({ ...REQ, mode: 'full', inject: PREV });
    expect(ok.report.injection!.injectedRows).toBe(ok.promptTokenIds.length - queryStart);
  });

  it('counts the injection context against the memory limit: an injected request past it is refused, the others still run', async () => {
    const { nLayer, nEmbd, nHead, nHeadKv } = model.info;
    const kvPerCell = nLayer * (nEmbd / nHead) * nHeadKv * (4 + 4); // f32 keys and values
    const bothContexts = fs.statSync(gen.path).size + kvPerCell * (1024 + 1024); // contextSize 1024, the smallest injection context 1024
    const tight = await open({ memoryLimitBytes: bothContexts - 1 });
    await expect(tight.complete({ ...REQ, mode: 'full', inject: PREV })).rejects.toThrow(/needs about \d+ MiB with its KV cache and the injection context/);
    await expect(tight.complete({ ...REQ, mode: 'full', inject: PREV })).rejects.toMatchObject({ code: 'MODEL_TOO_LARGE' });
    expect((await tight.complete({ ...REQ, mode: 'full' })).report.injection).toBeUndefined();
    const enough = await open({ memoryLimitBytes: bothContexts });
    expect((await enough.complete({ ...REQ, mode: 'full', inject: PREV })).report.injection!.injectedRows).toBeGreaterThan(0);
  });

  it('an aborted injected request leaves nothing behind: the next one equals a fresh engine’s', async () => {
    const e = await open();
    const controller = new AbortController();
    const aborted = e.complete({ ...REQ, mode: 'prefix', inject: PREV, maxTokens: 50, returnPromptLogits: false, signal: controller.signal, onText: () => controller.abort() });
    await expect(aborted).rejects.toThrow(/aborted/);
    const after: CompletionResult = await e.complete({ ...REQ, mode: 'prefix', inject: [{ layer: 0, head: 3, pattern: 'sink' }] });
    const fresh = await (await open()).complete({ ...REQ, mode: 'prefix', inject: [{ layer: 0, head: 3, pattern: 'sink' }] });
    expect(maxAbsDiff(logits(after), logits(fresh))).toBeLessThan(F32_TOLERANCE);
  });

  it('steerway complete --inject takes a head list or auto, and --json carries the injection report', async () => {
    const prefixFile = path.join(dir, 'main.ts');
    fs.writeFileSync(prefixFile, REQ.prefix);
    const run = async (...extra: string[]): Promise<{ code: number; out: string[]; err: string[] }> => {
      const out: string[] = [];
      const err: string[] = [];
      const io: CliIo = { stdout: (t) => out.push(t), stderr: (l) => err.push(l), engine: { cpuBackend: pinnedCpuBackend(), ...exact } };
      const code = await runComplete(['--model', gen.path, '--prefix-file', prefixFile, '--max-tokens', '2', ...extra], io);
      return { code, out, err };
    };
    const listed = await run('--inject', '1.2=previous-token,0.1=sink', '--json');
    expect(listed.code).toBe(0);
    const report = JSON.parse(listed.out.join('')).report;
    expect(report.injection.heads).toEqual([{ layer: 1, head: 2, pattern: 'previous-token' }, { layer: 0, head: 1, pattern: 'sink' }]);
    expect(report.injection.injectedRows).toBeGreaterThan(0);
    const auto = await run('--inject', 'auto', '--json');
    expect(JSON.parse(auto.out.join('')).report.notes).toContain('no head profile for this model: run steerway heads');
    const bad = await run('--inject', '1.2=nothing');
    expect(bad.code).toBe(2);
    expect(bad.err).toEqual([expect.stringMatching(/^steerway complete: --inject: "1\.2=nothing" is not layer\.head=pattern/)]);
    const outside = await run('--inject', '7.0=sink');
    expect(outside.code).toBe(1);
    expect(outside.err).toEqual(['steerway complete: inject: head 7.0: layer must be in [0, 1]']);
  });
});
