// A document attends to all of itself (issue 11 part 1): its blocks are chained, so one document in sparse
// mode equals full mode; an edit near its end recomputes only the blocks from the edit on; moving it shifts
// all its blocks together. And the prompt takes as few decode calls as its batch size allows (part 2), in a
// context sized to the prompt (part 4).
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CompletionEngine, CompletionRequest, CompletionResult } from '../../assistant/engine';
import type { GeneratedModel } from '../../tools/gguf-fixtures/model';
import { describeNative, makeModel, maxAbsDiff, tempDir } from './helpers';
import { argmaxOf, DOC_A, DOC_B, DOC_C, engine, logits, REQ, TEST_BATCH } from './engineHelpers';

const exact = { typeK: 'f32', typeV: 'f32', flashAttention: 'disabled' } as const;
/** The default F16 cache: a shifted block differs from one decoded in place by a few 1e-3 (engine.test.ts). */
const F16_TOLERANCE = 2e-2;
/** F32 cache, exact attention: what is left is rounding, about 1e-6. */
const F32_TOLERANCE = 1e-4;

const LONG = { name: 'src/long.ts', text: DOC_A.text + DOC_C.text + DOC_A.text.replaceAll('options', 'settings') };
const OTHER = { name: 'tools/other.py', text: DOC_B.text };

describeNative('completion engine: chained document blocks', () => {
  let dir: string;
  let gen: GeneratedModel;
  const engines: CompletionEngine[] = [];
  const open = async (options: Parameters<typeof engine>[1] = {}): Promise<CompletionEngine> => {
    const e = await engine(gen.path, options);
    engines.push(e);
    return e;
  };
  /** Tokens of LONG as the engine cuts it into blocks. */
  let longTokens: number;
  /** Block size that cuts LONG into `k` blocks, within TEST_BATCH. */
  const blockSizeFor = (k: number): number => Math.ceil(longTokens / k);

  beforeAll(async () => {
    dir = tempDir();
    gen = makeModel(dir, { seed: 21 });
    const probe = await open();
    longTokens = probe.promptTokens({ ...REQ, documents: [LONG] }).length - probe.promptTokens(REQ).length;
    // Five blocks must fit in test batches (see TEST_BATCH).
    expect(blockSizeFor(5)).toBeLessThanOrEqual(TEST_BATCH);
    expect(blockSizeFor(2)).toBeGreaterThan(TEST_BATCH);
  });
  afterAll(async () => {
    for (const e of engines) await e.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const k of [1, 2, 5]) {
    it(`one document of ${k} block(s): sparse equals full (F32 exact, F16 within its shift tolerance)`, async () => {
      // A block may exceed TEST_BATCH here (1 and 2 blocks); the batch stays at 32 so both modes split alike.
      const blockTokens = blockSizeFor(k);
      for (const [cache, tolerance] of [[exact, F32_TOLERANCE], [{}, F16_TOLERANCE]] as const) {
        const e = await open({ ...cache, blockTokens, batchSize: Math.max(TEST_BATCH, blockTokens) });
        const full = await e.complete({ ...REQ, documents: [LONG], mode: 'full' });
        const sparse = await e.complete({ ...REQ, documents: [LONG], mode: 'sparse' });
        expect(sparse.report.blocks).toHaveLength(k);
        expect(sparse.report.blocks.every((b) => b.source === 'computed')).toBe(true);
        expect(sparse.promptTokenIds).toEqual(full.promptTokenIds);
        expect(maxAbsDiff(logits(sparse), logits(full))).toBeLessThan(tolerance);
        expect(argmaxOf(logits(sparse))).toBe(argmaxOf(logits(full)));
      }
    });
  }

  it('two documents still differ from full: each attends only to itself', async () => {
    const e = await open({ ...exact, blockTokens: blockSizeFor(5) });
    const documents = [LONG, OTHER];
    const full = await e.complete({ ...REQ, documents, mode: 'full' });
    const sparse = await e.complete({ ...REQ, documents, mode: 'sparse' });
    expect(sparse.report.blocks.length).toBeGreaterThan(5);
    expect(maxAbsDiff(logits(sparse), logits(full))).toBeGreaterThan(0.1);
  });

  /** The same request on a fresh engine of the same options: the reference every reuse must equal. */
  const fresh = async (options: Parameters<typeof engine>[1], request: CompletionRequest): Promise<CompletionResult> => {
    const e = await open(options);
    return e.complete(request);
  };

  for (const first of [true, false]) {
    it(`editing the last block of a 5-block document recomputes one block (document ${first ? 'first' : 'after another'})`, async () => {
      const options = { ...exact, blockTokens: blockSizeFor(5) };
      const e = await open(options);
      // One character of the last line changes: the last block's tokens change, not their number.
      const edited = { ...LONG, text: `${LONG.text.slice(0, -2)}]\n` };
      const before = first ? [LONG, OTHER] : [OTHER, LONG];
      const after = first ? [edited, OTHER] : [OTHER, edited];
      await e.complete({ ...REQ, documents: before });
      const r = await e.complete({ ...REQ, documents: after });
      const blocks = r.report.blocks.filter((b) => b.document === LONG.name);
      expect(blocks).toHaveLength(5);
      expect(blocks.map((b) => b.source)).toEqual(['resident', 'resident', 'resident', 'resident', 'computed']);
      // The query after the edited document is decoded again too; nothing else is.
      const queryTokens = r.promptTokenIds.length - Math.max(...r.report.blocks.map((b) => b.position + b.tokens));
      expect(r.report.computedTokens).toBe(blocks[4]!.tokens + queryTokens);
      expect(r.report.blocks.filter((b) => b.document === OTHER.name).every((b) => b.source !== 'computed')).toBe(true);
      const reference = await fresh(options, { ...REQ, documents: after });
      expect(maxAbsDiff(logits(r), logits(reference))).toBeLessThan(F32_TOLERANCE);
    });
  }

  it('moving a document shifts all its blocks together, and equals decoding it in place', async () => {
    for (const [cache, tolerance] of [[exact, F32_TOLERANCE], [{}, F16_TOLERANCE]] as const) {
      const options = { ...cache, blockTokens: blockSizeFor(5) };
      const e = await open(options);
      await e.complete({ ...REQ, documents: [OTHER, LONG] });
      const moved = await e.complete({ ...REQ, documents: [LONG, OTHER] });
      const blocks = moved.report.blocks.filter((b) => b.document === LONG.name);
      expect(blocks.map((b) => b.source)).toEqual(Array(5).fill('shifted'));
      const reference = await fresh(options, { ...REQ, documents: [LONG, OTHER] });
      expect(maxAbsDiff(logits(moved), logits(reference))).toBeLessThan(tolerance);
    }
  });

  it('boundary recompute stays: k tokens per block, decoded in the query', async () => {
    const e = await open({ ...exact, blockTokens: blockSizeFor(5) });
    const r = await e.complete({ ...REQ, documents: [LONG, OTHER], boundary: 3 });
    expect(r.report.boundaryRecomputed).toBe(3 * r.report.blocks.length);
  });
});

describeNative('completion engine: decode calls and context size', () => {
  let dir: string;
  let gen: GeneratedModel;
  const engines: CompletionEngine[] = [];
  const open = async (options: Parameters<typeof engine>[1] = {}): Promise<CompletionEngine> => {
    const e = await engine(gen.path, options);
    engines.push(e);
    return e;
  };
  beforeAll(() => {
    dir = tempDir();
    gen = makeModel(dir, { seed: 22 });
  });
  afterAll(async () => {
    for (const e of engines) await e.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('full mode decodes an N-token prompt in ceil(N / batch) calls; sparse fills its calls with document tokens across blocks', async () => {
    const batch = 32;
    const e = await open({ batchSize: batch, blockTokens: 20 });
    const request = { ...REQ, documents: [LONG, OTHER] };
    const full = await e.complete({ ...request, mode: 'full' });
    const n = full.promptTokenIds.length;
    expect(full.report.phases!.promptDecodes).toBe(Math.ceil(n / batch));
    await e.resetContext();
    const sparse = await e.complete({ ...request, mode: 'sparse' });
    const h = sparse.report.blocks[0]!.position;
    const docs = sparse.report.blocks.reduce((t, b) => t + b.tokens, 0);
    // Shared prefix, the blocks (20-token blocks packed into 32-token calls), the query.
    expect(sparse.report.phases!.promptDecodes).toBe(Math.ceil(h / batch) + Math.ceil(docs / batch) + Math.ceil((n - h - docs) / batch));
    for (const r of [full, sparse]) {
      const p = r.report.phases!;
      expect(p.documentMs).toBeGreaterThan(0);
      expect(p.queryMs).toBeGreaterThan(0);
      expect(p.documentMs + p.queryMs + p.restoreMs + p.shiftMs).toBeLessThanOrEqual(r.report.promptMs);
    }
  });

  it('the context is sized to the prompt (a power of two from 1024), grows when a prompt needs more, and answers as before', async () => {
    const options = { ...exact, contextSize: 65536, blockTokens: TEST_BATCH };
    const e = await open(options);
    const small = await e.complete({ ...REQ, documents: [DOC_A] });
    expect(e.cacheStats().contextSize).toBe(1024);
    const big = { ...REQ, documents: [{ name: 'big.ts', text: DOC_A.text.repeat(30) }], maxTokens: 2 };
    const r = await e.complete(big);
    const size = e.cacheStats().contextSize;
    expect(size).toBeGreaterThan(1024);
    expect(size).toBeLessThan(65536);
    expect(size & (size - 1)).toBe(0);
    expect(size).toBeGreaterThanOrEqual(r.promptTokenIds.length + 2);
    // The blocks came back from the memory tier into the new context: same answer as a fresh engine.
    const again = await e.complete({ ...REQ, documents: [DOC_A] });
    expect(again.report.blocks.every((b) => b.source === 'memory')).toBe(true);
    expect(maxAbsDiff(logits(again), logits(small))).toBeLessThan(F32_TOLERANCE);
  });
});
