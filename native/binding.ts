// TypeScript mirror of the native llama.cpp addon (native/src/*.cpp) and its loader.
// This file is the contract the engine builds on: keep changes additive.
// It may import only Node built-ins (layering: assistant -> native).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** File name of the compiled addon inside `native/build/Release/`. */
export const ADDON_FILE_NAME = 'steerway_llama.node';

/** Which prebuilt node-llama-cpp binary folder to load: CPU only, or a GPU build. */
export type GpuType = false | 'cuda' | 'vulkan';

/** `code` of every error thrown (or rejected) by the native addon. */
export type NativeErrorCode =
  | 'ERR_INVALID_ARG' // wrong type, out of range, seq id >= nSeqMax, token id >= nVocab, batch > nBatch...
  | 'ERR_DISPOSED' // the model or context was disposed
  | 'ERR_BUSY' // a decode is running on this context
  | 'ERR_NOT_INITIALIZED' // the backend libraries are not loaded yet
  | 'ERR_ALREADY_INITIALIZED' // another bins folder or pinned CPU backend is already loaded in this process
  | 'ERR_LIBRARY_LOAD' // dlopen/dlsym of libllama/libggml failed
  | 'ERR_NO_BACKEND' // no ggml backend could be loaded from the bins folder
  | 'ERR_MODEL_LOAD' // missing, unreadable or invalid GGUF file
  | 'ERR_CONTEXT_CREATE' // llama_init_from_model failed (bad params, out of memory)
  | 'ERR_DECODE_NO_KV_SLOT' // llama_decode returned 1: no room in the KV cache for the batch
  | 'ERR_ABORTED' // llama_decode returned 2: abort() was called; processed ubatches stay in memory
  | 'ERR_DECODE_INVALID_BATCH' // llama_decode returned -1 (e.g. positions that do not continue a sequence)
  | 'ERR_DECODE_FAILED' // llama_decode returned < -1 (fatal; processed ubatches stay in memory)
  | 'ERR_NO_LOGITS' // logits requested for a batch index that did not ask for them
  | 'ERR_STATE' // llama_state_seq_get_data/set_data failed (e.g. corrupted or foreign state buffer)
  | 'ERR_TOKENIZE' // tokenization or detokenization failed
  | 'ERR_QUANTIZE' // llama_model_quantize failed (missing, foreign or unquantizable input, unwritable output)
  | 'ERR_INTERNAL'; // a C++ exception from llama.cpp that fits no other code

/** Error raised by the native addon; `code` says what went wrong. */
export class LlamaNativeError extends Error {
  override readonly name = 'LlamaNativeError';
  constructor(
    message: string,
    readonly code: NativeErrorCode,
  ) {
    super(message);
  }
}

/** The compiled `.node` file is missing (no C++ toolchain at install time, or `npm run build:native` not run). */
export class AddonNotBuiltError extends Error {
  override readonly name = 'AddonNotBuiltError';
  readonly code = 'ADDON_NOT_BUILT';
  constructor(readonly searched: readonly string[]) {
    super(`The native llama addon is not built (looked for ${ADDON_FILE_NAME} in: ${searched.join(', ')}). Run \`npm run build:native\` (needs cmake and a C++ compiler).`);
  }
}

/** The prebuilt libllama/ggml binaries of node-llama-cpp for the requested GPU type are not installed. */
export class BinsNotFoundError extends Error {
  override readonly name = 'BinsNotFoundError';
  readonly code = 'BINS_NOT_FOUND';
  constructor(
    readonly gpu: GpuType,
    readonly searched: readonly string[],
  ) {
    super(`No prebuilt llama.cpp binaries for gpu=${String(gpu)} (looked in: ${searched.join(', ')}).`);
  }
}

export type LogLevel = 'none' | 'error' | 'warn' | 'info' | 'debug';

export type BackendDeviceType = 'cpu' | 'gpu' | 'igpu' | 'accel' | 'meta' | 'unknown';

export interface BackendDevice {
  readonly name: string;
  readonly description: string;
  readonly type: BackendDeviceType;
}

/** What `init` loaded. The process keeps one set of libraries for its whole life. */
export interface BackendInfo {
  readonly binsFolder: string;
  readonly gpu: GpuType;
  /** The CPU backend library pinned by the caller, or null when ggml picked the best one by score. */
  readonly pinnedCpuBackend: string | null;
  /** Backend libraries as ggml reported loading them, e.g. `{ name: 'CPU', path: '.../libggml-cpu-zen4.so' }`. */
  readonly loadedBackends: readonly { readonly name: string; readonly path: string }[];
  readonly devices: readonly BackendDevice[];
  /** `llama_print_system_info()`: the CPU features the loaded backend uses. */
  readonly systemInfo: string;
}

export interface ModelLoadOptions {
  /** Layers to offload to the GPU: 0 (default) keeps everything on the CPU, -1 offloads all. */
  gpuLayers?: number;
  /** Memory-map the file (default true). */
  useMmap?: boolean;
  /** Validate tensor data while loading (slow; default false). */
  checkTensors?: boolean;
  /** Load only the vocabulary (tokenize/detokenize work; createContext throws). */
  vocabOnly?: boolean;
}

/** GGUF value types, as the file stores them. */
export type GgufType =
  | 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32'
  | 'bool' | 'string' | 'array' | 'uint64' | 'int64' | 'float64';

/** 8- to 32-bit ints and floats are numbers; 64-bit integers are bigints. */
export type GgufScalar = string | number | bigint | boolean;

/** Arrays are summarized in `metadata()`; read their elements with `metadataArray(key)`. */
export interface GgufArrayInfo {
  readonly arrayType: GgufType;
  readonly length: number;
}

export type GgufMetadataValue = GgufScalar | GgufArrayInfo;

export interface ModelInfo {
  /** `general.architecture`, e.g. 'llama', 'qwen2'. */
  readonly architecture: string;
  /** `llama_model_desc`, e.g. 'llama 0.5B Q8_0'. */
  readonly description: string;
  /** Total bytes of all tensors. */
  readonly size: number;
  readonly nParams: number;
  readonly nLayer: number;
  readonly nEmbd: number;
  readonly nHead: number;
  readonly nHeadKv: number;
  readonly nCtxTrain: number;
  readonly nVocab: number;
  readonly vocabType: 'none' | 'spm' | 'bpe' | 'wpm' | 'ugm' | 'rwkv' | 'plamo2' | 'unknown';
  readonly hasEncoder: boolean;
  readonly isRecurrent: boolean;
  /** Default chat template (`tokenizer.chat_template`), or null. */
  readonly chatTemplate: string | null;
}

/** Special token ids; -1 where the model has none. */
export interface VocabInfo {
  readonly nVocab: number;
  readonly bos: number;
  readonly eos: number;
  readonly eot: number;
  readonly sep: number;
  readonly nl: number;
  readonly pad: number;
  readonly fimPre: number;
  readonly fimSuf: number;
  readonly fimMid: number;
  readonly fimPad: number;
  readonly fimRep: number;
  /** File separator for repo-level FIM (Qwen2.5-Coder's `<|file_sep|>`). */
  readonly fimSep: number;
  readonly addBos: boolean;
  readonly addEos: boolean;
}

export interface TokenizeOptions {
  /** Add BOS/EOS as the model asks (default true). */
  addSpecial?: boolean;
  /** Turn control-token text such as `<|fim_prefix|>` into its token (default false: it is plain text). */
  parseSpecial?: boolean;
}

export interface DetokenizeOptions {
  /** Drop leading BOS / trailing EOS added by the model (default false). */
  removeSpecial?: boolean;
  /** Render control tokens as their text (default false: they render as nothing). */
  unparseSpecial?: boolean;
}

/** Bits of `llama_token_attr`. */
export const TokenAttr = {
  unknown: 1 << 0,
  unused: 1 << 1,
  normal: 1 << 2,
  control: 1 << 3,
  userDefined: 1 << 4,
  byte: 1 << 5,
  normalized: 1 << 6,
  lstrip: 1 << 7,
  rstrip: 1 << 8,
  singleWord: 1 << 9,
} as const;

export type KvCacheType = 'f16' | 'f32';
export type FlashAttention = 'auto' | 'enabled' | 'disabled';

export interface ContextOptions {
  /** KV cache cells shared by all sequences (kv_unified). Default 4096, capped by nothing but memory. */
  nCtx?: number;
  /** Most tokens one `decode` call may carry (default 512, at most nCtx). */
  nBatch?: number;
  /** Tokens per physical compute step; abort() takes effect between ubatches (default min(nBatch, 512)). */
  nUbatch?: number;
  /** Sequence ids allowed are 0 .. nSeqMax-1 (default 1, at most 256 and at most nBatch). */
  nSeqMax?: number;
  /** K cache type (default 'f16'). */
  typeK?: KvCacheType;
  /** V cache type (default 'f16'). */
  typeV?: KvCacheType;
  /** Default 'auto' (resolves to enabled on CPU). */
  flashAttention?: FlashAttention;
  /** Threads for single-token decodes (default: half the logical cores, at least 1). */
  threads?: number;
  /** Threads for multi-token batches (default: `threads`). */
  threadsBatch?: number;
  /**
   * Enables observeAttention/setAttentionBias/setAttentionInjection (llama.cpp's cb_eval on the `kq_soft_max-<layer>` nodes).
   * Needs the non-flash attention path: flashAttention defaults to 'disabled' and anything else is refused.
   */
  attentionHook?: boolean;
}

/**
 * Attention probabilities of one layer during the last decode. Columns are KV cell indices (not
 * positions: keep your own cell bookkeeping), zero-padded to `nKv`; masked cells are 0.
 */
export interface AttentionObservation {
  readonly layer: number;
  readonly nKv: number;
  /** Tokens of the batch, in batch order. */
  readonly nTokens: number;
  /** Query heads. */
  readonly nHead: number;
  /** Probability of (token t, head h, cell c) at `((t * nHead) + h) * nKv + c`. */
  readonly data: Float32Array;
}

/** Multiplies the attention probability of some KV cells by `scale`, then renormalizes each row. */
export interface AttentionBias {
  /** KV cell indices in [0, nCtx). */
  cells: Int32Array;
  /** >= 0; 0 hides the cells, > 1 boosts them. */
  scale: number;
  /** Layers to apply it to (default all). */
  layers?: readonly number[] | Int32Array;
  /** Query heads to apply it to (default all). */
  heads?: readonly number[] | Int32Array;
  /** Batch indices of the tokens whose attention changes (default all). */
  tokens?: readonly number[] | Int32Array;
}

/** Sparse softmax rows in CSR form, keyed by batch index of the tokens of each following decode call. */
export interface InjectedRows {
  /** Batch indices (ascending) of the tokens whose rows are given; other tokens keep the model's own row. */
  tokens: Int32Array;
  /** Length tokens.length + 1: row i's entries are [offsets[i], offsets[i+1]) of cells/weights. */
  offsets: Int32Array;
  /**
   * KV cell indices, each in [0, nCtx). A cell at or past the ubatch's KV view (llama.cpp's used cells padded
   * to 256) holds no token: its weight is skipped. A cell listed twice in a row gets the sum of its weights.
   */
  cells: Int32Array;
  /** Weights written into those cells (every other cell of the row becomes 0); not renormalized. */
  weights: Float32Array;
}

/**
 * Replaces chosen query heads' softmax rows (`kq_soft_max-<layer>`). Applied before the bias, and
 * observation sees the injected rows. Arrays are copied when it is set.
 */
export interface AttentionInjection {
  /** Row sets, referenced by index from `heads`. */
  patterns: readonly InjectedRows[];
  /** Query heads replaced: `pattern` indexes `patterns`; -1 zeroes every row of the head (the ablation). */
  heads: readonly { layer: number; head: number; pattern: number }[];
}

/**
 * One `decode` call. All arrays are read synchronously when `decode` is called,
 * so the caller may reuse them as soon as it returns its promise.
 */
export interface DecodeBatch {
  /** Token ids, each in [0, nVocab). Length n, 1 <= n <= nBatch. */
  tokens: Int32Array;
  /** Position of each token. Length n. */
  positions: Int32Array;
  /**
   * Sequence ids, each in [0, nSeqMax). Without `nSeqIds`: one id per token (length n).
   * With `nSeqIds`: the tokens' id lists concatenated (length sum(nSeqIds)).
   */
  seqIds: Int32Array;
  /** Number of sequence ids of each token (length n, each >= 1); a token may belong to several sequences. */
  nSeqIds?: Int32Array;
  /** Nonzero where the token's logits are wanted (length n). Default: only the last token. */
  logits?: Uint8Array;
}

/** The native model (C++ `AddonModel`). Obtain it from `NativeAddon.loadModel`. */
export interface AddonModel {
  readonly path: string;
  readonly info: ModelInfo;
  readonly vocab: VocabInfo;
  readonly disposed: boolean;
  /** Every GGUF key/value of the file; arrays as summaries. */
  metadata(): Record<string, GgufMetadataValue>;
  /** Elements of an array-valued key, or null when the key is missing or not an array. */
  metadataArray(key: string): GgufScalar[] | null;
  tokenize(text: string, options?: TokenizeOptions): Int32Array;
  detokenize(tokens: Int32Array, options?: DetokenizeOptions): string;
  /** Bytes the token renders as (may be part of a UTF-8 character: decode streams with a TextDecoder). */
  tokenPiece(token: number, options?: { special?: boolean }): Uint8Array;
  /** The vocabulary entry as stored in the GGUF (`<0x0A>`, `▁foo`, `<|fim_prefix|>`). */
  tokenText(token: number): string;
  /** `TokenAttr` bits. */
  tokenAttributes(token: number): number;
  /** End of generation (eos, eot, ...). */
  isEog(token: number): boolean;
  isControl(token: number): boolean;
  /** Creates a context with `kv_unified = true` (needed to share KV cells between sequences). */
  createContext(options?: ContextOptions): Promise<AddonContext>;
  /** Frees the model and all its contexts (an in-flight decode is aborted and freed when it ends). Idempotent. */
  dispose(): void;
}

/** The native context (C++ `AddonContext`). Every method except `abort` and `dispose` throws ERR_BUSY during a decode. */
export interface AddonContext {
  readonly nCtx: number;
  readonly nBatch: number;
  readonly nUbatch: number;
  readonly nSeqMax: number;
  readonly nVocab: number;
  readonly typeK: KvCacheType;
  readonly typeV: KvCacheType;
  readonly flashAttention: FlashAttention;
  readonly attentionHook: boolean;
  readonly disposed: boolean;
  /** True while a decode runs. */
  readonly busy: boolean;
  /**
   * Runs llama_decode off the JS thread. Rejects with LlamaNativeError: ERR_INVALID_ARG, ERR_BUSY,
   * ERR_DECODE_NO_KV_SLOT, ERR_ABORTED, ERR_DECODE_INVALID_BATCH, ERR_DECODE_FAILED, ERR_DISPOSED.
   */
  decode(batch: DecodeBatch): Promise<void>;
  /** Stops the in-flight decode after its current ubatch (no-op when idle). */
  abort(): void;
  /** Logits (length nVocab) of the token at `batchIndex` of the last decode; copied into `out` when given. */
  logits(batchIndex: number, out?: Float32Array): Float32Array;
  /** Id of the largest logit at `batchIndex` (greedy sampling without copying the row). */
  argmax(batchIndex: number): number;
  /** Removes the cells of `seqId` (-1: any sequence) with positions in [p0, p1) (-1: open end). False if a partial removal is impossible. */
  seqRm(seqId: number, p0: number, p1: number): boolean;
  /** Tags the cells of `src` in [p0, p1) as also belonging to `dst` (no copy with kv_unified). */
  seqCp(src: number, dst: number, p0: number, p1: number): void;
  /** Removes every cell not in `seqId`. */
  seqKeep(seqId: number): void;
  /** Adds `delta` to the positions of `seqId` in [p0, p1); keys are re-rotated (RoPE) at the next decode. */
  seqAdd(seqId: number, p0: number, p1: number, delta: number): void;
  /** Smallest position of `seqId`, or -1 when empty. */
  seqPosMin(seqId: number): number;
  /** Largest position of `seqId`, or -1 when empty. */
  seqPosMax(seqId: number): number;
  /** Empties the KV cache (`data`: also zero the buffers; default false). */
  clearMemory(data?: boolean): void;
  /** Bytes `stateSeqGet(seqId)` will return. */
  stateSeqSize(seqId: number): number;
  /** Serialized KV of `seqId` (llama_state_seq_get_data). */
  stateSeqGet(seqId: number): Buffer;
  /**
   * Restores a `stateSeqGet` buffer into `seqId`, at the positions it was saved with.
   * Returns the bytes read; throws ERR_STATE when llama.cpp rejects the buffer.
   */
  stateSeqSet(seqId: number, state: Uint8Array): number;
  setThreads(threads: number, threadsBatch?: number): void;
  /** Layers whose attention the following decodes copy out (null: none). Needs `attentionHook`. */
  observeAttention(layers: readonly number[] | Int32Array | null): void;
  /** What the last decode observed, one entry per observed layer. Needs `attentionHook`. */
  attention(): AttentionObservation[];
  /** Steers attention in the following decodes (null: stop). Needs `attentionHook`. */
  setAttentionBias(bias: AttentionBias | null): void;
  /** Replaces chosen heads' softmax rows in the following decodes (null: stop). Needs `attentionHook`. */
  setAttentionInjection(injection: AttentionInjection | null): void;
  /** Rows the injection wrote (summed over heads) during the last decode. */
  injectedRows(): number;
  /** Frees the context (deferred until an in-flight decode ends, which is aborted). Idempotent; also runs on GC. */
  dispose(): void;
}

/** llama.cpp's names of the quantization types `quantize` accepts (native/src/AddonQuantize.cpp maps the same names). */
export const QUANT_TYPES = ['Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M', 'Q4_0'] as const;
export type QuantType = (typeof QUANT_TYPES)[number];

export interface QuantizeOptions {
  /** Worker threads (default: all hardware threads). */
  threads?: number;
}

export interface NativeAddon {
  readonly backend: BackendInfo;
  /**
   * Writes a `type` copy of the GGUF model `input` to `output` (llama_model_quantize) off the JS thread.
   * Rejects with ERR_INVALID_ARG (unknown type, output == input) or ERR_QUANTIZE.
   */
  quantize(input: string, output: string, type: QuantType, options?: QuantizeOptions): Promise<void>;
  /** Loads a GGUF model off the JS thread. Rejects with ERR_MODEL_LOAD for a missing or corrupt file. */
  loadModel(path: string, options?: ModelLoadOptions): Promise<AddonModel>;
  /** llama.cpp/ggml log lines at or above `level` go to stderr (default 'error'). */
  setLogLevel(level: LogLevel): void;
  /** Native models and contexts not yet freed (for leak checks). */
  liveObjects(): { models: number; contexts: number };
}

export interface LoadAddonOptions {
  /** Default false (CPU). Use node-llama-cpp's `getLlamaGpuTypes('supported')` to pick one automatically. */
  gpu?: GpuType;
  /** Use this folder of libllama/ggml libraries instead of node-llama-cpp's (default: env `STEERWAY_LLAMA_BINS`, e.g. a CUDA build of tools/gpu). */
  binsFolder?: string;
  /**
   * Path of one `libggml-cpu-<variant>.so` to use instead of the best-scoring one, for bit-exact tests.
   * Defaults to env `GGML_BACKEND_PATH`. A bare variant name such as 'x64' or 'haswell' is looked up in the bins folder.
   */
  cpuBackend?: string;
  /** Explicit path of the `.node` file (default: env `STEERWAY_LLAMA_ADDON`, then the usual build folders). */
  addonPath?: string;
}

/** The raw exports of the `.node` file. */
interface RawAddon {
  setErrorClass(ctor: typeof LlamaNativeError): void;
  init(binsFolder: string, gpu: GpuType, pinnedCpuBackend: string | null): BackendInfo;
  loadModel(path: string, options?: ModelLoadOptions): Promise<AddonModel>;
  quantize(input: string, output: string, type: string, options?: QuantizeOptions): Promise<void>;
  setLogLevel(level: LogLevel): void;
  liveObjects(): { models: number; contexts: number };
}

function moduleDir(): string {
  // Works from source (ESM) and from a CommonJS bundle, where import.meta.url is unavailable.
  if (typeof __dirname === 'string') return __dirname;
  return path.dirname(fileURLToPath(import.meta.url));
}

/** Candidate locations of the `.node` file, best first. */
export function addonCandidates(): string[] {
  const rel = path.join('build', 'Release', ADDON_FILE_NAME);
  const out: string[] = [];
  const env = process.env.STEERWAY_LLAMA_ADDON;
  if (env) out.push(path.resolve(env));
  // From source this file lives in native/; bundled into out/<x>/ it has to walk up to the project.
  let dir = moduleDir();
  for (let i = 0; i < 6; i++) {
    out.push(path.join(dir, rel), path.join(dir, 'native', rel));
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources) out.push(path.join(resources, 'native', rel));
  out.push(path.join(process.cwd(), 'native', rel));
  return [...new Set(out)];
}

/** Path of the compiled addon, or null when it is not built. */
export function findAddon(): string | null {
  return addonCandidates().find((p) => fs.existsSync(p)) ?? null;
}

function platformPackage(gpu: GpuType): string {
  const arch = process.arch === 'arm' ? 'armv7l' : process.arch;
  const base = `${process.platform === 'win32' ? 'win' : process.platform === 'darwin' ? 'mac' : process.platform}-${arch}`;
  return gpu ? `${base}-${gpu}` : base;
}

/**
 * The folder of node-llama-cpp's prebuilt binaries for `gpu`, e.g.
 * `node_modules/@node-llama-cpp/linux-x64/bins/linux-x64`. Throws BinsNotFoundError when not installed.
 */
export function resolveBinsFolder(gpu: GpuType = false): string {
  const pkg = platformPackage(gpu);
  const tail = path.join('node_modules', '@node-llama-cpp', pkg, 'bins', pkg);
  const searched: string[] = [];
  for (const start of [moduleDir(), process.cwd()]) {
    let dir = start;
    for (;;) {
      const candidate = path.join(dir, tail);
      searched.push(candidate);
      if (fs.existsSync(candidate)) return candidate;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new BinsNotFoundError(gpu, [...new Set(searched)]);
}

function resolveCpuBackend(binsFolder: string, spec: string | undefined): string | null {
  if (!spec) return null;
  if (spec.includes('/') || spec.includes('\\') || spec.endsWith('.so') || spec.endsWith('.dll')) return path.resolve(spec);
  const ext = process.platform === 'win32' ? '.dll' : '.so';
  const prefix = process.platform === 'win32' ? 'ggml-cpu-' : 'libggml-cpu-';
  return path.join(binsFolder, `${prefix}${spec}${ext}`);
}

let loaded: NativeAddon | null = null;

/**
 * Loads the addon and its llama.cpp libraries (once per process; later calls return the same
 * addon and throw ERR_ALREADY_INITIALIZED if they ask for other libraries).
 * Throws AddonNotBuiltError when the `.node` file is missing, BinsNotFoundError when the libraries are.
 */
export function loadAddon(options: LoadAddonOptions = {}): NativeAddon {
  if (options.addonPath && !fs.existsSync(options.addonPath)) throw new AddonNotBuiltError([options.addonPath]);
  const gpu = options.gpu ?? false;
  const binsFolder = options.binsFolder ?? (process.env.STEERWAY_LLAMA_BINS || resolveBinsFolder(gpu));
  const pinned = resolveCpuBackend(binsFolder, options.cpuBackend ?? process.env.GGML_BACKEND_PATH);
  if (loaded) {
    const b = loaded.backend;
    if (b.binsFolder !== binsFolder || b.pinnedCpuBackend !== pinned) {
      throw new LlamaNativeError(
        `llama libraries already loaded from ${b.binsFolder} (cpu backend ${b.pinnedCpuBackend ?? 'auto'}); cannot switch to ${binsFolder} (${pinned ?? 'auto'}) in the same process`,
        'ERR_ALREADY_INITIALIZED',
      );
    }
    return loaded;
  }
  const file = options.addonPath ?? findAddon();
  if (!file) throw new AddonNotBuiltError(addonCandidates());
  const mod = { exports: {} as RawAddon };
  process.dlopen(mod, file);
  const raw = mod.exports;
  raw.setErrorClass(LlamaNativeError);
  const backend = raw.init(binsFolder, gpu, pinned);
  loaded = {
    backend,
    loadModel: (p, o) => raw.loadModel(p, o),
    quantize: (i, o, t, opts) => raw.quantize(i, o, t, opts),
    setLogLevel: (l) => raw.setLogLevel(l),
    liveObjects: () => raw.liveObjects(),
  };
  return loaded;
}

/** True when `err` is a LlamaNativeError (with `code`, when given). */
export function isNativeError(err: unknown, code?: NativeErrorCode): err is LlamaNativeError {
  return err instanceof LlamaNativeError && (code === undefined || err.code === code);
}
