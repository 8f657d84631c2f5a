import { z } from 'zod';
import { AttachmentKind, Id } from '../journal/schema';
import { DEFAULT_SERVE_API, ServeApiSettings } from './serveApi';
import { CompletionMode, DEFAULT_COMPLETION_MODE, Device, InjectionReport } from './vocabulary';

/** The wire format of a team's completion server: llama.cpp's `/infill`, or an OpenAI-compatible `/v1/completions` (vLLM, ...). */
export const RemoteDialect = z.enum(['llama.cpp', 'openai']);
export type RemoteDialect = z.infer<typeof RemoteDialect>;

/** A server's base URL: http(s), no credentials in it (the token has its own field), at most 2,000 characters. */
export const RemoteUrl = z
  .url({ protocol: /^https?$/, error: 'The server URL must start with http:// or https://.' })
  .max(2_000)
  .refine((url) => !/^https?:\/\/[^/]*@/i.test(url), 'Put the token in the token field, not in the URL.');

/** A remote engine as stored: `token` is a secret that never leaves main (the renderer sees `tokenSet`). */
export const RemoteEngine = z.object({
  kind: RemoteDialect,
  url: RemoteUrl,
  /** Sent as `Authorization: Bearer <token>` (llama-server's `--api-key`, vLLM's `--api-key`). */
  token: z.string().min(1).max(4_096).nullable(),
  /** The model name an OpenAI-compatible server wants in each request; null: none sent. */
  model: z.string().min(1).max(256).nullable(),
});
export type RemoteEngine = z.infer<typeof RemoteEngine>;

/** Where suggestions come from: this machine's engine, or a team's server. */
export const EngineChoice = z.discriminatedUnion('kind', [z.object({ kind: z.literal('local') }), RemoteEngine]);
export type EngineChoice = z.infer<typeof EngineChoice>;

/** The engine that answered (a report) or is in use (the status): the local one, or a server by its URL and dialect. */
export const EngineUsed = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local') }),
  z.object({ kind: z.literal('remote'), dialect: RemoteDialect, url: z.string() }),
]);
export type EngineUsed = z.infer<typeof EngineUsed>;

/** Attention injection (issue 13): off, or `auto`, the heads chosen from the model's head profile (`steerway heads`). */
export const INJECTION_SETTINGS = ['off', 'auto'] as const;
export const InjectionSetting = z.enum(INJECTION_SETTINGS);
export type InjectionSetting = z.infer<typeof InjectionSetting>;

/** The user's assistant settings, kept in the user data folder. */
export const AssistantSettings = z.object({
  enabled: z.boolean(),
  mode: CompletionMode,
  /** Sparse mode: tokens recomputed at the start of each placed block. */
  boundary: z.number().int().min(0).max(256),
  maxTokens: z.number().int().min(1).max(256),
  /** Use a GPU build of llama.cpp when one fits the machine. */
  gpu: z.boolean(),
  /** Tokens the step's documents may take in the prompt. */
  contextBudgetTokens: z.number().int().min(0).max(32_768),
  engine: EngineChoice,
  /** Serve the local model to editors on 127.0.0.1 (llama.cpp `/infill`, OpenAI `/v1/completions`). */
  serveApi: ServeApiSettings,
  /** Attention injection: `auto` replaces the heads the loaded model's head profile chooses by exact patterns. */
  injection: InjectionSetting,
});
export type AssistantSettings = z.infer<typeof AssistantSettings>;

/** A remote engine as the renderer sees it: whether a token is set, never the token. */
export const RemoteEngineView = RemoteEngine.omit({ token: true }).extend({ tokenSet: z.boolean() });
/** The settings as `settings.get` and `settings.update` answer them. */
export const AssistantSettingsView = AssistantSettings.extend({
  engine: z.discriminatedUnion('kind', [z.object({ kind: z.literal('local') }), RemoteEngineView]),
});
export type AssistantSettingsView = z.infer<typeof AssistantSettingsView>;

/**
 * A change to the settings (`settings.update`). A remote engine's `token`: a string sets it, null clears it, absent
 * keeps the stored one as long as the URL's origin stays the same (a token is never sent to a server it was not set for).
 */
export const AssistantSettingsChange = AssistantSettings.extend({
  engine: z.discriminatedUnion('kind', [z.object({ kind: z.literal('local') }), RemoteEngine.extend({ token: RemoteEngine.shape.token.optional() })]),
}).partial();
export type AssistantSettingsChange = z.infer<typeof AssistantSettingsChange>;

export const DEFAULT_ASSISTANT_SETTINGS: AssistantSettings = {
  enabled: true,
  mode: DEFAULT_COMPLETION_MODE,
  boundary: 0,
  maxTokens: 48,
  gpu: false,
  contextBudgetTokens: 6_144,
  engine: { kind: 'local' },
  serveApi: DEFAULT_SERVE_API,
  injection: 'off',
};

export const ModelInfo = z.object({
  id: Id,
  name: z.string(),
  path: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  /** Where it came from: a file the user chose, a download, a smaller copy made here, the `--model` flag, or shipped with the app. */
  origin: z.enum(['local', 'downloaded', 'compressed', 'command-line', 'bundled']),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

/** Quantization types of "Make a smaller copy" (llama.cpp's names; native/binding.ts QUANT_TYPES lists the same, tested). */
export const CompressType = z.enum(['Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M', 'Q4_0']);
export type CompressType = z.infer<typeof CompressType>;

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
  device: Device,
  /** A sentence for the status bar: what is wrong, or what the engine is doing. */
  message: z.string().nullable(),
  /** The engine suggestions come from now (absent: the local one). */
  engine: EngineUsed.optional(),
});
export type AssistantStatus = z.infer<typeof AssistantStatus>;

/** How a document reached the last prompt: the engine's block states, `sent` to a remote engine, or left out by the budget rule. */
export const DocumentState = z.enum(['resident', 'shifted', 'memory', 'disk', 'computed', 'sent', 'left-out', 'error']);
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
  engine: EngineUsed,
  mode: CompletionMode,
  format: z.string(),
  notes: z.array(z.string()),
  documents: z.array(ContextDocument),
  /** The end of the prefix and the start of the suffix around the cursor, as sent. */
  cursorPrefix: z.string(),
  cursorSuffix: z.string(),
  /** The end of the prefix that token healing left out of the prompt for the model to write again (local engine). */
  healedText: z.string().optional(),
  promptTokens: z.number().int(),
  computedTokens: z.number().int(),
  reusedTokens: z.number().int(),
  timeToFirstTokenMs: z.number(),
  tokensPerSecond: z.number(),
  totalMs: z.number(),
  /** The heads replaced, the use-def edges found and the rows injected, when the local engine injected attention. */
  injection: InjectionReport.optional(),
});
export type SuggestionReport = z.infer<typeof SuggestionReport>;

/**
 * A suggestion's text so far, while the engine generates it: shaped as the whole answer will be (one line,
 * or a block), and each one a start of the next and of the answer's text.
 */
export const SuggestionPartial = z.object({ requestId: Id, text: z.string() });
export type SuggestionPartial = z.infer<typeof SuggestionPartial>;

export const EncodingProgress = z.object({
  journalId: Id,
  stepId: Id,
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Title of the document being encoded, or null when idle. */
  current: z.string().nullable(),
});
export type EncodingProgress = z.infer<typeof EncodingProgress>;
