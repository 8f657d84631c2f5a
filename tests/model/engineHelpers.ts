// Shared by the engine's model tests: engines on generated tiny models, and the slow sparse reference.
import fs from 'node:fs';
import { createCompletionEngine, type CompletionEngine, type CompletionRequest, type CompletionResult, type EngineOptions } from '../../assistant/engine';
import type { FlashAttention, KvCacheType } from '../../native/binding';
import { pinnedCpuBackend, setupAddon } from './helpers';
import { setU32 } from '../../tools/gguf-fixtures/patch';

export const DOC_A = { name: 'src/args.ts', text: 'export function parseArgs(args: string[]): Options {\n  const options: Options = { name: "", count: 0 };\n  return options;\n}\n' };
export const DOC_B = { name: 'tools/lines.py', text: 'def read_lines(path):\n    with open(path, "r", encoding="utf-8") as f:\n        return [line for line in f]\n' };
export const DOC_C = { name: 'src/counter.ts', text: 'export class Counter {\n  private readonly counts = new Map<string, number>();\n}\n' };

export const REQ: CompletionRequest = { prefix: 'const options = parseArgs(', suffix: ');\nconsole.log(options);\n', fileName: 'src/main.ts', maxTokens: 0, returnPromptLogits: true };

/**
 * llama.cpp's CPU kernels round differently for batches of 64 tokens or more (measured: 4e-3 between one
 * 64-token batch and the same tokens split). Batches of at most 32 tokens keep every comparison on one
 * kernel path, so the remaining differences are the ones under test.
 */
export const TEST_BATCH = 32;

export function engine(modelPath: string, options: Partial<EngineOptions> = {}): Promise<CompletionEngine> {
  return createCompletionEngine({ modelPath, cpuBackend: pinnedCpuBackend(), contextSize: 1024, batchSize: TEST_BATCH, blockTokens: TEST_BATCH, ...options });
}

export function logits(r: CompletionResult): Float32Array {
  if (!r.promptLogits) throw new Error('no prompt logits');
  return r.promptLogits;
}

export function argmaxOf(a: Float32Array): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

/**
 * Sparse attention built the slow way with the raw addon: the shared prefix in its own sequence; each
 * document (all its blocks, causally) decoded alone, in place, after its own fresh copy of the prefix placed
 * right before it (so the document sees the header at the same relative distance as the engine's encoding,
 * with no shift); then the query with the prefix and every document visible.
 */
export async function slowSparseReference(modelPath: string, result: CompletionResult, kv: KvCacheType, flashAttention: FlashAttention): Promise<Float32Array> {
  const h = result.report.blocks[0]!.position;
  const addon = setupAddon();
  const model = await addon.loadModel(modelPath);
  const ids = Int32Array.from(result.promptTokenIds);
  const ctx = await model.createContext({ nCtx: 1024, nBatch: TEST_BATCH, nSeqMax: TEST_BATCH, typeK: kv, typeV: kv, flashAttention });
  const decode = async (tokens: Int32Array, start: number, seq: number): Promise<void> => {
    for (let i = 0; i < tokens.length; i += TEST_BATCH) {
      const chunk = tokens.subarray(i, i + TEST_BATCH);
      await ctx.decode({ tokens: chunk, positions: Int32Array.from(chunk, (_, j) => start + i + j), seqIds: new Int32Array(chunk.length).fill(seq) });
    }
  };
  try {
    await decode(ids.subarray(0, h), 0, 1);
    ctx.seqCp(1, 0, 0, h);
    // A document's blocks are consecutive in the report, its first one with index 0.
    const documents: { start: number; end: number }[] = [];
    for (const b of result.report.blocks) {
      if (b.index === 0) documents.push({ start: b.position, end: b.position });
      documents.at(-1)!.end = b.position + b.tokens;
    }
    let seq = 2;
    for (const d of documents) {
      await decode(ids.subarray(0, h), d.start - h, seq);
      await decode(ids.subarray(d.start, d.end), d.start, seq);
      ctx.seqCp(seq, 0, d.start, d.end);
      seq++;
    }
    const queryStart = result.report.blocks.reduce((n, b) => Math.max(n, b.position + b.tokens), h);
    await decode(ids.subarray(queryStart), queryStart, 0);
    return ctx.logits((ids.length - queryStart - 1) % TEST_BATCH).slice();
  } finally {
    ctx.dispose();
    model.dispose();
  }
}

/** Copy of a generated model whose FIM keys and token texts are renamed, so llama.cpp finds no FIM tokens. */
export function withoutFim(modelPath: string, out: string): string {
  const data = fs.readFileSync(modelPath);
  // Keys and the vocabulary sit in the header, before the tensor data: patch only there.
  const header = data.subarray(0, Math.min(data.length, 1 << 16));
  const from = Buffer.from('fim_');
  for (let i = header.indexOf(from); i >= 0; i = header.indexOf(from, i + 1)) header[i] = 'x'.charCodeAt(0);
  fs.writeFileSync(out, data);
  return out;
}

/** Copy of a model whose end-of-sequence token is `token` (the UINT32 value after the key in the GGUF header). */
export function withEos(modelPath: string, out: string, token: number): string {
  fs.writeFileSync(out, setU32(fs.readFileSync(modelPath), 'tokenizer.ggml.eos_token_id', token));
  return out;
}

/** Copy of a model where the vocabulary entry `from` reads `to` (same byte length, so the file layout holds). */
export function withTokenText(modelPath: string, out: string, from: string, to: string): string {
  const data = fs.readFileSync(modelPath);
  const entry = (text: string): Buffer => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(bytes.length));
    return Buffer.concat([length, bytes]);
  };
  const old = entry(from);
  const replacement = entry(to);
  const at = data.indexOf(old);
  if (at < 0 || replacement.length !== old.length) throw new Error(`cannot replace token text ${JSON.stringify(from)}`);
  replacement.copy(data, at);
  fs.writeFileSync(out, data);
  return out;
}
