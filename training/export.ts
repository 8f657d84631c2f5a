// Trained weights (weights.bin + weights.json, see README "Weights") to a llama-architecture GGUF, F32 or Q8_0.
// The llama keys and the tensor list are the ones the random test models use (../gguf/model.ts); the
// tokenizer keys come from the caller (the trained tokenizer, or a stand-in in tests).
import fs from 'node:fs';
import path from 'node:path';
import { GgmlType } from '../assistant/gguf/format';
import { checkLlamaShape, llamaTensors, ModelShapeError, writeLlamaHParams, type LlamaHParams } from '../tools/gguf-fixtures/model';
import { GgufWriter, type TensorProducer } from '../tools/gguf-fixtures/writer';
import { fromF16, quantizeQ8_0, Q8_0_BLOCK_BYTES, QK8_0, QuantizeError } from './q8_0';

export type ExportType = 'f32' | 'q8_0';

export interface TrainedConfig extends LlamaHParams {
  tiedEmbeddings: boolean;
}

interface WeightsJson {
  config: TrainedConfig;
  /** Element type of weights.bin (default f32; f16 halves what a run has to carry home). */
  dtype?: 'f32' | 'f16';
  tensors: { name: string; shape: number[]; offset: number }[];
}

export class ExportError extends Error {
  override readonly name = 'ExportError';
}

export interface TrainedWeights {
  config: TrainedConfig;
  dtype: 'f32' | 'f16';
  /** Names in weights.json order. */
  names: string[];
  /** PyTorch shape ([out, in]) of a tensor. */
  shape(name: string): number[];
  /** A tensor's values, row-major. */
  values(name: string): Float32Array;
}

const CONFIG_NUMBERS = ['nVocab', 'nEmbd', 'nLayer', 'nHead', 'nHeadKv', 'nFf', 'nCtxTrain', 'ropeFreqBase', 'rmsEps'] as const;

let f16Table: Float32Array | null = null;
function halfToFloat(bits: Uint16Array): Float32Array {
  f16Table ??= Float32Array.from({ length: 65536 }, (_, h) => fromF16(h));
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = f16Table[bits[i]!]!;
  return out;
}

/** Reads and checks weights.json and weights.bin in `dir`: every tensor the config implies, with its shape, inside the file. */
export function readWeights(dir: string): TrainedWeights {
  const jsonPath = path.join(dir, 'weights.json');
  const binPath = path.join(dir, 'weights.bin');
  let meta: WeightsJson;
  try {
    meta = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as WeightsJson;
  } catch (err) {
    throw new ExportError(`cannot read ${jsonPath}: ${(err as Error).message}`);
  }
  const c = meta.config;
  if (!c || typeof c !== 'object') throw new ExportError(`${jsonPath}: no config`);
  for (const key of CONFIG_NUMBERS) {
    if (typeof c[key] !== 'number' || !(c[key] > 0)) throw new ExportError(`${jsonPath}: config.${key} must be a positive number, got ${String(c[key])}`);
  }
  if (typeof c.tiedEmbeddings !== 'boolean') throw new ExportError(`${jsonPath}: config.tiedEmbeddings must be true or false`);
  const dtype = meta.dtype ?? 'f32';
  if (dtype !== 'f32' && dtype !== 'f16') throw new ExportError(`${jsonPath}: dtype must be f32 or f16, got ${String(dtype)}`);
  try {
    checkLlamaShape(c, 'f32');
  } catch (err) {
    if (err instanceof ModelShapeError) throw new ExportError(`${jsonPath}: ${err.message}`);
    throw err;
  }
  let data: Buffer;
  try {
    data = fs.readFileSync(binPath);
  } catch (err) {
    throw new ExportError(`cannot read ${binPath}: ${(err as Error).message}`);
  }
  const bytesPer = dtype === 'f32' ? 4 : 2;
  const entries = new Map(meta.tensors.map((t) => [t.name, t]));
  const expected = llamaTensors(c, c.tiedEmbeddings);
  const missing = expected.filter((t) => !entries.has(t.name)).map((t) => t.name);
  const extra = meta.tensors.filter((t) => !expected.some((e) => e.name === t.name)).map((t) => t.name);
  if (missing.length || extra.length) {
    throw new ExportError(`${jsonPath}: tensors do not match the config (missing: ${missing.slice(0, 4).join(', ') || 'none'}; unexpected: ${extra.slice(0, 4).join(', ') || 'none'})`);
  }
  for (const t of expected) {
    const e = entries.get(t.name)!;
    const want = [...t.dims].reverse();
    if (e.shape.length !== want.length || e.shape.some((d, i) => d !== want[i])) {
      throw new ExportError(`${jsonPath}: ${t.name} has shape [${e.shape.join(', ')}], the config says [${want.join(', ')}]`);
    }
    const size = want.reduce((a, b) => a * b, 1) * bytesPer;
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset + size > data.length) {
      throw new ExportError(`${binPath}: ${t.name} (offset ${e.offset}, ${size} bytes) runs past the end of the file (${data.length} bytes)`);
    }
  }
  return {
    config: c,
    dtype,
    names: meta.tensors.map((t) => t.name),
    shape: (name) => entries.get(name)!.shape,
    values: (name) => {
      const e = entries.get(name);
      if (!e) throw new ExportError(`no tensor ${name}`);
      const n = e.shape.reduce((a, b) => a * b, 1);
      // Copy: the offset may not be aligned for a typed-array view.
      const bytes = new Uint8Array(data.subarray(e.offset, e.offset + n * bytesPer));
      return dtype === 'f32' ? new Float32Array(bytes.buffer, 0, n) : halfToFloat(new Uint16Array(bytes.buffer, 0, n));
    },
  };
}

export interface TokenizerKeys {
  /** Tokens in the vocabulary: must equal the model's nVocab. */
  size: number;
  /** Adds the tokenizer.ggml.* keys. */
  write(w: GgufWriter): void;
}

export interface ExportOptions {
  weightsDir: string;
  out: string;
  type: ExportType;
  tokenizer: TokenizerKeys;
  /** general.name (default steerway-code). */
  name?: string;
}

export interface ExportResult {
  path: string;
  bytes: number;
  type: ExportType;
  parameters: number;
  config: TrainedConfig;
}

const ROWS_PER_CHUNK = 4096;

function q8Producer(values: Float32Array, rowLength: number): TensorProducer {
  return (write) => {
    const rows = values.length / rowLength;
    for (let r = 0; r < rows; r += ROWS_PER_CHUNK) {
      const chunk = values.subarray(r * rowLength, Math.min(rows, r + ROWS_PER_CHUNK) * rowLength);
      const out = new Uint8Array((chunk.length / QK8_0) * Q8_0_BLOCK_BYTES);
      quantizeQ8_0(chunk, out);
      write(out);
    }
  };
}

/** Writes the GGUF; norms stay F32, every matrix (token_embd included) is `type`. */
export function exportGguf(o: ExportOptions): ExportResult {
  const weights = readWeights(o.weightsDir);
  const c = weights.config;
  if (o.tokenizer.size !== c.nVocab) throw new ExportError(`the tokenizer has ${o.tokenizer.size} tokens, the weights ${c.nVocab}`);
  if (o.type === 'q8_0') {
    try {
      checkLlamaShape(c, 'q8_0');
    } catch (err) {
      throw new ExportError(`cannot write Q8_0: ${(err as Error).message}; export as f32`);
    }
  }
  const w = new GgufWriter();
  writeLlamaHParams(w, c, { name: o.name ?? 'steerway-code', weightType: o.type });
  o.tokenizer.write(w);
  let parameters = 0;
  for (const t of llamaTensors(c, c.tiedEmbeddings)) {
    const count = t.dims.reduce((a, b) => a * b, 1);
    parameters += count;
    // Values are read when the writer reaches the tensor, so only one tensor is in memory at a time.
    if (t.norm || o.type === 'f32') {
      w.tensor(t.name, t.dims, GgmlType.F32, (write) => {
        const v = weights.values(t.name);
        const bad = v.findIndex((x) => !Number.isFinite(x));
        if (bad >= 0) throw new ExportError(`${t.name}[${bad}] is ${v[bad]}: not a finite weight`);
        write(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      });
    } else {
      w.tensor(t.name, t.dims, GgmlType.Q8_0, (write) => {
        try {
          q8Producer(weights.values(t.name), t.dims[0]!)(write);
        } catch (err) {
          if (err instanceof QuantizeError) throw new ExportError(`${t.name}: ${err.message}`);
          throw err;
        }
      });
    }
  }
  fs.mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
  // Written beside the target and renamed, so a failed export never leaves a half file under the real name.
  const tmp = `${o.out}.tmp-${process.pid}`;
  try {
    const bytes = w.write(tmp);
    fs.renameSync(tmp, o.out);
    return { path: o.out, bytes, type: o.type, parameters, config: c };
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
