// A tiny random llama GGUF in which one attention head of layer 0 attends to the previous token by construction
// (issue 13 item 6): the head probe must rank that head first for the previous-token pattern.
//
// How: every token embedding has 1 in dimension 0 and unit RMS, so after layer 0's RMS norm dimension 0 is the same
// constant for every token. The chosen head's query and key read only that dimension: q and k are the same vectors at
// every position. In the head's first PAIRS rotary pairs q = (A, 0) and k = q rotated by that pair's own angle theta,
// so after RoPE (llama: NORM mode, pairs of adjacent dimensions, theta_p = base^(-2p/d)) the score of query i on key
// j is A^2 * sum_p cos((i - j - 1) * theta_p): the largest at i - j = 1 only (by 12% of the peak over 1024 distances
// for PAIRS = 5), and A makes that gap about 30 logits after the 1/sqrt(d) scale, so the softmax is one-hot.
// Every other head and layer is random as in model.ts.
import { GgmlType } from '../../assistant/gguf/format';
import { PRESETS, checkLlamaShape, llamaTensors, writeLlamaHParams, writeSpmTokenizer, type GeneratedModel, type ModelShape } from './model';
import { Rng, randomF32 } from './random';
import { buildVocab } from './vocab';
import { GgufWriter, type TensorProducer } from './writer';

/** Rotary pairs the constructed head uses (the fastest ones: they separate distance 1 from 0 and 2). */
const PAIRS = 5;
/** Amplitude of q and k in each used pair: score gap 0.12 * PAIRS * A^2 / sqrt(32) ≈ 30 logits. */
const AMPLITUDE = 17;

export interface PreviousTokenModelOptions {
  seed?: number;
  /** The query head of layer 0 built to attend to the previous token (default 2). */
  head?: number;
}

export interface PreviousTokenModel extends GeneratedModel {
  layer: 0;
  head: number;
}

function f32Tensor(values: Float32Array): TensorProducer {
  return (write) => write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

function uniform(count: number, scale: number, rng: Rng): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = scale * rng.signed();
  return out;
}

/** Writes the model to `path` (the tiny preset's shape, F32 weights). Same options, same bytes. */
export function generatePreviousTokenModel(path: string, options: PreviousTokenModelOptions = {}): PreviousTokenModel {
  const shape: ModelShape = { ...PRESETS.tiny };
  checkLlamaShape(shape, 'f32');
  const seed = options.seed ?? 1;
  const head = options.head ?? 2;
  if (!Number.isInteger(head) || head < 0 || head >= shape.nHead) throw new RangeError(`head must be in [0, ${shape.nHead}), got ${head}`);
  const d = shape.nEmbd / shape.nHead;
  const kvHead = Math.floor(head / (shape.nHead / shape.nHeadKv)); // llama.cpp's GQA: query head h reads KV head h / (nHead / nHeadKv)
  const vocab = buildVocab({ size: shape.nVocab, merges: shape.merges });

  const w = new GgufWriter();
  writeLlamaHParams(w, shape, { name: `steerway-previous-token-head-L0H${head}-seed${seed}`, weightType: 'f32' });
  writeSpmTokenizer(w, vocab);

  let stream = 0;
  for (const t of llamaTensors(shape, true)) {
    const rng = new Rng(seed, ++stream);
    const [nIn, nOut] = [t.dims[0]!, t.dims[1] ?? 1];
    if (t.norm) {
      w.tensor(t.name, t.dims, GgmlType.F32, randomF32(shape.nEmbd, 0.1, rng, 1));
      continue;
    }
    const values = uniform(nIn * nOut, Math.sqrt(3 / nIn), rng);
    if (t.name === 'token_embd.weight') {
      for (let token = 0; token < nOut; token++) {
        const row = values.subarray(token * nIn, (token + 1) * nIn);
        let rest = 0;
        for (let c = 1; c < nIn; c++) rest += row[c]! ** 2;
        const scale = Math.sqrt((nIn - 1) / rest); // sum of squares nIn with row[0] = 1: unit RMS
        row[0] = 1;
        for (let c = 1; c < nIn; c++) row[c]! *= scale;
      }
    } else if (t.name === 'blk.0.attn_q.weight' || t.name === 'blk.0.attn_k.weight') {
      const isQuery = t.name === 'blk.0.attn_q.weight';
      const first = (isQuery ? head : kvHead) * d;
      values.fill(0, first * nIn, (first + d) * nIn);
      for (let p = 0; p < PAIRS; p++) {
        const theta = shape.ropeFreqBase ** ((-2 * p) / d);
        values[(first + 2 * p) * nIn] = isQuery ? AMPLITUDE : AMPLITUDE * Math.cos(theta);
        values[(first + 2 * p + 1) * nIn] = isQuery ? 0 : AMPLITUDE * Math.sin(theta);
      }
    }
    w.tensor(t.name, t.dims, GgmlType.F32, f32Tensor(values));
  }
  const bytes = w.write(path);
  return { path, bytes, shape, tokens: { ...vocab.special, bos: vocab.bos, eos: vocab.eos, unk: vocab.unk }, layer: 0, head };
}
