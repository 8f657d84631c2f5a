// Random-weight llama-architecture GGUF models with a working SPM tokenizer, for tests and benchmarks.
import { Rng, randomF16, randomF32, randomQ8_0 } from './random';
import { SPECIAL_TOKENS, buildVocab, type SpecialName, type Vocab } from './vocab';
import { GgmlType, GgufValueType } from '../../assistant/gguf/format';
import { GGUF_ALIGNMENT, GgufWriter, type TensorProducer } from './writer';

export type WeightType = 'f32' | 'f16' | 'q8_0';

/** Hyperparameters of a llama-architecture model, as the GGUF keys `llama.*` hold them. */
export interface LlamaHParams {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  nVocab: number;
  nCtxTrain: number;
  ropeFreqBase: number;
  rmsEps: number;
}

export interface ModelShape extends LlamaHParams {
  /** Type of the 2-D weight matrices (norms are always F32). */
  weightType: WeightType;
  /** Most corpus merges in the vocabulary. */
  merges: number;
  /** Fixed control-token ids (Qwen2.5's for the Qwen-shaped preset). */
  specialIds?: Partial<Record<SpecialName, number>>;
}

export const PRESETS = {
  /** For tests: loads and decodes in milliseconds. */
  tiny: {
    nLayer: 2, nEmbd: 128, nHead: 4, nHeadKv: 2, nFf: 256, nVocab: 1024, nCtxTrain: 4096,
    ropeFreqBase: 10000, rmsEps: 1e-5, weightType: 'f32', merges: 500,
  },
  /** Qwen2.5-Coder-0.5B's layers, widths, heads and vocabulary, as llama with tied embeddings (~0.5 GB). */
  'qwen2.5-coder-0.5b-shape': {
    nLayer: 24, nEmbd: 896, nHead: 14, nHeadKv: 2, nFf: 4864, nVocab: 151936, nCtxTrain: 32768,
    ropeFreqBase: 1000000, rmsEps: 1e-6, weightType: 'q8_0', merges: 2000,
    specialIds: {
      eot: 151643, imStart: 151644, imEnd: 151645, fimPre: 151659, fimMid: 151660, fimSuf: 151661,
      fimPad: 151662, fimRep: 151663, fimSep: 151664,
    },
  },
} as const satisfies Record<string, ModelShape>;

export type PresetName = keyof typeof PRESETS;

export interface GenerateOptions {
  preset?: PresetName;
  /** Overrides on top of the preset. */
  shape?: Partial<ModelShape>;
  seed?: number;
  name?: string;
}

export interface GeneratedModel {
  path: string;
  bytes: number;
  shape: ModelShape;
  /** Token ids of the control tokens, bos/eos/unk. */
  tokens: Record<SpecialName | 'bos' | 'eos' | 'unk', number>;
}

export class ModelShapeError extends Error {
  override readonly name = 'ModelShapeError';
}

const CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** llama_ftype of a file whose matrices are all of one type. */
export const FTYPE: Record<WeightType, number> = { f32: 0, f16: 1, q8_0: 7 };
const GGML: Record<WeightType, GgmlType> = { f32: GgmlType.F32, f16: GgmlType.F16, q8_0: GgmlType.Q8_0 };

function matrix(type: WeightType, count: number, nIn: number, rng: Rng): TensorProducer {
  // Uniform with variance 1/nIn keeps activations at unit scale through the random layers.
  const scale = Math.sqrt(3 / nIn);
  if (type === 'q8_0') return randomQ8_0(count, scale, rng);
  if (type === 'f16') return randomF16(count, scale, rng);
  return randomF32(count, scale, rng);
}

/** Throws ModelShapeError for a shape llama.cpp cannot load (or cannot hold in `weightType`). */
export function checkLlamaShape(s: LlamaHParams, weightType: WeightType): void {
  if (s.nEmbd % s.nHead !== 0) throw new ModelShapeError(`nEmbd ${s.nEmbd} is not a multiple of nHead ${s.nHead}`);
  if (s.nHead % s.nHeadKv !== 0) throw new ModelShapeError(`nHead ${s.nHead} is not a multiple of nHeadKv ${s.nHeadKv}`);
  if (weightType === 'q8_0' && (s.nEmbd % 32 !== 0 || s.nFf % 32 !== 0)) throw new ModelShapeError('q8_0 needs nEmbd and nFf divisible by 32');
}

/** The general.* and llama.* keys of a llama-architecture file. */
export function writeLlamaHParams(w: GgufWriter, s: LlamaHParams, meta: { name: string; weightType: WeightType }): GgufWriter {
  const arch = 'llama';
  return w
    .string('general.architecture', arch)
    .string('general.name', meta.name)
    .u32('general.file_type', FTYPE[meta.weightType])
    .u32('general.alignment', GGUF_ALIGNMENT)
    .u32(`${arch}.context_length`, s.nCtxTrain)
    .u32(`${arch}.embedding_length`, s.nEmbd)
    .u32(`${arch}.block_count`, s.nLayer)
    .u32(`${arch}.feed_forward_length`, s.nFf)
    .u32(`${arch}.attention.head_count`, s.nHead)
    .u32(`${arch}.attention.head_count_kv`, s.nHeadKv)
    .f32(`${arch}.attention.layer_norm_rms_epsilon`, s.rmsEps)
    .f32(`${arch}.rope.freq_base`, s.ropeFreqBase)
    .u32(`${arch}.rope.dimension_count`, s.nEmbd / s.nHead)
    .u32(`${arch}.vocab_size`, s.nVocab);
}

/** The SPM ("llama") tokenizer keys of a vocabulary from buildVocab. */
export function writeSpmTokenizer(w: GgufWriter, vocab: Vocab): GgufWriter {
  w
    .string('tokenizer.ggml.model', 'llama')
    .array('tokenizer.ggml.tokens', GgufValueType.String, vocab.tokens)
    .array('tokenizer.ggml.scores', GgufValueType.Float32, vocab.scores)
    .array('tokenizer.ggml.token_type', GgufValueType.Int32, vocab.types)
    .u32('tokenizer.ggml.unknown_token_id', vocab.unk)
    .u32('tokenizer.ggml.bos_token_id', vocab.bos)
    .u32('tokenizer.ggml.eos_token_id', vocab.eos)
    .u32('tokenizer.ggml.eot_token_id', vocab.special.eot)
    .bool('tokenizer.ggml.add_space_prefix', false);
  return writeFimTokenIds(w, vocab.special);
}

/**
 * The FIM token ids llama.cpp reads (and the engine's format detection after it), and no BOS/EOS added:
 * code completion wants the text back exactly.
 */
export function writeFimTokenIds(w: GgufWriter, ids: Record<'fimPre' | 'fimSuf' | 'fimMid' | 'fimPad' | 'fimRep' | 'fimSep', number>): GgufWriter {
  return w
    .u32('tokenizer.ggml.fim_pre_token_id', ids.fimPre)
    .u32('tokenizer.ggml.fim_suf_token_id', ids.fimSuf)
    .u32('tokenizer.ggml.fim_mid_token_id', ids.fimMid)
    .u32('tokenizer.ggml.fim_pad_token_id', ids.fimPad)
    .u32('tokenizer.ggml.fim_rep_token_id', ids.fimRep)
    .u32('tokenizer.ggml.fim_sep_token_id', ids.fimSep)
    .bool('tokenizer.ggml.add_bos_token', false)
    .bool('tokenizer.ggml.add_eos_token', false);
}

export interface LlamaTensor {
  name: string;
  /** ggml order: dims[0] is the row length (the reverse of PyTorch's [out, in]). */
  dims: number[];
  /** A norm weight: always F32. */
  norm: boolean;
}

/** Every tensor of a llama-architecture file, in file order. Without output.weight llama.cpp ties the output to token_embd. */
export function llamaTensors(s: LlamaHParams, tiedEmbeddings: boolean): LlamaTensor[] {
  const nEmbdKv = (s.nEmbd / s.nHead) * s.nHeadKv;
  const norm = (name: string): LlamaTensor => ({ name, dims: [s.nEmbd], norm: true });
  const mat = (name: string, nIn: number, nOut: number): LlamaTensor => ({ name, dims: [nIn, nOut], norm: false });
  const out = [mat('token_embd.weight', s.nEmbd, s.nVocab), norm('output_norm.weight')];
  if (!tiedEmbeddings) out.push(mat('output.weight', s.nEmbd, s.nVocab));
  for (let l = 0; l < s.nLayer; l++) {
    out.push(
      norm(`blk.${l}.attn_norm.weight`),
      mat(`blk.${l}.attn_q.weight`, s.nEmbd, s.nEmbd),
      mat(`blk.${l}.attn_k.weight`, s.nEmbd, nEmbdKv),
      mat(`blk.${l}.attn_v.weight`, s.nEmbd, nEmbdKv),
      mat(`blk.${l}.attn_output.weight`, s.nEmbd, s.nEmbd),
      norm(`blk.${l}.ffn_norm.weight`),
      mat(`blk.${l}.ffn_gate.weight`, s.nEmbd, s.nFf),
      mat(`blk.${l}.ffn_up.weight`, s.nEmbd, s.nFf),
      mat(`blk.${l}.ffn_down.weight`, s.nFf, s.nEmbd),
    );
  }
  return out;
}

/** Writes a model to `path`. Same options and seed, same bytes. */
export function generateModel(path: string, options: GenerateOptions = {}): GeneratedModel {
  const preset = options.preset ?? 'tiny';
  const shape: ModelShape = { ...PRESETS[preset], ...options.shape };
  checkLlamaShape(shape, shape.weightType);
  const seed = options.seed ?? 1;
  const vocab = buildVocab({ size: shape.nVocab, merges: shape.merges, specialIds: shape.specialIds });

  const w = new GgufWriter();
  writeLlamaHParams(w, shape, { name: options.name ?? `steerway-random-${preset}-seed${seed}`, weightType: shape.weightType });
  writeSpmTokenizer(w, vocab).string('tokenizer.chat_template', CHAT_TEMPLATE);

  // One generator stream per tensor, so tensors do not depend on each other's sizes.
  let stream = 0;
  // No output.weight: llama.cpp ties it to token_embd, as Qwen2.5-0.5B does.
  for (const t of llamaTensors(shape, true)) {
    const rng = new Rng(seed, ++stream);
    if (t.norm) w.tensor(t.name, t.dims, GgmlType.F32, randomF32(shape.nEmbd, 0.1, rng, 1));
    else w.tensor(t.name, t.dims, GGML[shape.weightType], matrix(shape.weightType, t.dims[0]! * t.dims[1]!, t.dims[0]!, rng));
  }
  const bytes = w.write(path);
  return {
    path,
    bytes,
    shape,
    tokens: { ...vocab.special, bos: vocab.bos, eos: vocab.eos, unk: vocab.unk },
  };
}

/** Text of each control token, for prompts built by hand. */
export { SPECIAL_TOKENS };
