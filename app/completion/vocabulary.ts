// The completion vocabulary, written once: the engine (assistant/engine), its host protocol (assistant/host),
// main and the renderer derive their modes, devices, reports and error codes from here.
import { z } from 'zod';

/** How the prompt is evaluated: `full` causal prefill (reference), `prefix` reuse of the previous prompt's common prefix, `sparse` document blocks. */
export const COMPLETION_MODES = ['full', 'prefix', 'sparse'] as const;
export const CompletionMode = z.enum(COMPLETION_MODES);
export type CompletionMode = z.infer<typeof CompletionMode>;
export const DEFAULT_COMPLETION_MODE: CompletionMode = 'sparse';

/** Where the engine runs: the CPU, or a GPU build of llama.cpp (CUDA, Vulkan). */
export const DEVICES = ['cpu', 'gpu'] as const;
export const Device = z.enum(DEVICES);
export type Device = z.infer<typeof Device>;

/** Where the generated text should stop besides end-of-generation tokens and `maxTokens`. */
export const STOP_BOUNDARIES = ['none', 'line', 'block'] as const;
export const StopBoundary = z.enum(STOP_BOUNDARIES);
export type StopBoundary = z.infer<typeof StopBoundary>;

/** Prompt layout picked from the model's FIM tokens; `plain-prefix` when the model has none (the suffix is then ignored). */
export const PROMPT_FORMATS = ['qwen2.5-coder', 'starcoder2', 'codellama', 'deepseek-coder', 'fim-generic', 'plain-prefix'] as const;
export const PromptFormatName = z.enum(PROMPT_FORMATS);
export type PromptFormatName = z.infer<typeof PromptFormatName>;

/** How a document block reached the query: already placed at this offset, shifted from another offset in the context, restored from a tier, or computed. */
export const BLOCK_SOURCES = ['resident', 'shifted', 'memory', 'disk', 'computed'] as const;
export const BlockSource = z.enum(BLOCK_SOURCES);
export type BlockSource = z.infer<typeof BlockSource>;

export const STOP_REASONS = ['eog', 'maxTokens', 'line', 'block', 'stop'] as const;
export const StopReason = z.enum(STOP_REASONS);
export type StopReason = z.infer<typeof StopReason>;

/**
 * An engine error by its stable code: the engine's errors, `NOT_LOADED` from the host without a model, and
 * `INTERNAL` for anything else thrown in the host.
 */
export const ENGINE_ERROR_CODES = [
  'MODEL_NOT_FOUND', 'MODEL_LOAD', 'MODEL_TOO_LARGE', 'INVALID_REQUEST', 'CONTEXT_OVERFLOW', 'TOO_MANY_BLOCKS', 'ABORTED', 'DISPOSED',
  'NOT_LOADED', 'INTERNAL',
] as const;
export const EngineErrorCode = z.enum(ENGINE_ERROR_CODES);
export type EngineErrorCode = z.infer<typeof EngineErrorCode>;

export const BlockReport = z.object({
  document: z.string(),
  /** Index of the block within its document. */
  index: z.number().int(),
  tokens: z.number().int(),
  /** First position of the block in the prompt. */
  position: z.number().int(),
  source: BlockSource,
  /** Disk files rejected (corrupt, truncated, foreign, wrong version) before this block was recomputed. */
  rejectedFile: z.string().optional(),
});
export type BlockReport = z.infer<typeof BlockReport>;

/**
 * Where a request's time went, in ms, and how many decode calls its prompt took. llama.cpp applies queued RoPE
 * shifts at the start of the next decode, so `shiftMs` is their queuing and their compute is in that decode's phase.
 */
export const PhaseTimes = z.object({
  /** Block states brought back from the memory or disk tier. */
  restoreMs: z.number(),
  shiftMs: z.number(),
  /** Decoding document tokens (sparse: computed blocks; full, prefix: the calls before the query). */
  documentMs: z.number(),
  /** Decoding the query (and boundary tokens). */
  queryMs: z.number(),
  /** Generating: sampling and decoding each generated token. */
  samplingMs: z.number(),
  promptDecodes: z.number().int(),
});
export type PhaseTimes = z.infer<typeof PhaseTimes>;

/** A place in a file: 1-based line, 0-based column (UTF-16 code units). */
const SourcePlace = z.object({ line: z.number().int(), column: z.number().int() });

/**
 * Attention injection in one request (issue 13): the heads whose softmax rows were replaced in the query and
 * generated tokens, by which pattern (one of assistant/analysis's PATTERN_NAMES, or `zero`), the use-def edges
 * found in the code at the cursor, and the rows written (summed over heads).
 */
export const InjectionReport = z.object({
  heads: z.array(z.object({ layer: z.number().int(), head: z.number().int(), pattern: z.string() })),
  /** The first 200 edges whose use is in the cursor's code; `def.file` is a document's name or the cursor's file. */
  edges: z.array(z.object({ name: z.string(), use: SourcePlace, def: SourcePlace.extend({ file: z.string() }) })),
  edgeCount: z.number().int(),
  injectedRows: z.number().int(),
});
export type InjectionReport = z.infer<typeof InjectionReport>;

/** The engine's account of one completion; it crosses the engine host's boundary as it is. */
export const CompletionReport = z.object({
  mode: CompletionMode,
  format: PromptFormatName,
  /** Plain words on anything degraded, e.g. a model without FIM tokens. */
  notes: z.array(z.string()),
  promptTokens: z.number().int(),
  /** Prompt tokens whose KV was already in the context (shared prefix, resident or shifted blocks, common prefix). */
  reusedFromContext: z.number().int(),
  reusedFromMemory: z.number().int(),
  reusedFromDisk: z.number().int(),
  /** Prompt tokens decoded by this request (including boundary recompute). */
  computedTokens: z.number().int(),
  boundaryRecomputed: z.number().int(),
  blocks: z.array(BlockReport),
  generatedTokens: z.number().int(),
  stopReason: StopReason,
  /** From the call to the first generated token (or the end of the prompt when maxTokens is 0). */
  timeToFirstTokenMs: z.number(),
  /** Generated tokens per second after the first one. */
  tokensPerSecond: z.number(),
  promptMs: z.number(),
  totalMs: z.number(),
  /** Set by the engine; optional for reports made elsewhere (tests, older hosts). */
  phases: PhaseTimes.optional(),
  /** The prefix's end that token healing took back from the prompt and the answer wrote again; absent when none. */
  healedText: z.string().optional(),
  /** Only when the request injected attention patterns. */
  injection: InjectionReport.optional(),
});
export type CompletionReport = z.infer<typeof CompletionReport>;
