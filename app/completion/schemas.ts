import { z } from 'zod';
import { AttachmentKind, Id } from '../journal/schema';

/** The user's assistant settings, kept in the user data folder. */
export const AssistantSettings = z.object({
  enabled: z.boolean(),
  mode: z.enum(['sparse', 'prefix', 'full']),
  /** Sparse mode: tokens recomputed at the start of each placed block. */
  boundary: z.number().int().min(0).max(256),
  maxTokens: z.number().int().min(1).max(256),
  /** Use a GPU build of llama.cpp when one fits the machine. */
  gpu: z.boolean(),
  /** Tokens the step's documents may take in the prompt. */
  contextBudgetTokens: z.number().int().min(0).max(32_768),
});
export type AssistantSettings = z.infer<typeof AssistantSettings>;

export const DEFAULT_ASSISTANT_SETTINGS: AssistantSettings = {
  enabled: true,
  mode: 'sparse',
  boundary: 0,
  maxTokens: 48,
  gpu: false,
  contextBudgetTokens: 6_144,
};

export const ModelInfo = z.object({
  id: Id,
  name: z.string(),
  path: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  /** Where it came from: a file the user chose, a download, the `--model` flag, or shipped with the app. */
  origin: z.enum(['local', 'downloaded', 'command-line', 'bundled']),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

export const RecommendedModel = z.object({
  id: Id,
  name: z.string(),
  url: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().nullable(),
  /** Why pick it: size, memory, speed, in a sentence. */
  note: z.string(),
});
export type RecommendedModel = z.infer<typeof RecommendedModel>;

export const DownloadState = z.object({
  id: Id,
  name: z.string(),
  state: z.enum(['downloading', 'paused', 'verifying', 'done', 'failed', 'cancelled']),
  downloadedBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative().nullable(),
  error: z.string().nullable(),
});
export type DownloadState = z.infer<typeof DownloadState>;

export const ModelCatalog = z.object({
  installed: z.array(ModelInfo),
  selectedId: z.string().nullable(),
  recommended: z.array(RecommendedModel),
  downloads: z.array(DownloadState),
});
export type ModelCatalog = z.infer<typeof ModelCatalog>;

export const AssistantStatus = z.object({
  state: z.enum(['no-model', 'loading', 'ready', 'error', 'restarting', 'disabled']),
  model: ModelInfo.nullable(),
  device: z.enum(['cpu', 'gpu']),
  /** A sentence for the status bar: what is wrong, or what the engine is doing. */
  message: z.string().nullable(),
});
export type AssistantStatus = z.infer<typeof AssistantStatus>;

/** How a document reached the last prompt: the engine's block states, or left out by the budget rule. */
export const DocumentState = z.enum(['resident', 'shifted', 'memory', 'disk', 'computed', 'left-out', 'error']);
export type DocumentState = z.infer<typeof DocumentState>;

export const ContextDocument = z.object({
  /** Attachment id, or `notes:<stepId>` for the step's description and notes. */
  id: z.string(),
  title: z.string(),
  kind: z.union([AttachmentKind, z.literal('step-notes')]),
  pinned: z.boolean(),
  tokens: z.number().int().nonnegative(),
  state: DocumentState,
  /** Why it was left out or failed, in words. */
  reason: z.string().nullable(),
});
export type ContextDocument = z.infer<typeof ContextDocument>;

/** What the model saw for one suggestion: the context inspector shows this. */
export const SuggestionReport = z.object({
  requestId: z.string(),
  mode: z.enum(['sparse', 'prefix', 'full']),
  format: z.string(),
  notes: z.array(z.string()),
  documents: z.array(ContextDocument),
  /** The end of the prefix and the start of the suffix around the cursor, as sent. */
  cursorPrefix: z.string(),
  cursorSuffix: z.string(),
  promptTokens: z.number().int(),
  computedTokens: z.number().int(),
  reusedTokens: z.number().int(),
  timeToFirstTokenMs: z.number(),
  tokensPerSecond: z.number(),
  totalMs: z.number(),
});
export type SuggestionReport = z.infer<typeof SuggestionReport>;

export const EncodingProgress = z.object({
  journalId: Id,
  stepId: Id,
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Title of the document being encoded, or null when idle. */
  current: z.string().nullable(),
});
export type EncodingProgress = z.infer<typeof EncodingProgress>;
