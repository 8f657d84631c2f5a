// Public API of the completion engine (issue 3). Keep changes additive: the benchmark builds on it.
// Factory: `createCompletionEngine(options: EngineOptions): Promise<CompletionEngine>` from `assistant/engine` (index.ts).
import type { FlashAttention, GpuType, KvCacheType, LogLevel } from '../../native/binding';
import type { CompletionMode, CompletionReport, EngineErrorCode, PromptFormatName, StopBoundary } from '../../app/completion/vocabulary';
import type { HeadChoice } from '../heads/profile';

export type { HeadChoice } from '../heads/profile';

// The completion vocabulary (modes, formats, stop boundaries, the report, error codes) is app/completion's.
export type {
  BlockReport, BlockSource, CompletionMode, CompletionReport, EngineErrorCode, PromptFormatName, StopBoundary,
} from '../../app/completion/vocabulary';

export interface EngineOptions {
  /** Path of the GGUF model file. */
  modelPath: string;
  /** Most KV cells of the one context (default 4096); it starts smaller and grows with the prompts (engine.ts, contextCellsFor). */
  contextSize?: number;
  /** Most tokens per decode call (default 512); also caps `blockTokens`. */
  batchSize?: number;
  /** Largest document block in tokens (default 256, at most `batchSize`). */
  blockTokens?: number;
  /** KV cache types (default f16). They change the KV layout, hence the cache keys. */
  typeK?: KvCacheType;
  typeV?: KvCacheType;
  flashAttention?: FlashAttention;
  threads?: number;
  /** Byte budget of the in-memory block tier (default 256 MiB; 0 disables it). */
  memoryBudgetBytes?: number;
  /** Folder of the disk block tier; omitted or null: no disk tier. */
  cacheDir?: string | null;
  /** Byte budget of the disk tier (default 2 GiB). */
  diskBudgetBytes?: number;
  /** Repository name written in the shared header where the format has a repository token (default 'workspace'). */
  repoName?: string;
  /**
   * Memory the model and its KV cache may take (default: total system memory); larger gives ModelTooLargeError, and
   * so does an injected request whose injection context would pass it.
   */
  memoryLimitBytes?: number;
  gpu?: GpuType;
  /** Pin one CPU backend variant ('x64', 'haswell', or a path) for bit-exact results. */
  cpuBackend?: string;
  logLevel?: LogLevel;
}

/** An attached document; `name` is its path as shown to the model. */
export interface DocumentInput {
  name: string;
  text: string;
}

export interface CompletionRequest {
  /** Code before the cursor. */
  prefix: string;
  /** Code after the cursor (ignored by the `plain-prefix` format). */
  suffix?: string;
  /** Path of the file being edited, shown where the format has file separators. */
  fileName?: string;
  documents?: readonly DocumentInput[];
  /** Default DEFAULT_COMPLETION_MODE (sparse). */
  mode?: CompletionMode;
  /** Sparse mode: recompute the first k tokens of each placed block inside the query (default 0). */
  boundary?: number;
  /** Default 64. 0 evaluates the prompt only (warming the cache). */
  maxTokens?: number;
  /** 0 (default) is greedy. */
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  /** Default 'none'. */
  stopAt?: StopBoundary;
  /**
   * Token healing: the prefix's last token is taken back and the answer's first tokens write its text again, chosen
   * by the model (healing.ts); the report's `healedText` says what was taken back. Default: on for a model without
   * FIM tokens, off for a FIM model (`healsByDefault`).
   */
  tokenHealing?: boolean;
  /** Strings that end the completion where one first appears (it is left out of the text), as OpenAI's and llama.cpp's `stop`. */
  stop?: readonly string[];
  /** Report the top K tokens with log-probabilities at each generated position (default 0). */
  logprobs?: number;
  /** Return the logits of the last prompt token (for correctness checks). */
  returnPromptLogits?: boolean;
  signal?: AbortSignal;
  /** Streams the completion: the pieces, in order, add up to `CompletionResult.text`. */
  onText?: (delta: string) => void;
  /**
   * Attention injection (issue 13): these heads' softmax rows replaced by their patterns in the query's and the
   * generated tokens' rows; `auto`: the heads the model's profile (`<cacheDir>/heads/<identity>.json`) chooses.
   * The request then runs in the engine's injection context, where KV cells are positions (README, Attention injection).
   */
  inject?: 'auto' | readonly HeadChoice[];
}

export interface TokenLogprob {
  token: number;
  text: string;
  logprob: number;
}

export interface GeneratedTokenInfo {
  token: number;
  text: string;
  logprob: number;
  top: TokenLogprob[];
}

export interface CompletionResult {
  text: string;
  tokens: number[];
  /** The prompt's token ids in order (identical for every mode). */
  promptTokenIds: number[];
  /** Only when `logprobs` > 0. */
  logprobs?: GeneratedTokenInfo[];
  /** Only when `returnPromptLogits`. */
  promptLogits?: Float32Array;
  report: CompletionReport;
}

export interface FimTokens {
  prefix: number | null;
  suffix: number | null;
  middle: number | null;
  repoName: number | null;
  fileSeparator: number | null;
}

export interface ModelDescription {
  path: string;
  /** sha256 of the model file. */
  identity: string;
  architecture: string;
  contextLength: number;
  chatTemplate: string | null;
  fim: FimTokens;
  format: PromptFormatName;
  /** Why this format; says plainly when there is no FIM. */
  formatNote: string;
}

export interface CacheStats {
  memoryBytes: number;
  memoryBlocks: number;
  diskBytes: number;
  diskBlocks: number;
  /** Block copies currently placed in the context. */
  placedBlocks: number;
  /** KV cells the engine holds in the context: shared prefix, placed copies and the query's own cells. */
  contextCells: number;
  /** KV cells of the context now: sized to the prompts seen, up to `contextSize`. */
  contextSize: number;
}

export interface CompletionEngine {
  readonly model: ModelDescription;
  /** Requests run one at a time on the engine's single context, in call order. */
  complete(request: CompletionRequest): Promise<CompletionResult>;
  /** The prompt's token ids for a request, without evaluating it. */
  promptTokens(request: CompletionRequest): number[];
  cacheStats(): CacheStats;
  /** Drops the placed blocks and the previous prompt from the context (tiers are kept). */
  resetContext(): Promise<void>;
  /** Resolves when every block computed so far is written to the disk tier (writes run in the background). */
  flushDisk(): Promise<void>;
  dispose(): Promise<void>;
}

/** Base class of every engine error; `code` is stable. */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    message: string,
    readonly code: EngineErrorCode,
  ) {
    super(message);
  }
}

export class ModelNotFoundError extends EngineError {
  override name = 'ModelNotFoundError';
  constructor(readonly path: string) {
    super(`model file not found: ${path}`, 'MODEL_NOT_FOUND');
  }
}

/** Not a GGUF file, or llama.cpp could not load it. */
export class ModelLoadError extends EngineError {
  override name = 'ModelLoadError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`cannot load model ${path}: ${reason}`, 'MODEL_LOAD');
  }
}

export class ModelTooLargeError extends EngineError {
  override name = 'ModelTooLargeError';
  constructor(
    readonly path: string,
    readonly neededBytes: number,
    readonly limitBytes: number,
    /** What the model needs memory with (the injection context for an injected request). */
    along = 'with its KV cache',
  ) {
    super(`model ${path} needs about ${Math.ceil(neededBytes / 2 ** 20)} MiB ${along}, more than the ${Math.floor(limitBytes / 2 ** 20)} MiB available`, 'MODEL_TOO_LARGE');
  }
}

export class InvalidRequestError extends EngineError {
  override name = 'InvalidRequestError';
  constructor(message: string) {
    super(message, 'INVALID_REQUEST');
  }
}

/** The prompt (with its blocks) does not fit the context. */
export class ContextOverflowError extends EngineError {
  override name = 'ContextOverflowError';
  constructor(
    readonly needed: number,
    readonly available: number,
  ) {
    super(`prompt needs ${needed} KV cells, the context has ${available}`, 'CONTEXT_OVERFLOW');
  }
}

/** The request has more document blocks than the context has block sequences. */
export class TooManyBlocksError extends EngineError {
  override name = 'TooManyBlocksError';
  constructor(readonly limit: number) {
    super(`the documents make more than ${limit} blocks, the most one context can place; use larger blocks or fewer documents`, 'TOO_MANY_BLOCKS');
  }
}

export class CompletionAbortedError extends EngineError {
  override name = 'CompletionAbortedError';
  constructor() {
    super('completion aborted', 'ABORTED');
  }
}

export class EngineDisposedError extends EngineError {
  override name = 'EngineDisposedError';
  constructor() {
    super('engine disposed', 'DISPOSED');
  }
}
