// The proof that training sees what the engine computes: a model made in PyTorch (training/python),
// exported to GGUF, gives in llama.cpp the logits PyTorch gives (F32 tight, Q8_0 loose), and the engine's
// sparse mode gives the logits of PyTorch's block-sparse training layout for the same prompt.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompletionEngine, CompletionResult } from '../../assistant/engine';
import { writeSpmTokenizer } from '../../tools/gguf-fixtures/model';
import { buildVocab } from '../../tools/gguf-fixtures/vocab';
import { exportGguf, type ExportType, type TokenizerKeys } from '../../training/export';
import { ChunkCounter, trainBpe } from '../../training/tokenizer/trainer';
import type { AddonModel, NativeAddon } from '../../native/binding';
import { TRAINING_PYTHON_DIR, torchPython } from '../unit/training/torchPython';
import { DOC_A, DOC_B, DOC_C, engine, logits as promptLogits, REQ } from './engineHelpers';
import { addonPath, setupAddon, tempDir } from './helpers';

const { python, reason } = torchPython();
const skipWhy = !addonPath ? 'native addon not built; run npm run build:native' : !python ? reason : null;
const suite = skipWhy ? (((name: string, fn: () => void) => describe.skip(`${name} [skipped: ${skipWhy}]`, fn)) as typeof describe) : describe;

// Tiny, but wide enough that attention is far from uniform (std 0.15 weights) so a wrong mask or position shows.
const SHAPE = { nVocab: 1024, nEmbd: 64, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 128, nCtx: 1024 };
// Stand-in for the trained tokenizer: the SPM vocabulary of the random test models (same size).
const vocab = buildVocab({ size: SHAPE.nVocab, merges: 500 });
const TOKENIZER: TokenizerKeys = { size: SHAPE.nVocab, write: (w) => writeSpmTokenizer(w, vocab) };

interface Job {
  tokens: number[];
  segments?: number[];
  layout?: 'engine' | 'literal';
  positions?: number[];
}

function py(args: string[]): void {
  const r = spawnSync(python!, args, { cwd: TRAINING_PYTHON_DIR, encoding: 'utf8', timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' } });
  if (r.status !== 0) throw new Error(`${args[0]} ${args[1]} failed: ${r.stderr || r.error?.message}`);
}

/** Max |a - b| and that over max |b| (the reference's scale). */
function diff(a: ArrayLike<number>, b: ArrayLike<number>): { abs: number; rel: number } {
  expect(a.length).toBe(b.length);
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    abs = Math.max(abs, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { abs, rel: abs / scale };
}

/** Segment bytes of an engine prompt: shared prefix 0, each document its own id (its blocks are chained), the query 255. */
function segmentsOf(r: CompletionResult): number[] {
  const seg = new Array<number>(r.promptTokenIds.length).fill(255);
  const h = r.report.blocks[0]!.position;
  seg.fill(0, 0, h);
  let doc = 0;
  for (const b of r.report.blocks) {
    if (b.index === 0) doc++;
    seg.fill(doc, b.position, b.position + b.tokens);
  }
  return seg;
}

suite('trained model export: PyTorch = llama.cpp = engine', () => {
  let dir: string;
  let addon: NativeAddon;
  const gguf: Partial<Record<ExportType, string>> = {};
  const engines: CompletionEngine[] = [];
  let code: number[];
  let sparse: CompletionResult;
  let full: CompletionResult;
  let reference: { code: number[][]; sparse: number[]; literal: number[]; full: number[] };
  const measured: Record<string, { abs: number; rel: number }> = {};

  beforeAll(async () => {
    dir = tempDir();
    const weights = path.join(dir, 'run');
    py(['reference.py', 'init', '--out', weights, '--n-vocab', String(SHAPE.nVocab), '--n-embd', String(SHAPE.nEmbd), '--n-layer', String(SHAPE.nLayer),
      '--n-head', String(SHAPE.nHead), '--n-head-kv', String(SHAPE.nHeadKv), '--n-ff', String(SHAPE.nFf), '--n-ctx', String(SHAPE.nCtx), '--seed', '7']);
    for (const type of ['f32', 'q8_0'] as const) {
      gguf[type] = path.join(dir, `model-${type}.gguf`);
      exportGguf({ weightsDir: weights, out: gguf[type]!, type, tokenizer: TOKENIZER, name: 'steerway-export-test' });
    }
    addon = setupAddon();
    const model = await addon.loadModel(gguf.f32!);
    try {
      code = Array.from(model.tokenize('export function parseArgs(args: string[]): Options {\n  const options = { name: "", count: 0 };\n  return options;\n}\n'));
    } finally {
      model.dispose();
    }
    // Exact attention over an F32 cache; batches and blocks under 64 tokens (see TEST_BATCH).
    const e = await engine(gguf.f32!, { typeK: 'f32', typeV: 'f32', flashAttention: 'disabled' });
    engines.push(e);
    const request = { ...REQ, documents: [DOC_A, DOC_B, DOC_C] };
    full = await e.complete({ ...request, mode: 'full' });
    await e.resetContext();
    sparse = await e.complete({ ...request, mode: 'sparse' });
    const last = [sparse.promptTokenIds.length - 1];
    const jobs: Job[] = [
      { tokens: code },
      { tokens: sparse.promptTokenIds, segments: segmentsOf(sparse), positions: last },
      { tokens: sparse.promptTokenIds, segments: segmentsOf(sparse), layout: 'literal', positions: last },
      { tokens: full.promptTokenIds, positions: last },
    ];
    fs.writeFileSync(path.join(dir, 'jobs.json'), JSON.stringify(jobs));
    py(['reference.py', 'logits', '--weights', weights, '--jobs', path.join(dir, 'jobs.json'), '--out', path.join(dir, 'logits.json')]);
    const results = (JSON.parse(fs.readFileSync(path.join(dir, 'logits.json'), 'utf8')) as { results: number[][][] }).results;
    reference = { code: results[0]!, sparse: results[1]![0]!, literal: results[2]![0]!, full: results[3]![0]! };
  }, 240_000);

  afterAll(async () => {
    for (const e of engines) await e.dispose();
    // Numbers for the report (vitest prints console output of the file).
    console.log(`training-export parity: ${JSON.stringify(measured)}`);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function llamaLogits(file: string, tokens: number[]): Promise<Float32Array[]> {
    const model: AddonModel = await addon.loadModel(file);
    const ctx = await model.createContext({ nCtx: 256, nBatch: 64, typeK: 'f32', typeV: 'f32', flashAttention: 'disabled' });
    try {
      await ctx.decode({ tokens: Int32Array.from(tokens), positions: Int32Array.from(tokens, (_, i) => i), seqIds: new Int32Array(tokens.length), logits: new Uint8Array(tokens.length).fill(1) });
      return tokens.map((_, i) => ctx.logits(i).slice());
    } finally {
      ctx.dispose();
      model.dispose();
    }
  }

  it('the export loads with the shape, the FIM tokens and the tokenizer', async () => {
    const model = await addon.loadModel(gguf.q8_0!);
    try {
      expect(model.info).toMatchObject({ architecture: 'llama', nLayer: 2, nEmbd: 64, nHead: 4, nHeadKv: 2, nCtxTrain: 1024, nVocab: 1024 });
      expect(model.metadata()['general.file_type']).toBe(7);
      expect(model.vocab).toMatchObject({ fimPre: vocab.special.fimPre, fimSuf: vocab.special.fimSuf, fimMid: vocab.special.fimMid, fimSep: vocab.special.fimSep });
    } finally {
      model.dispose();
    }
    expect(engines[0]!.model.format).toBe('qwen2.5-coder');
    expect(code.length).toBeGreaterThan(20);
    expect(code.length).toBeLessThan(64);
  });

  it('F32: llama.cpp gives PyTorch\'s logits at every position (1e-4 relative)', async () => {
    const got = await llamaLogits(gguf.f32!, code);
    let worst = { abs: 0, rel: 0 };
    got.forEach((row, i) => {
      const d = diff(row, reference.code[i]!);
      if (d.rel > worst.rel) worst = d;
    });
    measured.f32 = worst;
    expect(worst.rel).toBeLessThan(1e-4);
  });

  it('Q8_0: close to PyTorch (quantized weights and activations), and the same next token nearly everywhere', async () => {
    const got = await llamaLogits(gguf.q8_0!, code);
    let worst = { abs: 0, rel: 0 };
    let sameArgmax = 0;
    got.forEach((row, i) => {
      const ref = reference.code[i]!;
      const d = diff(row, ref);
      if (d.rel > worst.rel) worst = d;
      if (row.indexOf(Math.max(...row)) === ref.indexOf(Math.max(...ref))) sameArgmax++;
    });
    measured.q8_0 = worst;
    // Measured: 0.046 (llama.cpp also quantizes the activations to Q8_0 for these products).
    expect(worst.rel).toBeLessThan(0.1);
    expect(worst.rel).toBeGreaterThan(1e-5); // really quantized
    expect(sameArgmax / got.length).toBeGreaterThan(0.9);
  });

  it('the engine\'s full mode gives PyTorch\'s causal logits for the whole prompt', () => {
    expect(full.promptTokenIds).toEqual(sparse.promptTokenIds);
    const d = diff(promptLogits(full), reference.full);
    measured.full = d;
    expect(d.rel).toBeLessThan(1e-4);
  });

  it('the engine\'s sparse mode gives the logits of PyTorch\'s block-sparse layout for the same prompt', () => {
    // Several blocks (documents split at 32 tokens), placed after one another: the layout training uses.
    expect(sparse.report.blocks.length).toBeGreaterThanOrEqual(4);
    expect(sparse.report.blocks.every((b) => b.source === 'computed' || b.source === 'memory')).toBe(true);
    const got = promptLogits(sparse);
    const d = diff(got, reference.sparse);
    measured.sparse = d;
    measured.sparseVsFull = diff(got, reference.full);
    measured.sparseVsLiteralPositions = diff(got, reference.literal);
    expect(d.rel).toBeLessThan(1e-4);
    // Discriminating: the dense prompt, or blocks seeing the prefix from their place in the row (the
    // README rule without the engine's encoding positions), give clearly other logits.
    expect(measured.sparseVsFull.rel).toBeGreaterThan(100 * d.rel);
    expect(measured.sparseVsLiteralPositions.rel).toBeGreaterThan(100 * d.rel);
  });

  it('the CLI exports with a trained tokenizer.json, and the engine finds its FIM tokens', async () => {
    const run = path.join(dir, 'bpe');
    const counter = new ChunkCounter();
    for (const d of [DOC_A, DOC_B, DOC_C]) counter.add(d.text);
    const { json } = trainBpe(counter.counts, { vocabSize: 320 });
    fs.mkdirSync(run, { recursive: true });
    fs.writeFileSync(path.join(run, 'tokenizer.json'), JSON.stringify(json));
    py(['reference.py', 'init', '--out', run, '--n-vocab', String(json.tokens.length), '--n-embd', '64', '--n-layer', '1', '--n-head', '4', '--n-head-kv', '2', '--n-ff', '128']);
    const tsx = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');
    const out = execFileSync(tsx, [path.join(process.cwd(), 'training/export-cli.ts'), '--weights', run, '--name', 'steerway-bpe-test'], { encoding: 'utf8' });
    expect(out).toMatch(/model\.gguf: q8_0, [\d,]+ parameters/);
    const e = await engine(path.join(run, 'model.gguf'));
    engines.push(e);
    expect(e.model.format).toBe('qwen2.5-coder');
    expect(e.model.fim).toEqual({ prefix: json.special.fimPre, suffix: json.special.fimSuf, middle: json.special.fimMid, repoName: json.special.fimRep, fileSeparator: json.special.fimSep });
    const r = await e.complete({ ...REQ, documents: [DOC_A], maxTokens: 2 });
    expect(r.report.blocks.length).toBeGreaterThan(0);
  }, 60_000);

  it('node-llama-cpp loads the export, finds the FIM tokens and agrees with PyTorch (F16 KV cache)', () => {
    const fixture = path.join(import.meta.dirname, 'fixtures', 'nlc-logits.mjs');
    const out = JSON.parse(execFileSync(process.execPath, [fixture, gguf.f32!, code.join(','), String(code.length - 1)], { encoding: 'utf8' })) as {
      logits: Record<string, number[]>;
      infill: { prefix: unknown; middle: unknown; suffix: unknown };
    };
    const d = diff(out.logits[String(code.length - 1)]!, reference.code.at(-1)!);
    measured.nodeLlamaCpp = d;
    // Its context keeps the default F16 KV cache: measured 3.5e-4.
    expect(d.rel).toBeLessThan(2e-3);
    expect(out.infill.prefix).not.toBeNull();
    expect(out.infill.middle).not.toBeNull();
    expect(out.infill.suffix).not.toBeNull();
  }, 60_000);
});
