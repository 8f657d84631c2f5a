import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { AssistantSettings, AssistantStatus, ContextDocument, EngineUsed, SuggestionReport } from '../../app/completion/schemas';
import type { CallInput, CallOutput } from '../../app/ipc/contract';
import { findStep, type Journal } from '../../app/journal/schema';
import { newId } from '../../app/ids';
import { boundPrefix, boundSuffix, promptLimits, shapeSuggestion } from '../../app/completion/query';
import type { BlockSource, CompletionReport } from '../../app/completion/vocabulary';
import type { HeadProfileView } from '../../app/completion/headProfile';
import { AUTO_TOP1_THRESHOLD, chooseHeads, HeadProfileError, headProfilePath } from '../../assistant/heads/profile';
import { UserFacingError, type CallHandlers, type EventSink } from '../transport/dispatcher';
import { buildContext, estimateTokens, promptDocuments, type BuiltContext } from './contextBuilder';
import { readDocument, stepDocuments, UrlFetcher } from './documents';
import { EngineCrashedError, EngineRequestError, EngineUnavailableError, type EngineClientLike, type EngineConfig } from './engineClient';
import { readHeadProfile } from './headProfiles';
import type { ModelSource } from './modelSource';
import { DIALECT_FORMAT, RemoteAbortedError, RemoteEngine, RemoteUnreachableError, type RemoteReport } from './remoteEngine';

export type AssistantCall = 'assistant.status' | 'assistant.complete' | 'assistant.cancel' | 'heads.profile';

/** Read access to the open journals (SteerwayServices gives it). */
export interface JournalAccess {
  journal(journalId: string): Journal | null;
  attachmentText(journalId: string, attachmentId: string): Promise<string | null>;
  /** Whether the journal is trusted: an untrusted one's documents are only its notes and pasted text. */
  trusted(journalId: string): boolean;
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
  /** Builds the client of a remote engine chosen in the settings (tests pass short timeouts). */
  remoteEngine?: (settings: Extract<AssistantSettings['engine'], { url: string }>) => RemoteEngine;
  /** After a remote engine failed to answer, how long suggestions go to the local engine before it is tried again. */
  remoteRetryMs?: number;
}

/** Default of `remoteRetryMs`: long enough that a dead server does not cost every keystroke a timeout. */
export const REMOTE_RETRY_MS = 10_000;

/** KV cells beyond the documents' budget: the bounded prefix and suffix, the format's tokens, generation. */
export const QUERY_RESERVE_TOKENS = 8_192;

/** How much of the cursor's surroundings the report shows. */
const REPORT_PREFIX_CHARS = 400;
const REPORT_SUFFIX_CHARS = 200;

// How a document got into the prompt: the slowest path among its blocks.
const SOURCE_COST: Record<BlockSource, number> = { resident: 0, shifted: 1, memory: 2, disk: 3, computed: 4 };

/** The context's documents in prompt order, left-out and failed ones included; `included` says how one that went in got there. */
function reportDocuments(context: BuiltContext | null, included: (entry: BuiltContext['entries'][number]) => Pick<ContextDocument, 'tokens' | 'state'>): ContextDocument[] {
  return (context?.entries ?? []).map((entry) => {
    const base = { id: entry.doc.id, title: entry.doc.title, kind: entry.doc.kind, pinned: entry.doc.pinned };
    if (entry.state !== 'included') return { ...base, tokens: entry.estimatedTokens, state: entry.state, reason: entry.reason };
    return { ...base, ...included(entry), reason: null };
  });
}

/** The engine's report in the contract's words: documents in prompt order, left-out and failed ones included. */
export function suggestionReport(requestId: string, context: BuiltContext | null, report: CompletionReport, prefix: string, suffix: string): SuggestionReport {
  const documents = reportDocuments(context, (entry) => {
    const blocks = report.blocks.filter((b) => b.document === entry.doc.name);
    const worst = blocks.reduce<BlockSource>((acc, b) => (SOURCE_COST[b.source] > SOURCE_COST[acc] ? b.source : acc), 'resident');
    return { tokens: blocks.reduce((sum, b) => sum + b.tokens, 0), state: worst };
  });
  return {
    requestId,
    engine: { kind: 'local' },
    mode: report.mode,
    format: report.format,
    notes: report.notes,
    documents,
    cursorPrefix: prefix.slice(-REPORT_PREFIX_CHARS),
    cursorSuffix: suffix.slice(0, REPORT_SUFFIX_CHARS),
    ...(report.healedText ? { healedText: report.healedText } : {}),
    promptTokens: report.promptTokens,
    computedTokens: report.computedTokens,
    reusedTokens: report.reusedFromContext + report.reusedFromMemory + report.reusedFromDisk,
    timeToFirstTokenMs: report.timeToFirstTokenMs,
    tokensPerSecond: report.tokensPerSecond,
    totalMs: report.totalMs,
    ...(report.injection ? { injection: report.injection } : {}),
  };
}

/**
 * A remote engine's answer in the contract's words. The server does not say how each document's tokens got
 * there: they are `sent`, with main's estimate; its prompt is one cached prefix, documents first.
 */
export function remoteSuggestionReport(requestId: string, context: BuiltContext | null, engine: EngineUsed, report: RemoteReport, prefix: string, suffix: string): SuggestionReport {
  return {
    requestId,
    engine,
    mode: 'prefix',
    format: report.format,
    notes: report.notes,
    documents: reportDocuments(context, (entry) => ({ tokens: entry.estimatedTokens, state: 'sent' })),
    cursorPrefix: prefix.slice(-REPORT_PREFIX_CHARS),
    cursorSuffix: suffix.slice(0, REPORT_SUFFIX_CHARS),
    promptTokens: report.promptTokens,
    computedTokens: report.computedTokens,
    reusedTokens: report.reusedTokens,
    timeToFirstTokenMs: report.timeToFirstTokenMs,
    tokensPerSecond: report.tokensPerSecond,
    totalMs: report.totalMs,
  };
}

/** Why the remote engine did not answer last, while the local engine answers instead. */
interface RemoteDown {
  reason: string;
  /** Unreachable (no answer) rather than an error answer. */
  unreachable: boolean;
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
  /** The remote engine the settings choose (null: the local one), by its settings' JSON. */
  private remote: RemoteEngine | null = null;
  private remoteKey = '';
  /** Set while the remote engine is not answering: the local one answers until `remoteRetryAt`. */
  private remoteDown: RemoteDown | null = null;
  private remoteRetryAt = 0;
  private remoteRetryTimer: NodeJS.Timeout | null = null;

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
    'heads.profile': () => this.headProfile(),
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
      cacheDir: this.cacheDir(),
      contextSize: settings.contextBudgetTokens + QUERY_RESERVE_TOKENS,
    };
  }

  /** The engine's block cache folder; head profiles live in it too. */
  private cacheDir(): string {
    return join(this.options.userDataDir, 'kv-cache');
  }

  /** The loaded model's head profile and the heads `auto` injection replaces (none without a profile). */
  async headProfile(): Promise<HeadProfileView> {
    const engine = this.options.engine.state();
    const model = this.options.models.activeModel();
    if (engine.state !== 'ready' || !engine.identity || !model) {
      throw new UserFacingError('not-ready', 'No model is loaded yet: its head profile shows once one is.');
    }
    const profilePath = headProfilePath(this.cacheDir(), engine.identity);
    try {
      const profile = await readHeadProfile(profilePath, engine.identity);
      return { modelPath: model.path, profilePath, profile, chosen: profile ? chooseHeads(profile) : [], threshold: AUTO_TOP1_THRESHOLD };
    } catch (error) {
      if (error instanceof HeadProfileError) throw new UserFacingError('bad-profile', error.message);
      throw error;
    }
  }

  private async reconfigure(): Promise<void> {
    if (this.disposed) return;
    const settings = this.options.models.settings();
    this.chooseRemote(settings);
    // The local model stays loaded beside a remote engine: it takes over when the server does not answer.
    const config = this.engineConfig(settings);
    this.emitStatus();
    await this.options.engine.configure(config);
    this.emitStatus();
  }

  /** Follows the settings' engine: a new remote one starts healthy and is probed, so the status bar knows early. */
  private chooseRemote(settings: AssistantSettings): void {
    const choice = settings.enabled && settings.engine.kind !== 'local' ? settings.engine : null;
    const key = JSON.stringify(choice);
    if (key === this.remoteKey) return;
    this.remoteKey = key;
    this.remote = choice ? (this.options.remoteEngine?.(choice) ?? new RemoteEngine(choice)) : null;
    this.remoteDown = null;
    if (this.remoteRetryTimer) clearTimeout(this.remoteRetryTimer);
    this.remoteRetryTimer = null;
    if (this.remote) void this.probeRemote(this.remote);
  }

  private async probeRemote(remote: RemoteEngine): Promise<void> {
    try {
      await remote.probe();
      this.remoteAnswered(remote);
    } catch (error) {
      this.remoteFailed(remote, error);
    }
  }

  private remoteAnswered(remote: RemoteEngine): void {
    if (remote !== this.remote || !this.remoteDown) return;
    this.remoteDown = null;
    this.emitStatus();
  }

  /** Suggestions go to the local engine for a while; then a probe (or the next request) tries the server again. */
  private remoteFailed(remote: RemoteEngine, error: unknown): void {
    if (remote !== this.remote || this.disposed) return;
    this.remoteDown = { reason: (error as Error).message, unreachable: error instanceof RemoteUnreachableError };
    const retryMs = this.options.remoteRetryMs ?? REMOTE_RETRY_MS;
    this.remoteRetryAt = Date.now() + retryMs;
    if (this.remoteRetryTimer) clearTimeout(this.remoteRetryTimer);
    this.remoteRetryTimer = setTimeout(() => {
      this.remoteRetryTimer = null;
      if (remote === this.remote) void this.probeRemote(remote);
    }, retryMs);
    this.emitStatus();
  }

  /** The remote engine to ask now: none chosen, or resting after a failure, gives null. */
  private remoteToAsk(): RemoteEngine | null {
    return this.remote && (!this.remoteDown || Date.now() >= this.remoteRetryAt) ? this.remote : null;
  }

  status(): AssistantStatus {
    const local = this.localStatus();
    const remote = this.remote;
    if (!remote || local.state === 'disabled') return local;
    const server = `${DIALECT_FORMAT[remote.settings.kind]} server at ${remote.settings.url}`;
    if (!this.remoteDown) return { ...local, state: 'ready', message: `Suggestions from the ${server}.`, engine: remote.label };
    const failure = `${this.remoteDown.unreachable ? 'Remote engine unreachable' : 'Remote engine failed'}: ${this.remoteDown.reason}`;
    if (local.state === 'ready') return { ...local, message: `${failure}; using the local model.`, engine: { kind: 'local' } };
    return { ...local, state: 'error', message: `${failure}; no local model is loaded to take over.`, engine: remote.label };
  }

  /** The local engine's state alone. */
  private localStatus(): AssistantStatus {
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

  /** For AppServices (the journals' onJournalChanged): an edit may change the current step or its documents. */
  journalChanged(journalId: string): void {
    // Main's journal is already the one the edit made.
    const journal = this.options.journals.journal(journalId);
    if (!journal) return;
    this.activeJournalId = journalId;
    const signature = contextSignature(journal);
    if (this.warmedSignatures.get(journalId) === signature) return;
    this.warmedSignatures.set(journalId, signature);
    this.scheduleWarm();
  }

  /** For AppServices: a journal just trusted may now load its documents, so its current step is encoded again. */
  journalTrusted(journalId: string): void {
    this.activeJournalId = journalId;
    this.scheduleWarm();
  }

  private sources(journalId: string) {
    return {
      trusted: this.options.journals.trusted(journalId),
      workspaceRoot: this.options.journals.workspaceRoot(),
      buffers: this.options.buffers,
      attachmentText: (attachmentId: string) => this.options.journals.attachmentText(journalId, attachmentId),
      urls: this.urls,
    };
  }

  private async context(journalId: string | null, documentTokens = this.limits().documentTokens, stepId?: string | null): Promise<BuiltContext | null> {
    const journal = journalId ? this.options.journals.journal(journalId) : null;
    if (!journal) return null;
    return buildContext(journal, this.sources(journal.id), documentTokens, stepId);
  }

  /**
   * An attachment's tokens as the budget rule estimates them (the inspector's count) and the document budget of the
   * engine suggestions come from now: null while no model is loaded, so nothing is said then.
   */
  async documentFit(journalId: string, attachmentId: string): Promise<{ tokens: number; budgetTokens: number | null }> {
    const journal = this.options.journals.journal(journalId);
    const found = journal?.steps.flatMap((step) => stepDocuments(journal, step).map((doc) => ({ doc, step }))).find(({ doc }) => doc.id === attachmentId);
    if (!found) throw new UserFacingError('not-found', `No attachment ${attachmentId} in an open journal.`);
    const text = await readDocument(found.doc, found.step, this.sources(journalId));
    const budgetTokens = this.status().state !== 'ready'
      ? null
      : this.remoteToAsk() ? promptLimits(undefined, this.options.models.settings().contextBudgetTokens).documentTokens : this.limits().documentTokens;
    return { tokens: estimateTokens(found.doc.name, text), budgetTokens };
  }

  private limits() {
    return promptLimits(this.options.engine.state().contextLength, this.options.models.settings().contextBudgetTokens);
  }

  private complete(input: CallInput<'assistant.complete'>): Promise<CompleteOutput> {
    const settings = this.options.models.settings();
    const status = this.status();
    const remote = this.remoteToAsk();
    if (!remote && status.state !== 'ready' && status.state !== 'loading') {
      return Promise.reject(new UserFacingError(status.state, status.message ?? 'The assistant is not ready.'));
    }
    const older = this.latestByPath.get(input.path);
    if (older) this.inFlight.get(older)?.cancel();
    this.latestByPath.set(input.path, input.requestId);
    if (input.journalId) this.activeJournalId = input.journalId;

    let cancelled = false;
    let rejectCancelled!: (error: Error) => void;
    const cancellation = new Promise<never>((_, reject) => (rejectCancelled = reject));
    const abort = new AbortController();
    this.inFlight.set(input.requestId, {
      path: input.path,
      cancel: () => {
        cancelled = true;
        abort.abort();
        this.options.engine.cancel(input.requestId);
        rejectCancelled(cancelledError());
      },
    });
    const prepare = async (limits: ReturnType<typeof promptLimits>) => {
      const context = await this.context(input.journalId, limits.documentTokens, input.stepId);
      if (cancelled) throw cancelledError();
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
      return { context, request };
    };
    /**
     * Recent results are kept per engine (the local model's file, or the server) and per list of documents, the
     * failed and left-out ones too, so a hit's report names this step's documents and not another's.
     */
    const cacheKey = (engine: unknown, request: unknown, context: BuiltContext | null) =>
      createHash('sha256').update(JSON.stringify([engine, request, context?.entries.map((e) => [e.doc.id, e.doc.title, e.state, e.reason])])).digest('hex');
    // Cut once, here, for every engine: a line ends at its end, a block keeps its lines; '' is no suggestion.
    const shape = (text: string) => shapeSuggestion(text, input.multiline) ?? '';
    const run = async (): Promise<CompleteOutput> => {
      if (remote) {
        // The server's context is its own: the default limits, not the local model's.
        const { context, request } = await prepare(promptLimits(undefined, settings.contextBudgetTokens));
        const key = cacheKey(remote.label, request, context);
        const hit = this.cached(key, input.requestId);
        if (hit) return hit;
        try {
          const result = await remote.complete(request, abort.signal);
          this.remoteAnswered(remote);
          const report = remoteSuggestionReport(input.requestId, context, remote.label, result.report, request.prefix, request.suffix);
          return this.remember(key, { requestId: input.requestId, text: shape(result.text), report });
        } catch (error) {
          if (cancelled || error instanceof RemoteAbortedError) throw cancelledError();
          this.remoteFailed(remote, error);
          if (this.options.engine.state().state !== 'ready') {
            const now = this.status();
            throw new UserFacingError(now.state, now.message ?? (error as Error).message);
          }
        }
      }
      // Also while the server rests after a failure: the inspector says why the local model answered.
      const fallbackNote = this.remote && this.remoteDown
        ? `The remote engine at ${this.remote.settings.url} did not answer (${this.remoteDown.reason}); the local model answered.`
        : null;
      const prepared = await prepare(this.limits());
      const context = prepared.context;
      // Injection is the local engine's (the loaded model's head profile); recent results are kept per setting too.
      const request = settings.injection === 'auto' ? { ...prepared.request, inject: 'auto' as const } : prepared.request;
      const key = cacheKey(this.options.models.activeModel()?.path, request, context);
      const hit = this.cached(key, input.requestId);
      if (hit) return hit;
      // The text so far goes to the page as it is generated: the ghost text shows its first line and grows.
      let generated = '';
      let shown = '';
      const onText = (delta: string) => {
        generated += delta;
        const text = shape(generated);
        if (cancelled || text === shown) return;
        shown = text;
        this.options.emit('assistant.partial', { requestId: input.requestId, text });
      };
      const result = await this.options.engine.complete({ id: input.requestId, ...request }, onText).catch((error: unknown) => {
        throw toUserFacing(error);
      });
      const report = suggestionReport(input.requestId, context, result.report, request.prefix, request.suffix);
      if (fallbackNote) report.notes = [...report.notes, fallbackNote];
      return this.remember(key, { requestId: input.requestId, text: shape(result.text), report });
    };
    return Promise.race([run(), cancellation]).finally(() => {
      this.inFlight.delete(input.requestId);
      if (this.latestByPath.get(input.path) === input.requestId) this.latestByPath.delete(input.path);
    });
  }

  /** A recent result for the same engine and request, as the answer to `requestId`. */
  private cached(key: string, requestId: string): CompleteOutput | null {
    const hit = this.recent.get(key);
    if (!hit) return null;
    this.recent.delete(key);
    this.recent.set(key, hit);
    return { requestId, text: hit.text, report: { ...hit.report, requestId, notes: [...hit.report.notes, 'From the cache of recent suggestions.'] } };
  }

  private remember(key: string, output: CompleteOutput): CompleteOutput {
    this.recent.set(key, output);
    while (this.recent.size > this.cacheSize) this.recent.delete(this.recent.keys().next().value!);
    return output;
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
    // While a remote engine answers, the local one is only the fallback: no background encoding for it.
    if (this.options.engine.state().state !== 'ready' || !this.activeJournalId || (this.remote && !this.remoteDown)) return;
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
    if (this.remoteRetryTimer) clearTimeout(this.remoteRetryTimer);
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
