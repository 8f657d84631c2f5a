// The engine's tiers and failure paths: disk block files checked and recomputed, byte budgets,
// cancellation, errors, and a model without FIM tokens.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  CompletionAbortedError,
  ContextOverflowError,
  EngineDisposedError,
  InvalidRequestError,
  ModelLoadError,
  ModelNotFoundError,
  ModelTooLargeError,
  TooManyBlocksError,
  type CompletionEngine,
  type CompletionRequest,
} from '../../assistant/engine';
import { BLOCK_MAGIC, encodeBlockFile, type BlockHeader } from '../../assistant/engine/blockFile';
import type { GeneratedModel } from '../../tools/gguf-fixtures/model';
import { describeNative, makeModel, maxAbsDiff, tempDir } from './helpers';
import { DOC_A, DOC_B, DOC_C, engine, logits, REQ, withoutFim } from './engineHelpers';

const exact = { typeK: 'f32', typeV: 'f32', flashAttention: 'disabled' } as const;

describeNative('completion engine: tiers, budgets, cancellation, errors', () => {
  let dir: string;
  let gen: GeneratedModel;
  let other: GeneratedModel;
  const engines: CompletionEngine[] = [];
  const open = async (options: Parameters<typeof engine>[1] = {}, modelPath = gen.path): Promise<CompletionEngine> => {
    const e = await engine(modelPath, options);
    engines.push(e);
    return e;
  };
  const blockFiles = (cache: string): string[] => fs.readdirSync(cache).filter((f) => f.endsWith('.kvb')).sort().map((f) => path.join(cache, f));

  beforeAll(() => {
    dir = tempDir();
    gen = makeModel(dir, { seed: 11 });
    other = makeModel(dir, { seed: 12 }, 'other.gguf');
  });
  afterAll(async () => {
    for (const e of engines) await e.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a block restored from memory or from disk gives the same logits as recomputing it', async () => {
    const cacheDir = path.join(dir, 'cache-restore');
    const request = { ...REQ, documents: [DOC_A, DOC_B] };
    const a = await open({ ...exact, cacheDir });
    const computed = await a.complete(request);
    expect(new Set(computed.report.blocks.map((b) => b.source))).toEqual(new Set(['computed']));
    await a.flushDisk();
    expect(a.cacheStats().diskBlocks).toBe(computed.report.blocks.length);
    expect(blockFiles(cacheDir)).toHaveLength(computed.report.blocks.length);
    await a.resetContext();
    const fromMemory = await a.complete(request);
    expect(new Set(fromMemory.report.blocks.map((b) => b.source))).toEqual(new Set(['memory']));
    const blockTokens = computed.report.blocks.reduce((n, b) => n + b.tokens, 0);
    expect(fromMemory.report.reusedFromMemory).toBe(blockTokens);
    await a.dispose();
    const b = await open({ ...exact, cacheDir });
    const fromDisk = await b.complete(request);
    expect(new Set(fromDisk.report.blocks.map((x) => x.source))).toEqual(new Set(['disk']));
    expect(fromDisk.report.reusedFromDisk).toBe(blockTokens);
    // Same cells or not, a restored state attends like the recomputed one (measured: identical or ~1e-6).
    expect(maxAbsDiff(logits(fromMemory), logits(computed))).toBeLessThan(1e-5);
    expect(maxAbsDiff(logits(fromDisk), logits(computed))).toBeLessThan(1e-5);
  });

  it('rejects corrupted, truncated, wrong-version and foreign-model block files, deletes and recomputes them', async () => {
    const cacheDir = path.join(dir, 'cache-bad');
    const request = { ...REQ, documents: [DOC_A, DOC_B] };
    const first = await open({ ...exact, cacheDir, memoryBudgetBytes: 0 });
    const good = await first.complete(request);
    await first.dispose();
    const files = blockFiles(cacheDir);
    expect(files.length).toBe(good.report.blocks.length);
    expect(files.length).toBeGreaterThanOrEqual(4);

    const foreignDir = path.join(dir, 'cache-foreign');
    const foreign = await open({ ...exact, cacheDir: foreignDir }, other.path);
    await foreign.complete(request);
    await foreign.dispose();

    const [corrupt, truncated, version, alien] = files as [string, string, string, string];
    const bytes = fs.readFileSync(corrupt);
    bytes[bytes.length - 100]! ^= 0x40;
    fs.writeFileSync(corrupt, bytes);
    fs.truncateSync(truncated, fs.statSync(truncated).size - 7);
    const v = fs.readFileSync(version);
    v.writeUInt32LE(2, BLOCK_MAGIC.length);
    fs.writeFileSync(version, v);
    fs.copyFileSync(blockFiles(foreignDir)[0]!, alien);

    const second = await open({ ...exact, cacheDir, memoryBudgetBytes: 0 });
    const again = await second.complete(request);
    const rejected = again.report.blocks.filter((b) => b.rejectedFile);
    expect(rejected.map((b) => b.rejectedFile).sort()).toEqual(['checksum', 'foreign-model', 'truncated', 'wrong-version']);
    expect(rejected.every((b) => b.source === 'computed')).toBe(true);
    expect(again.report.blocks.filter((b) => !b.rejectedFile).every((b) => b.source === 'disk')).toBe(true);
    expect(maxAbsDiff(logits(again), logits(good))).toBeLessThan(1e-5);
    await second.dispose();

    // The recomputed blocks were written back: a third engine finds every block on disk.
    const third = await open({ ...exact, cacheDir, memoryBudgetBytes: 0 });
    const last = await third.complete(request);
    expect(new Set(last.report.blocks.map((b) => b.source))).toEqual(new Set(['disk']));
    expect(maxAbsDiff(logits(last), logits(good))).toBeLessThan(1e-5);
  });

  it('a block file that passes its checks but whose state llama.cpp refuses or places wrongly is cleared and recomputed', async () => {
    const cacheDir = path.join(dir, 'cache-swapped');
    const request = { ...REQ, documents: [DOC_A, DOC_B] };
    const first = await open({ ...exact, cacheDir, memoryBudgetBytes: 0 });
    const good = await first.complete(request);
    await first.dispose();
    const read = (file: string) => {
      const data = fs.readFileSync(file);
      const length = data.readUInt32LE(12);
      return { header: JSON.parse(data.subarray(16, 16 + length).toString('utf8')) as BlockHeader, payload: data.subarray(16 + length) };
    };
    const files = blockFiles(cacheDir).map((f) => ({ f, ...read(f) }));
    const victim = files.find((x) => files.some((y) => y.header.tokenCount !== x.header.tokenCount))!;
    const donor = files.find((y) => y.header.tokenCount !== victim.header.tokenCount)!;
    const zeroed = files.find((x) => x !== victim && x !== donor)!;
    // Valid headers and checksums around a state of another length, and around zeros.
    fs.writeFileSync(victim.f, encodeBlockFile(victim.header, donor.payload));
    fs.writeFileSync(zeroed.f, encodeBlockFile(zeroed.header, Buffer.alloc(zeroed.payload.length)));

    const second = await open({ ...exact, cacheDir, memoryBudgetBytes: 0 });
    const again = await second.complete(request);
    const recomputed = again.report.blocks.filter((b) => b.source === 'computed');
    expect(recomputed).toHaveLength(2);
    expect(recomputed.map((b) => b.rejectedFile)).toEqual(['state-refused', 'state-refused']);
    expect(again.report.blocks.filter((b) => b.source === 'disk')).toHaveLength(files.length - 2);
    expect(maxAbsDiff(logits(again), logits(good))).toBeLessThan(1e-5);
    await second.flushDisk();
    await second.dispose();

    // The refused files were deleted and the recomputed states written in their place.
    const third = await open({ ...exact, cacheDir, memoryBudgetBytes: 0 });
    const last = await third.complete(request);
    expect(new Set(last.report.blocks.map((b) => b.source))).toEqual(new Set(['disk']));
    expect(last.report.blocks.every((b) => b.rejectedFile === undefined)).toBe(true);
    expect(maxAbsDiff(logits(last), logits(good))).toBeLessThan(1e-5);
  });

  it('never takes blocks for another model: not when a model file is rewritten in place with its size and mtime kept', async () => {
    const cacheDir = path.join(dir, 'cache-rewritten');
    const modelPath = path.join(dir, 'rewritten.gguf');
    const request = { ...REQ, documents: [DOC_A, DOC_B] };
    fs.copyFileSync(gen.path, modelPath);
    const then = new Date('2026-01-01T00:00:00Z');
    fs.utimesSync(modelPath, then, then);
    const first = await open({ ...exact, cacheDir }, modelPath);
    await first.complete(request);
    await first.flushDisk();
    await first.dispose();
    expect(blockFiles(cacheDir).length).toBeGreaterThan(0);

    // Another model of the same size, written into the same file (same inode), its mtime put back.
    const otherBytes = fs.readFileSync(other.path);
    expect(otherBytes.length).toBe(fs.statSync(modelPath).size);
    const inode = fs.statSync(modelPath).ino;
    fs.writeFileSync(modelPath, otherBytes);
    fs.utimesSync(modelPath, then, then);
    expect(fs.statSync(modelPath).ino).toBe(inode);

    const second = await open({ ...exact, cacheDir }, modelPath);
    const result = await second.complete(request);
    expect(new Set(result.report.blocks.map((b) => b.source))).toEqual(new Set(['computed']));
    const reference = await open({ ...exact }, other.path);
    expect(maxAbsDiff(logits(result), logits(await reference.complete(request)))).toBeLessThan(1e-5);
  });

  it('keeps the memory and disk tiers within their byte budgets', async () => {
    const probe = await open({ memoryBudgetBytes: 1 << 30 });
    await probe.complete({ ...REQ, documents: [DOC_A] });
    const perBlock = probe.cacheStats().memoryBytes / probe.cacheStats().memoryBlocks;
    const cacheDir = path.join(dir, 'cache-budget');
    const memoryBudgetBytes = Math.floor(perBlock * 2.5);
    const diskBudgetBytes = Math.floor(perBlock * 3.5);
    const e = await open({ cacheDir, memoryBudgetBytes, diskBudgetBytes });
    const r = await e.complete({ ...REQ, documents: [DOC_A, DOC_B, DOC_C] });
    expect(r.report.blocks.length).toBeGreaterThan(4);
    await e.dispose();
    const stats = e.cacheStats();
    expect(stats.memoryBytes).toBeLessThanOrEqual(memoryBudgetBytes);
    expect(stats.memoryBlocks).toBeGreaterThan(0);
    expect(stats.diskBytes).toBeLessThanOrEqual(diskBudgetBytes);
    const onDisk = blockFiles(cacheDir).reduce((n, f) => n + fs.statSync(f).size, 0);
    expect(onDisk).toBeLessThanOrEqual(diskBudgetBytes);
    expect(onDisk).toBeGreaterThan(0);
  });

  it('cancellation stops decoding promptly, and a later request still answers correctly', async () => {
    const e = await open({ ...exact, contextSize: 2048 });
    const request: CompletionRequest = { ...REQ, documents: [DOC_A, DOC_B], maxTokens: 1500, temperature: 1, seed: 5 };
    const controller = new AbortController();
    let abortedAt = 0;
    // Aborted mid-generation, as soon as the first text streams out (sampling alone could end early on an EOG token).
    const pending = e.complete({
      ...request,
      signal: controller.signal,
      onText: () => {
        if (abortedAt) return;
        abortedAt = performance.now();
        controller.abort();
      },
    });
    // A request aborted while it waits its turn never runs.
    const queued = new AbortController();
    const waiting = e.complete({ ...request, signal: queued.signal });
    queued.abort();
    await expect(pending).rejects.toBeInstanceOf(CompletionAbortedError);
    expect(abortedAt).toBeGreaterThan(0);
    expect(performance.now() - abortedAt).toBeLessThan(250);
    await expect(waiting).rejects.toBeInstanceOf(CompletionAbortedError);
    await expect(e.complete({ ...request, signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CompletionAbortedError);

    const after = await e.complete({ ...request, maxTokens: 8 });
    const fresh = await open(exact);
    const expected = await fresh.complete({ ...request, maxTokens: 8 });
    expect(after.tokens).toEqual(expected.tokens);
    expect(maxAbsDiff(logits(after), logits(expected))).toBeLessThan(1e-4);
  });

  it('a request aborted at any step leaves no half-built block behind', async () => {
    const request = { ...REQ, documents: [DOC_A, DOC_B] };
    const expected = logits(await (await open(exact)).complete(request));
    // No tiers: after a reset every block is encoded again, so an abort can land inside the encoding.
    const e = await open({ ...exact, memoryBudgetBytes: 0 });
    for (let checks = 1; checks <= 6; checks++) {
      await e.resetContext();
      let reads = 0;
      // Reads as aborted from its (checks + 1)-th look on: the engine looks before every decode.
      const signal = { get aborted() { return ++reads > checks; }, addEventListener() {}, removeEventListener() {} } as unknown as AbortSignal;
      await expect(e.complete({ ...request, signal })).rejects.toBeInstanceOf(CompletionAbortedError);
      const r = await e.complete(request);
      expect(maxAbsDiff(logits(r), expected)).toBeLessThan(1e-4);
    }
  });

  it('names its errors: missing, broken or too large model, bad request, context overflow, too many blocks, disposed', async () => {
    await expect(engine(path.join(dir, 'missing.gguf'))).rejects.toBeInstanceOf(ModelNotFoundError);
    const text = path.join(dir, 'notes.gguf');
    fs.writeFileSync(text, 'not a model');
    await expect(engine(text)).rejects.toBeInstanceOf(ModelLoadError);
    const cut = path.join(dir, 'cut.gguf');
    fs.writeFileSync(cut, fs.readFileSync(gen.path).subarray(0, 4096));
    await expect(engine(cut)).rejects.toBeInstanceOf(ModelLoadError);
    await expect(engine(gen.path, { memoryLimitBytes: 1 << 20 })).rejects.toBeInstanceOf(ModelTooLargeError);

    const e = await open({ contextSize: 128 });
    for (const bad of [{ mode: 'fast' }, { maxTokens: -1 }, { topP: 0 }, { temperature: Number.NaN }, { logprobs: 99 }, { boundary: 1.5 }, { tokenHealing: 'yes' }]) {
      await expect(e.complete({ ...REQ, ...(bad as Partial<CompletionRequest>) })).rejects.toBeInstanceOf(InvalidRequestError);
    }
    // llama.cpp rounds the context up to 256 cells: this prompt needs more.
    await expect(e.complete({ ...REQ, documents: [{ name: 'big.ts', text: DOC_A.text.repeat(8) }] })).rejects.toBeInstanceOf(ContextOverflowError);
    // One block per token: more blocks than the context has sequences.
    const tiny = await open({ contextSize: 64, blockTokens: 1 });
    await expect(tiny.complete({ ...REQ, documents: [{ name: 'x.ts', text: DOC_A.text + DOC_B.text }] })).rejects.toBeInstanceOf(TooManyBlocksError);
    const ok = await e.complete({ ...REQ, maxTokens: 2 });
    expect(ok.report.promptTokens).toBeGreaterThan(0);
    await e.dispose();
    await expect(e.complete(REQ)).rejects.toBeInstanceOf(EngineDisposedError);
  });

  it('a model without FIM tokens gets the plain-prefix format, said plainly in the result', async () => {
    const plain = await open({}, withoutFim(gen.path, path.join(dir, 'plain.gguf')));
    expect(plain.model.format).toBe('plain-prefix');
    expect(plain.model.fim.prefix).toBeNull();
    const r = await plain.complete({ ...REQ, documents: [DOC_A], maxTokens: 2 });
    expect(r.report.format).toBe('plain-prefix');
    expect(r.report.notes.join(' ')).toMatch(/no FIM tokens/);
    // Such a model continues plain text: its prompt is healed by default (REQ's prefix ends with '(').
    expect(r.report.healedText).toBe('(');
    expect((await plain.complete({ ...REQ, maxTokens: 2, tokenHealing: false })).report.healedText).toBeUndefined();
    expect(plain.promptTokens({ ...REQ, suffix: 'one' })).toEqual(plain.promptTokens({ ...REQ, suffix: 'two' }));
  });
});
