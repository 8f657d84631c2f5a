/**
 * Messages between main and the engine host process. Plain JSON, validated with zod on both ends, so
 * Node's fork and Electron's utilityProcess carry them alike.
 */
import { z } from 'zod';
import { CompletionMode, CompletionReport, Device, EngineErrorCode, PromptFormatName, StopBoundary } from '../../app/completion/vocabulary';
import { PATTERN_NAMES } from '../analysis/patterns';

const DocumentInput = z.object({ name: z.string(), text: z.string() });

/** A head whose rows injection replaces (assistant/heads/profile.ts HeadChoice); the engine checks it against the model. */
const HeadChoice = z.object({ layer: z.number().int().min(0), head: z.number().int().min(0), pattern: z.enum([...PATTERN_NAMES, 'zero']) });

export const LoadRequest = z.object({
  type: z.literal('load'),
  /** Increases with every load, so a late reply to an older load is recognised and ignored. */
  loadId: z.number().int(),
  modelPath: z.string().min(1),
  gpu: z.boolean(),
  /** Disk tier of KV blocks (`<userData>/kv-cache`); null: memory only. */
  cacheDir: z.string().nullable(),
  contextSize: z.number().int().min(64),
});
export type LoadRequest = z.infer<typeof LoadRequest>;

export const CompleteRequest = z.object({
  type: z.literal('complete'),
  id: z.string(),
  prefix: z.string(),
  suffix: z.string(),
  fileName: z.string(),
  documents: z.array(DocumentInput),
  mode: CompletionMode,
  boundary: z.number().int().min(0),
  maxTokens: z.number().int().min(0),
  stopAt: StopBoundary,
  /** Sampling (the engine's defaults, greedy, when absent) and stop strings, for the completion API's clients. */
  temperature: z.number().min(0).optional(),
  topK: z.number().int().min(0).optional(),
  topP: z.number().gt(0).max(1).optional(),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  stop: z.array(z.string().min(1)).optional(),
  /** Send the text as it is generated, in `text` replies before the result. */
  stream: z.boolean().optional(),
  /** Attention injection: `auto` (the model's head profile) or these heads; absent: none. */
  inject: z.union([z.literal('auto'), z.array(HeadChoice)]).optional(),
});
export type CompleteRequest = z.infer<typeof CompleteRequest>;

/** Encodes the documents' blocks (maxTokens 0) at the lowest priority: any complete goes first. */
export const WarmRequest = z.object({
  type: z.literal('warm'),
  id: z.string(),
  documents: z.array(DocumentInput),
  mode: CompletionMode,
});
export type WarmRequest = z.infer<typeof WarmRequest>;

export const EngineRequest = z.discriminatedUnion('type', [
  LoadRequest,
  CompleteRequest,
  WarmRequest,
  z.object({ type: z.literal('cancel'), id: z.string() }),
  z.object({ type: z.literal('status') }),
]);
export type EngineRequest = z.infer<typeof EngineRequest>;

/** The engine's CompletionReport, as it crosses the process boundary. */
export const HostReport = CompletionReport;
export type HostReport = z.infer<typeof HostReport>;

/** An engine error by its stable code (`MODEL_LOAD`, `ABORTED`, `CONTEXT_OVERFLOW`, ...). */
export const HostError = z.object({ name: z.string(), code: EngineErrorCode, message: z.string() });
export type HostError = z.infer<typeof HostError>;

export const HostState = z.object({
  state: z.enum(['empty', 'loading', 'ready', 'error']),
  modelPath: z.string().nullable(),
  device: Device,
  message: z.string().nullable(),
  /** Warm requests waiting behind the completes. */
  pendingWarms: z.number().int(),
});
export type HostState = z.infer<typeof HostState>;

export const EngineReply = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('loaded'), loadId: z.number().int(), device: Device, format: PromptFormatName, note: z.string().nullable(),
    /** The context length the model was trained with: prompts longer than it degrade. */
    contextLength: z.number().int().positive(),
    /** sha256 of the model file (the engine's identity): main finds the model's head profile by it. */
    identity: z.string().optional(),
  }),
  z.object({ type: z.literal('load-failed'), loadId: z.number().int(), error: HostError }),
  /** A streamed complete's next piece of text; the pieces add up to the result's text. */
  z.object({ type: z.literal('text'), id: z.string(), delta: z.string() }),
  z.object({
    type: z.literal('result'), id: z.string(), text: z.string(), report: HostReport,
    /** The block tiers' sizes after a complete (for the completion API's metrics). */
    cache: z.object({ memoryBytes: z.number().nonnegative(), diskBytes: z.number().nonnegative() }).optional(),
    /** Milliseconds the complete waited in the host (for the model, behind other completes) before the engine ran it. */
    queuedMs: z.number().nonnegative().optional(),
  }),
  z.object({ type: z.literal('failed'), id: z.string(), error: HostError }),
  z.object({ type: z.literal('status'), status: HostState }),
]);
export type EngineReply = z.infer<typeof EngineReply>;
