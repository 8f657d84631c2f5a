// The completion engine against llama.cpp itself: full mode vs node-llama-cpp, sparse vs full and vs a
// reference built the slow way, boundary recompute, block reuse across requests, prefix reuse, generation.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CompletionEngine, CompletionReport } from '../../assistant/engine';
import type { GeneratedModel } from '../../tools/gguf-fixtures/model';
import { bestCpuBackend, describeNative, makeModel, maxAbsDiff, pinnedCpuBackend, setupAddon, tempDir } from './helpers';
import { argmaxOf, DOC_A, DOC_B, DOC_C, engine, logits, REQ, slowSparseReference, withEos, withTokenText } from './engineHelpers';

describeNative('completion engine: correctness', () => {
  let dir: string;
  let gen: GeneratedModel;
  let f32: CompletionEngine;
  const engines: CompletionEngine[] = [];
  const open = async (options: Parameters<typeof engine>[1] = {}, modelPath = gen.path): Promise<CompletionEngine> => {
    const e = await engine(modelPath, options);
    engines.push(e);
    return e;
  };

  beforeAll(async () => {
    dir = tempDir();
    gen = makeModel(dir, { seed: 5 });
    // Flash attention computes in F16 even over an F32 cache: precise comparisons turn it off.
    f32 = await open({ typeK: 'f32', typeV: 'f32', flashAttention: 'disabled' });
  });
  afterAll(async () => {
    for (const e of engines) await e.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads the prompt format from the GGUF and reports it', () => {
    expect(f32.model.format).toBe('qwen2.5-coder');
    expect(f32.model.fim).toEqual({ prefix: gen.tokens.fimPre, suffix: gen.tokens.fimSuf, middle: gen.tokens.fimMid, repoName: gen.tokens.fimRep, fileSeparator: gen.tokens.fimSep });
    expect(f32.model.architecture).toBe('llama');
    expect(f32.model.contextLength).toBe(gen.shape.nCtxTrain);
    expect(f32.model.chatTemplate).toContain('im_start');
    const ids = f32.promptTokens({ ...REQ, documents: [DOC_A] });
    expect(ids.filter((t) => t === gen.tokens.fimSep)).toHaveLength(2);
    expect(ids.at(-1)).toBe(gen.tokens.fimMid);
  });

  it('full mode agrees with node-llama-cpp evaluating the same token ids', async () => {
    const e = await open({ flashAttention: 'disabled', contextSize: 256, batchSize: 256 });
    const r = await e.complete({ ...REQ, documents: [DOC_A], mode: 'full' });
    const ids = r.promptTokenIds;
    expect(ids).toEqual(e.promptTokens({ ...REQ, documents: [DOC_A] }));
    const fixture = path.join(import.meta.dirname, 'fixtures', 'nlc-logits.mjs');
    const out = JSON.parse(execFileSync(process.execPath, [fixture, gen.path, ids.join(','), String(ids.length - 1)], { encoding: 'utf8' })) as { logits: Record<string, number[]> };
    const diff = maxAbsDiff(logits(r), out.logits[String(ids.length - 1)]!);
    // node-llama-cpp runs the best-scoring CPU variant: bit-exact when the tests pinned that one too.
    if (pinnedCpuBackend() === bestCpuBackend()) expect(diff).toBe(0);
    else expect(diff).toBeLessThan(1e-3);
  });

  it('with one document, sparse equals full within tolerance, on identical token ids', async () => {
    // One block per document here (blocks of one document do not attend to each other either), and
    // batches under 64 tokens (see TEST_BATCH).
    const e = await open({ typeK: 'f32', typeV: 'f32', flashAttention: 'disabled', batchSize: 60, blockTokens: 60 });
    const full = await e.complete({ ...REQ, documents: [DOC_A], mode: 'full' });
    const sparse = await e.complete({ ...REQ, documents: [DOC_A], mode: 'sparse' });
    expect(sparse.report.blocks).toHaveLength(1);
    expect(sparse.promptTokenIds).toEqual(full.promptTokenIds);
    expect(maxAbsDiff(logits(sparse), logits(full))).toBeLessThan(1e-4);
    expect(argmaxOf(logits(sparse))).toBe(argmaxOf(logits(full)));
  });

  for (const kv of ['f32', 'f16'] as const) {
    // Measured: about 1e-6 with F32 keys and exact attention; a few 1e-3 with the default F16 cache and
    // flash attention (the RoPE shift of stored F16 keys).
    const tolerance = kv === 'f32' ? 1e-4 : 2e-2;
    it(`with three documents, sparse differs from full and equals the slow reference (${kv} cache, shifted blocks within ${tolerance})`, async () => {
      const e = kv === 'f32' ? f32 : await open();
      const docs = [DOC_A, DOC_B, DOC_C];
      const full = await e.complete({ ...REQ, documents: docs, mode: 'full' });
      await e.resetContext();
      const sparse = await e.complete({ ...REQ, documents: docs, mode: 'sparse' });
      expect(sparse.promptTokenIds).toEqual(full.promptTokenIds);
      // After a reset nothing is placed: every block comes from the memory tier or is computed.
      expect(sparse.report.blocks.every((b) => b.source === 'memory' || b.source === 'computed')).toBe(true);
      expect(maxAbsDiff(logits(sparse), logits(full))).toBeGreaterThan(0.1);
      const reference = await slowSparseReference(gen.path, sparse, kv, kv === 'f32' ? 'disabled' : 'auto');
      expect(maxAbsDiff(logits(sparse), reference)).toBeLessThan(tolerance);
    });
  }

  it('a document given twice is computed once and placed twice', async () => {
    const twice = { name: 'twice.ts', text: 'export const twice = [1, 2, 3].map((x) => x * 2);\n' };
    const r = await f32.complete({ ...REQ, documents: [twice, twice] });
    const half = r.report.blocks.length / 2;
    expect(r.report.blocks.slice(0, half).every((b) => b.source === 'computed')).toBe(true);
    expect(r.report.blocks.slice(half).every((b) => b.source === 'memory')).toBe(true);
    expect(maxAbsDiff(logits(r), await slowSparseReference(gen.path, r, 'f32', 'disabled'))).toBeLessThan(1e-4);
  });

  it('boundary recompute with k = block length equals full; a smaller k recomputes k tokens per block', async () => {
    const docs = [DOC_A, DOC_B];
    const full = await f32.complete({ ...REQ, documents: docs, mode: 'full' });
    const sparse = await f32.complete({ ...REQ, documents: docs, mode: 'sparse' });
    const all = await f32.complete({ ...REQ, documents: docs, mode: 'sparse', boundary: 1000 });
    const blockTokens = all.report.blocks.reduce((n, b) => n + b.tokens, 0);
    expect(all.report.boundaryRecomputed).toBe(blockTokens);
    // Measured: about 1e-6 (F32 cache, exact attention).
    const dAll = maxAbsDiff(logits(all), logits(full));
    expect(dAll).toBeLessThan(1e-4);
    expect(maxAbsDiff(logits(sparse), logits(full))).toBeGreaterThan(10 * dAll);
    const some = await f32.complete({ ...REQ, documents: docs, mode: 'sparse', boundary: 4 });
    expect(some.report.boundaryRecomputed).toBe(4 * some.report.blocks.length);
    expect(maxAbsDiff(logits(some), logits(sparse))).toBeGreaterThan(1e-3);
  });

  it('a moved cursor re-decodes only the query; reordered, removed, added and returning documents reuse their blocks', async () => {
    const e = await open({ typeK: 'f32', typeV: 'f32', flashAttention: 'disabled' });
    const fresh = await open({ typeK: 'f32', typeV: 'f32', flashAttention: 'disabled' });
    const sources: string[][] = [];
    const computed: number[] = [];
    const reports: CompletionReport[] = [];
    const computedDocs = (i: number): string[] => [...new Set(reports[i]!.blocks.filter((b) => b.source === 'computed').map((b) => b.document))];
    const check = async (request: typeof REQ): Promise<void> => {
      const r = await e.complete(request);
      await fresh.resetContext();
      const ref = await fresh.complete(request);
      expect(maxAbsDiff(logits(r), logits(ref))).toBeLessThan(1e-4);
      const queryLength = r.promptTokenIds.length - r.report.blocks.reduce((n, b) => Math.max(n, b.position + b.tokens), 0);
      const computedBlocks = r.report.blocks.filter((b) => b.source === 'computed').reduce((n, b) => n + b.tokens, 0);
      // The shared prefix (before the first block) is computed once per context.
      expect(r.report.computedTokens).toBeLessThanOrEqual(queryLength + computedBlocks + (sources.length === 0 ? r.report.blocks[0]!.position : 0));
      expect(r.report.reusedFromContext + r.report.reusedFromMemory + r.report.reusedFromDisk + r.report.computedTokens).toBe(r.report.promptTokens);
      sources.push(r.report.blocks.map((b) => b.source));
      computed.push(r.report.computedTokens);
      reports.push(r.report);
    };
    await check({ ...REQ, documents: [DOC_A, DOC_B] });
    await check({ ...REQ, prefix: `${REQ.prefix}process.argv`, documents: [DOC_A, DOC_B] });
    await check({ ...REQ, documents: [DOC_B, DOC_A] });
    await check({ ...REQ, documents: [DOC_A] });
    await check({ ...REQ, documents: [DOC_C, DOC_A, DOC_B] });
    await check({ ...REQ, documents: [DOC_A, DOC_B] });
    expect(new Set(sources[0])).toEqual(new Set(['computed']));
    expect(new Set(sources[1])).toEqual(new Set(['resident']));
    expect(new Set(sources[2])).toEqual(new Set(['shifted']));
    expect(computedDocs(3)).toEqual([]);
    expect(computedDocs(4)).toEqual([DOC_C.name]);
    expect(computedDocs(5)).toEqual([]);
    // The moved cursor shares the start of the query with the previous request: fewer tokens than the query.
    const queryOnly = e.promptTokens({ ...REQ, prefix: `${REQ.prefix}process.argv`, documents: [] }).length;
    expect(computed[1]).toBeLessThan(queryOnly);
  });

  it('the context holds only the current layout: copies of blocks a request leaves out go before its query is decoded, and come back from memory', async () => {
    const exact = { typeK: 'f32', typeV: 'f32', flashAttention: 'disabled' } as const;
    const e = await open(exact);
    const fresh = await open(exact);
    const layouts = [[DOC_A, DOC_B, DOC_C], [DOC_C, DOC_A, DOC_B], [DOC_C, DOC_A], [DOC_A, DOC_C], [DOC_A, DOC_B, DOC_C], [DOC_B]];
    const results = [];
    for (const documents of layouts) {
      const r = await e.complete({ ...REQ, documents });
      await fresh.resetContext();
      expect(maxAbsDiff(logits(r), logits(await fresh.complete({ ...REQ, documents })))).toBeLessThan(1e-4);
      // Placed copies are exactly this request's blocks; the cells are its prompt (no token generated).
      expect(e.cacheStats()).toMatchObject({ placedBlocks: r.report.blocks.length, contextCells: r.promptTokenIds.length });
      results.push(r);
    }
    // B left at the third request and came back at the fifth: restored from memory, not recomputed.
    expect(new Set(results[4]!.report.blocks.filter((b) => b.document === DOC_B.name).map((b) => b.source))).toEqual(new Set(['memory']));
    expect(results.slice(1).flatMap((r) => r.report.blocks).filter((b) => b.source === 'computed')).toEqual([]);
  });

  it('a long session of random document sets, orders and cursors stays equal to a fresh context', async () => {
    const e = await open({ typeK: 'f32', typeV: 'f32', flashAttention: 'disabled', contextSize: 2048 });
    const fresh = await open({ typeK: 'f32', typeV: 'f32', flashAttention: 'disabled', contextSize: 2048 });
    const pool = [DOC_A, DOC_B, DOC_C, { name: 'd.ts', text: DOC_A.text.toUpperCase() }, { name: 'e.py', text: DOC_B.text.replaceAll('line', 'row') }];
    let state = 7;
    const random = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const documents = pool.filter(() => random() < 0.5).sort(() => random() - 0.5);
      const request = { ...REQ, prefix: `${REQ.prefix}${'x'.repeat(i % 4)}`, documents, boundary: i % 3 === 0 ? 3 : 0, maxTokens: 2 };
      const r = await e.complete(request);
      await fresh.resetContext();
      const ref = await fresh.complete(request);
      expect(maxAbsDiff(logits(r), logits(ref))).toBeLessThan(1e-4);
      expect(r.tokens).toEqual(ref.tokens);
      // A block is computed once; afterwards it is placed, shifted or restored.
      for (const b of r.report.blocks) {
        const id = `${b.document}#${b.index}`;
        if (seen.has(id)) expect(b.source).not.toBe('computed');
        seen.add(id);
      }
    }
  });

  it('prefix mode reuses the longest common token prefix of the previous request, and matches full', async () => {
    const e = await open({ typeK: 'f32', typeV: 'f32', flashAttention: 'disabled' });
    const docs = [DOC_A, DOC_B];
    const first = await e.complete({ ...REQ, documents: docs, mode: 'prefix' });
    expect(first.report.reusedFromContext).toBe(0);
    const moved = { ...REQ, prefix: `${REQ.prefix}x`, documents: docs };
    const second = await e.complete({ ...moved, mode: 'prefix' });
    const ids = second.promptTokenIds;
    let common = 0;
    while (first.promptTokenIds[common] === ids[common]) common++;
    expect(second.report.reusedFromContext).toBe(common);
    expect(second.report.computedTokens).toBe(ids.length - common);
    const full = await e.complete({ ...moved, mode: 'full' });
    expect(maxAbsDiff(logits(second), logits(full))).toBeLessThan(1e-4);
    expect(argmaxOf(logits(second))).toBe(argmaxOf(logits(full)));
  });

  it('generates greedily and by seed, reports log-probabilities and speed', async () => {
    const request = { ...REQ, documents: [DOC_A], maxTokens: 6, returnPromptLogits: false };
    const streamed: string[] = [];
    const greedy = await f32.complete({ ...request, logprobs: 3, onText: (t) => streamed.push(t) });
    expect(streamed.join('')).toBe(greedy.text);
    expect(streamed.length).toBeGreaterThan(1);
    const again = await f32.complete(request);
    expect(again.tokens).toEqual(greedy.tokens);
    expect(greedy.report.generatedTokens).toBe(greedy.tokens.length);
    if (greedy.report.stopReason === 'maxTokens') expect(greedy.tokens).toHaveLength(6);
    expect(greedy.logprobs).toHaveLength(greedy.tokens.length);
    for (const [i, step] of greedy.logprobs!.entries()) {
      expect(step.token).toBe(greedy.tokens[i]);
      expect(step.top).toHaveLength(3);
      expect(step.top[0]!.token).toBe(step.token);
      expect(step.top[0]!.logprob).toBeGreaterThanOrEqual(step.top[1]!.logprob);
      expect(step.logprob).toBeLessThanOrEqual(0);
    }
    const sampled = async (seed: number) => (await f32.complete({ ...request, maxTokens: 12, temperature: 1.5, seed })).tokens;
    const s1 = await sampled(1);
    expect(await sampled(1)).toEqual(s1);
    const others = [await sampled(2), await sampled(3)];
    expect(others.some((t) => t.join() !== s1.join())).toBe(true);
    expect(greedy.report.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(greedy.report.tokensPerSecond).toBeGreaterThan(0);
  });

  it('stops at an end-of-generation token', async () => {
    const request = { ...REQ, documents: [DOC_A], maxTokens: 4 };
    const first = (await f32.complete(request)).tokens[0]!;
    // The same weights with that token declared end-of-sequence: generation ends before it.
    const eos = await open({ typeK: 'f32', typeV: 'f32', flashAttention: 'disabled' }, withEos(gen.path, path.join(dir, 'eos.gguf'), first));
    const r = await eos.complete(request);
    expect(r.report.stopReason).toBe('eog');
    expect(r.tokens).toEqual([]);
    expect(r.text).toBe('');
  });

  it('stops at the end of a line or of a block', async () => {
    const request = { ...REQ, documents: [DOC_A], maxTokens: 4 };
    const first = (await f32.complete(request)).tokens[0]!;
    const model = await setupAddon().loadModel(gen.path, { vocabOnly: true });
    const text = model.tokenText(first);
    model.dispose();
    // The greedy first token now reads as a line end after some code, or as a closing bracket.
    const pad = (s: string): string => s + '~'.repeat(Buffer.byteLength(text) - Buffer.byteLength(s));
    const lineModel = withTokenText(gen.path, path.join(dir, 'line.gguf'), text, pad('x;\n'));
    const line = await (await open({ typeK: 'f32', typeV: 'f32', flashAttention: 'disabled' }, lineModel)).complete({ ...request, stopAt: 'line' });
    expect(line.tokens[0]).toBe(first);
    expect(line.report.stopReason).toBe('line');
    expect(line.text).toBe('x;');
    const blockModel = withTokenText(gen.path, path.join(dir, 'block.gguf'), text, pad('}'));
    const block = await (await open({ typeK: 'f32', typeV: 'f32', flashAttention: 'disabled' }, blockModel)).complete({ ...request, stopAt: 'block' });
    expect(block.tokens[0]).toBe(first);
    expect(block.report.stopReason).toBe('block');
    expect(block.text).toBe('');
  });

  it('token healing: takes the prefix\'s last token back and the answer writes its text again, as the model chooses', async () => {
    const request = { ...REQ, prefix: 'const value = ', maxTokens: 6, returnPromptLogits: false, mode: 'full' as const };
    // A FIM model is asked as typed unless the request says otherwise.
    const asTyped = await f32.complete(request);
    expect((await f32.complete({ ...request, tokenHealing: false })).promptTokenIds).toEqual(asTyped.promptTokenIds);
    const streamed: string[] = [];
    const healed = await f32.complete({ ...request, tokenHealing: true, logprobs: 2, onText: (t) => streamed.push(t) });
    expect(asTyped.report.healedText).toBeUndefined();
    expect(healed.report.healedText).toBe(' ');
    // The same prompt less the prefix's last token (the one before <|fim_suffix|>).
    const cut = asTyped.promptTokenIds.indexOf(gen.tokens.fimSuf) - 1;
    expect(healed.promptTokenIds).toEqual(asTyped.promptTokenIds.filter((_, i) => i !== cut));
    const vocab = await setupAddon().loadModel(gen.path, { vocabOnly: true });
    try {
      const written = new TextDecoder().decode(Buffer.concat(healed.tokens.map((t) => vocab.tokenPiece(t))));
      // The first token starts with the space taken back; the answer is what comes after it.
      expect(written.startsWith(' ')).toBe(true);
      expect(healed.text).toBe(written.slice(1));
      expect(streamed.join('')).toBe(healed.text);
      // The log-probabilities are the model's, over every token: the healed step's top token may be one it could not pick.
      expect(healed.logprobs).toHaveLength(healed.tokens.length);
      for (let seed = 1; seed <= 6; seed++) {
        const sampled = await f32.complete({ ...request, tokenHealing: true, temperature: 3, seed, maxTokens: 1 });
        expect(new TextDecoder().decode(vocab.tokenPiece(sampled.tokens[0]!)).startsWith(' ')).toBe(true);
      }
    } finally {
      vocab.dispose();
    }
  });

  it('serializes concurrent requests on its one context', async () => {
    const requests = [
      { ...REQ, documents: [DOC_A, DOC_B] },
      { ...REQ, documents: [DOC_B], mode: 'full' as const },
      { ...REQ, prefix: 'let y = ', documents: [DOC_C, DOC_A], mode: 'prefix' as const },
    ];
    const together = await Promise.all(requests.map((r) => f32.complete(r)));
    for (const [i, r] of requests.entries()) {
      await f32.resetContext();
      const alone = await f32.complete(r);
      expect(maxAbsDiff(logits(together[i]!), logits(alone))).toBeLessThan(1e-4);
    }
  });
});
