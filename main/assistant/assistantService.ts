import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { AssistantSettings, AssistantStatus, ContextDocument, SuggestionReport } from '../../app/completion/schemas';
import type { CallInput, CallOutput, EventName, EventPayload } from '../../app/ipc/contract';
import { findStep, type Journal } from '../../app/journal/schema';
import { newId } from '../../app/ids';
import type { HostReport } from '../../assistant/host/protocol';
import { UserFacingError, type CallHandlers, type EventSink } from '../transport/dispatcher';
import { buildContext, promptDocuments, type BuiltContext } from './contextBuilder';
import { UrlFetcher } from './documents';
import { EngineCrashedError, EngineRequestError, EngineUnavailableError, type EngineClientLike, type EngineConfig } from './engineClient';
import type { ModelSource } from './modelSource';

export type AssistantCall = 'assistant.status' | 'assistant.complete' | 'assistant.cancel';

/** Read access to the open journals (SteerwayServices gives it). */
export interface JournalAccess {
  journal(journalId: string): Journal | null;
  attachmentText(journalId: string, attachmentId: string): Promise<string | null>;
  workspaceRoot(): string | null;
}

export interface AssistantServiceOptions {
  journals: JournalAccess;
  buffers: { get(path: string): string | null; onChange(listener: (path: string) => void): () => void };
  models: ModelSource;
  engine: EngineClientLike;
  emit: EventSink;
  userDataDir: string;
  urls?: UrlFetcher;
  /** Quiet time after a change before the background encoding starts (default 1 s). */
  warmDebounceMs?: number;
  /** Recent results kept (LRU). */
  cacheSize?: number;
}

/** The query is bounded: the end of the prefix and the start of the suffix, cut at line boundaries. */
export const PREFIX_CHARS = 4_000;
export const SUFFIX_CHARS = 1_500;
/** KV cells beyond the documents' budget: the bounded prefix and suffix, the format's tokens, generation. */
export const QUERY_RESERVE_TOKENS = 8_192;
/**
 * What one prompt may hold for a model trained with `contextLength` tokens (unknown: the defaults): a model used
 * past its training length gives noise, so a short-context model (the shipped miniature has 512) gets its prompt
 * cut to 30% prefix, 10% suffix and half for the documents, estimated at 3 characters a token as the budget is.
 */
export function promptLimits(contextLength: number | undefined, documentBudgetTokens: number): { prefixChars: number; suffixChars: number; documentTokens: number } {
  if (contextLength === undefined) return { prefixChars: PREFIX_CHARS, suffixChars: SUFFIX_CHARS, documentTokens: documentBudgetTokens };
  return {
    prefixChars: Math.min(PREFIX_CHARS, Math.floor(contextLength * 0.3 * 3)),
    suffixChars: Math.min(SUFFIX_CHARS, Math.floor(contextLength * 0.1 * 3)),
    documentTokens: Math.min(documentBudgetTokens, Math.floor(contextLength * 0.5)),
  };
}

/** How much of the cursor's surroundings the report shows. */
const REPORT_PREFIX_CHARS = 400;
const REPORT_SUFFIX_CHARS = 200;

export function boundPrefix(prefix: string, limit = PREFIX_CHARS): string {
  if (prefix.length <= limit) return prefix;
  const start = prefix.length - limit;
  if (prefix[start - 1] === '\n') return prefix.slice(start);
  const tail = prefix.slice(start);
  const newline = tail.indexOf('\n');
  return newline >= 0 ? tail.slice(newline + 1) : tail;
}

export function boundSuffix(suffix: string, limit = SUFFIX_CHARS): string {
  if (suffix.length <= limit) return suffix;
  const head = suffix.slice(0, limit);
  const newline = head.lastIndexOf('\n');
  return newline >= 0 ? head.slice(0, newline + 1) : head;
}

// How a document got into the prompt: the slowest path among its blocks.
const SOURCE_COST: Record<HostReport['blocks'][number]['source'], number> = { resident: 0, shifted: 1, memory: 2, disk: 3, computed: 4 };

/** The engine's report in the contract's words: documents in prompt order, left-out and failed ones included. */
export function suggestionReport(requestId: string, context: BuiltContext | null, report: HostReport, prefix: string, suffix: string): SuggestionReport {
  const documents: ContextDocument[] = (context?.entries ?? []).map((entry) => {
    const base = { id: entry.doc.id, title: entry.doc.title, kind: entry.doc.kind, pinned: entry.doc.pinned };
    if (entry.state !== 'included') return { ...base, tokens: entry.estimatedTokens, state: entry.state, reason: entry.reason };
    const blocks = report.blocks.filter((b) => b.document === entry.doc.name);
    const worst = blocks.reduce<HostReport['blocks'][number]['source']>((acc, b) => (SOURCE_COST[b.source] > SOURCE_COST[acc] ? b.source : acc), 'resident');
    return { ...base, tokens: blocks.reduce((sum, b) => sum + b.tokens, 0), state: worst, reason: null };
  });
  return {
    requestId,
    mode: report.mode,
    format: report.format,
    notes: report.notes,
    documents,
    cursorPrefix: prefix.slice(-REPORT_PREFIX_CHARS),
    cursorSuffix: suffix.slice(0, REPORT_SUFFIX_CHARS),
    promptTokens: report.promptTokens,
    computedTokens: report.computedTokens,
    reusedTokens: report.reusedFromContext + report.reusedFromMemory + report.reusedFromDisk,
    timeToFirstTokenMs: report.timeToFirstTokenMs,
    tokensPerSecond: report.tokensPerSecond,
    totalMs: report.totalMs,
  };
}

interface InFlight {
  path: string;
  cancel: () => void;
}

type CompleteOutput = CallOutput<'assistant.complete'>;

const cancelledError = () => new UserFacingError('cancelled', 'The suggestion was cancelled.');

/**
 * Suggestions at the cursor, conditioned on the current step's documents: builds the context, asks the
 * engine host, maps its report, keeps recent results, and encodes the step's documents in the background
 * whenever they change, so the first suggestion finds them ready.
 */
export class AssistantService {
  private readonly urls: UrlFetcher;
  private readonly warmDebounceMs: number;
  private readonly cacheSize: number;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly latestByPath = new Map<string, string>();
  private readonly recent = new Map<string, CompleteOutput>();
  private lastStatus = '';
  /** The journal whose current step is warmed: the last one edited or asked for a suggestion. */
  private activeJournalId: string | null = null;
  private readonly warmedSignatures = new Map<string, string>();
  private warmTimer: NodeJS.Timeout | null = null;
  private warmGeneration = 0;
  private warmRequestId: string | null = null;
  private readonly unsubscribe: Array<() => void> = [];
  private disposed = false;

  constructor(private readonly options: AssistantServiceOptions) {
    this.urls = options.urls ?? new UrlFetcher();
    // Long enough that typing in an attached file or the notes does not encode every keystroke's version;
    // a suggestion asked for meanwhile encodes what it needs itself.
    this.warmDebounceMs = options.warmDebounceMs ?? 1_000;
    this.cacheSize = options.cacheSize ?? 64;
    this.unsubscribe.push(
      options.engine.onStateChange((state) => {
        this.emitStatus();
        if (state.state === 'ready') this.scheduleWarm();
      }),
      options.buffers.onChange((path) => {
        if (this.currentStepFiles().has(path)) this.scheduleWarm();
      }),
      options.models.onActiveModelChanged(() => void this.reconfigure()),
      options.models.onSettingsChanged(() => void this.reconfigure()),
    );
  }

  readonly handlers: Pick<CallHandlers, AssistantCall> = {
    'assistant.status': async () => this.status(),
    'assistant.complete': (input) => this.complete(input),
    'assistant.cancel': async ({ requestId }) => {
      this.inFlight.get(requestId)?.cancel();
      return {};
    },
  };

  /** Loads the active model; resolves when it is loaded or has failed (the status says which). */
  start(): Promise<void> {
    this.emitStatus();
    return this.reconfigure();
  }

  private engineConfig(settings: AssistantSettings): EngineConfig | null {
    const model = this.options.models.activeModel();
    if (!model || !settings.enabled) return null;
    return {
      modelPath: model.path,
      gpu: settings.gpu,
      cacheDir: join(this.options.userDataDir, 'kv-cache'),
      contextSize: settings.contextBudgetTokens + QUERY_RESERVE_TOKENS,
    };
  }

  private async reconfigure(): Promise<void> {
    if (this.disposed) return;
    const config = this.engineConfig(this.options.models.settings());
    this.emitStatus();
    await this.options.engine.configure(config);
    this.emitStatus();
  }

  status(): AssistantStatus {
    const settings = this.options.models.settings();
    const model = this.options.models.activeModel();
    const engine = this.options.engine.state();
    const base = { model, device: engine.device };
    if (!settings.enabled) return { ...base, state: 'disabled', message: 'Suggestions are turned off in the settings.' };
    if (!model) return { ...base, state: 'no-model', message: 'No model: add or download one, or start with --model <file.gguf>.' };
    switch (engine.state) {
      case 'stopped':
      case 'loading':
        return { ...base, state: 'loading', message: engine.message };
      case 'ready':
      case 'error':
      case 'restarting':
        return { ...base, state: engine.state, message: engine.message };
    }
  }

  private emitStatus(): void {
    if (this.disposed) return;
    const status = this.status();
    const key = JSON.stringify(status);
    if (key === this.lastStatus) return;
    this.lastStatus = key;
    this.options.emit('assistant.status', status);
  }

  /** For AppServices.onEvent: a journal edit may change the current step or its documents. */
  handleEvent<E extends EventName>(event: E, payload: EventPayload<E>): void {
    if (event !== 'journal.changed') return;
    const { journalId } = payload as EventPayload<'journal.changed'>;
    // The event carries only the change; main's journal is already the one it made.
    const journal = this.options.journals.journal(journalId);
    if (!journal) return;
    this.activeJournalId = journalId;
    const signature = contextSignature(journal);
    if (this.warmedSignatures.get(journalId) === signature) return;
    this.warmedSignatures.set(journalId, signature);
    this.scheduleWarm();
  }

  private sources(journalId: string) {
    return {
      workspaceRoot: this.options.journals.workspaceRoot(),
      buffers: this.options.buffers,
      attachmentText: (attachmentId: string) => this.options.journals.attachmentText(journalId, attachmentId),
      urls: this.urls,
    };
  }

  private async context(journalId: string | null): Promise<BuiltContext | null> {
    const journal = journalId ? this.options.journals.journal(journalId) : null;
    if (!journal) return null;
    return buildContext(journal, this.sources(journal.id), this.limits().documentTokens);
  }

  private limits() {
    return promptLimits(this.options.engine.state().contextLength, this.options.models.settings().contextBudgetTokens);
  }

  private complete(input: CallInput<'assistant.complete'>): Promise<CompleteOutput> {
    const settings = this.options.models.settings();
    const status = this.status();
    if (status.state !== 'ready' && status.state !== 'loading') {
      return Promise.reject(new UserFacingError(status.state, status.message ?? 'The assistant is not ready.'));
    }
    const older = this.latestByPath.get(input.path);
    if (older) this.inFlight.get(older)?.cancel();
    this.latestByPath.set(input.path, input.requestId);
    if (input.journalId) this.activeJournalId = input.journalId;

    let cancelled = false;
    let rejectCancelled!: (error: Error) => void;
    const cancellation = new Promise<never>((_, reject) => (rejectCancelled = reject));
    this.inFlight.set(input.requestId, {
      path: input.path,
      cancel: () => {
        cancelled = true;
        this.options.engine.cancel(input.requestId);
        rejectCancelled(cancelledError());
      },
    });
    const run = async (): Promise<CompleteOutput> => {
      const context = await this.context(input.journalId);
      if (cancelled) throw cancelledError();
      const limits = this.limits();
      const prefix = boundPrefix(input.prefix, limits.prefixChars);
      const suffix = boundSuffix(input.suffix, limits.suffixChars);
      const documents = promptDocuments(context);
      const request = {
        prefix,
        suffix,
        fileName: input.path,
        documents,
        mode: settings.mode,
        boundary: settings.boundary,
        maxTokens: settings.maxTokens,
        stopAt: input.multiline ? ('block' as const) : ('line' as const),
      };
      const key = createHash('sha256').update(JSON.stringify([this.options.models.activeModel()?.path, request])).digest('hex');
      const hit = this.recent.get(key);
      if (hit) {
        this.recent.delete(key);
        this.recent.set(key, hit);
        return { requestId: input.requestId, text: hit.text, report: { ...hit.report, requestId: input.requestId, notes: [...hit.report.notes, 'From the cache of recent suggestions.'] } };
      }
      const result = await this.options.engine.complete({ id: input.requestId, ...request }).catch((error: unknown) => {
        throw toUserFacing(error);
      });
      const output = { requestId: input.requestId, text: result.text, report: suggestionReport(input.requestId, context, result.report, prefix, suffix) };
      this.remember(key, output);
      return output;
    };
    return Promise.race([run(), cancellation]).finally(() => {
      this.inFlight.delete(input.requestId);
      if (this.latestByPath.get(input.path) === input.requestId) this.latestByPath.delete(input.path);
    });
  }

  private remember(key: string, output: CompleteOutput): void {
    this.recent.set(key, output);
    while (this.recent.size > this.cacheSize) this.recent.delete(this.recent.keys().next().value!);
  }

  /** Workspace files attached to (or pinned by) the active journal's current step: their edits re-warm. */
  private currentStepFiles(): Set<string> {
    const journal = this.activeJournalId ? this.options.journals.journal(this.activeJournalId) : null;
    const step = journal?.currentStepId ? findStep(journal, journal.currentStepId) : undefined;
    if (!journal || !step) return new Set();
    const all = journal.steps.flatMap((s) => s.attachments);
    const ids = new Set([...step.attachments.map((a) => a.id), ...step.pinnedAttachmentIds]);
    return new Set(all.filter((a) => ids.has(a.id) && a.kind === 'workspace-file').map((a) => a.source));
  }

  private scheduleWarm(): void {
    if (this.disposed || !this.activeJournalId) return;
    if (this.warmTimer) clearTimeout(this.warmTimer);
    this.warmTimer = setTimeout(() => {
      this.warmTimer = null;
      void this.warm();
    }, this.warmDebounceMs);
  }

  /**
   * Encodes the current step's documents one more at a time (each warm adds one document's blocks after
   * those already placed), so progress can be shown per document. A newer change supersedes it.
   */
  private async warm(): Promise<void> {
    const generation = ++this.warmGeneration;
    if (this.warmRequestId) this.options.engine.cancel(this.warmRequestId);
    if (this.options.engine.state().state !== 'ready' || !this.activeJournalId) return;
    const context = await this.context(this.activeJournalId);
    if (!context || generation !== this.warmGeneration) return;
    const included = context.entries.filter((e) => e.state === 'included');
    const documents = promptDocuments(context);
    const progress = (done: number, current: string | null) =>
      this.options.emit('assistant.encoding', { journalId: context.journalId, stepId: context.stepId, done, total: documents.length, current });
    for (let i = 0; i < documents.length; i++) {
      if (generation !== this.warmGeneration || this.disposed) return;
      progress(i, included[i]!.doc.title);
      const id = newId();
      this.warmRequestId = id;
      try {
        await this.options.engine.warm({ id, documents: documents.slice(0, i + 1), mode: this.options.models.settings().mode });
      } catch {
        // Superseded, cancelled, or the engine went away: the next change or a completion tries again.
        if (generation === this.warmGeneration) progress(i, null);
        return;
      } finally {
        if (this.warmRequestId === id) this.warmRequestId = null;
      }
    }
    if (generation === this.warmGeneration) progress(documents.length, null);
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.warmTimer) clearTimeout(this.warmTimer);
    for (const call of [...this.inFlight.values()]) call.cancel();
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    await this.options.engine.dispose();
  }
}

/** What the background encoding depends on: the current step and its documents' identity and notes. */
function contextSignature(journal: Journal): string {
  const step = journal.currentStepId ? findStep(journal, journal.currentStepId) : undefined;
  if (!step) return '';
  return JSON.stringify([step.id, step.title, step.notes, step.attachments.map((a) => a.id), step.pinnedAttachmentIds]);
}

function toUserFacing(error: unknown): Error {
  if (error instanceof EngineRequestError && error.code === 'ABORTED') return cancelledError();
  if (error instanceof EngineCrashedError) return new UserFacingError('engine-crashed', error.message);
  if (error instanceof EngineUnavailableError) return new UserFacingError('engine-unavailable', error.message);
  if (error instanceof EngineRequestError) return new UserFacingError('engine-error', error.message);
  return error as Error;
}
