import type { Disposable, SteerwayApi } from '../../../app/ipc/api';
import { RemoteError } from '../../../app/ipc/api';
import type { CallInput, CallName, CallOutput, EventName, EventPayload } from '../../../app/ipc/contract';
import type { AssistantStatus, SuggestionReport } from '../../../app/completion/schemas';
import { DEFAULT_ASSISTANT_SETTINGS, type AssistantSettingsView, type DownloadState, type ModelCatalog } from '../../../app/completion/schemas';
import { newId } from '../../../app/ids';
import { applyChange, type JournalChange } from '../../../app/journal/edits';
import { exportJournalMarkdown } from '../../../app/journal/export';
import { createJournal, findCell, newStep, type CellRun, type Journal } from '../../../app/journal/schema';
import { searchJournal } from '../../../app/journal/search';
import { fuzzyRank } from '../../../app/text/fuzzy';
import { createJournalStore } from '../../../renderer/journal/store/createJournalStore';

interface StoredJournal {
  journal: Journal;
  trusted: boolean;
  /** Changes made to it, as main counts them for `journal.changed`. */
  version: number;
  /** Set for a journal file that cannot be opened. */
  problem: string | null;
}

type AnyListener = (payload: never) => void;

/** SteerwayApi in memory, with main's rules for edits (applyEdit), for renderer tests. */
export class FakeApi implements SteerwayApi {
  workspacePath: string | null = '/work/project';
  readonly journals = new Map<string, StoredJournal>();
  readonly outputs = new Map<string, { output: string; truncated: boolean }>();
  readonly attachmentTexts = new Map<string, string>();
  files: string[] = [];
  /** Every call, in order. */
  readonly log: { name: CallName; input: unknown }[] = [];
  private readonly failures = new Map<CallName, string>();
  /** The model manager's state as main would keep it; panel tests shape it. */
  catalog: ModelCatalog = { installed: [], selectedId: null, recommended: [], downloads: [] };
  settings: AssistantSettingsView = { ...DEFAULT_ASSISTANT_SETTINGS, engine: { kind: 'local' } };
  assistantStatus: AssistantStatus = {
    state: 'ready',
    model: { id: 'm1', name: 'Tiny Coder', path: '/models/tiny.gguf', sizeBytes: 1000, origin: 'command-line' },
    device: 'cpu',
    message: null,
  };
  /** Answers `assistant.complete`; tests replace it to hold answers back or shape them. */
  complete: (input: CallInput<'assistant.complete'>) => CallOutput<'assistant.complete'> | Promise<CallOutput<'assistant.complete'>> = (input) => ({
    requestId: input.requestId,
    text: 'suggested',
    report: fakeReport({ requestId: input.requestId }),
  });
  private readonly listeners = new Map<EventName, Set<AnyListener>>();
  /** What main keeps of the window for this workspace (the last journal, the editor's tabs). */
  windowState: CallOutput<'window.state'> = { lastJournalId: null, editorTabs: [], activeTab: null };
  /** Answers `assistant.documentFit`: by default no model is loaded, so no budget. */
  documentFit: (input: CallInput<'assistant.documentFit'>) => CallOutput<'assistant.documentFit'> = () => ({ tokens: 0, budgetTokens: null });
  /** Answers `heads.profile`: by default the loaded model has no profile. */
  headProfile: () => CallOutput<'heads.profile'> = () => ({
    modelPath: '/models/tiny.gguf', profilePath: '/user/kv-cache/heads/x.json', profile: null, chosen: [], threshold: 0.5,
  });

  /** Adds a journal with steps of these titles; the first step is current. */
  addJournal(title: string, stepTitles: string[] = [], options: { trusted?: boolean; problem?: string } = {}): Journal {
    const steps = stepTitles.map((stepTitle) => newStep(newId(), stepTitle));
    const journal: Journal = { ...createJournal(newId(), title, new Date('2025-01-01T00:00:00Z')), steps, currentStepId: steps[0]?.id ?? null };
    this.journals.set(journal.id, { journal, trusted: options.trusted ?? true, version: 0, problem: options.problem ?? null });
    return journal;
  }

  journal(journalId: string): Journal {
    const stored = this.journals.get(journalId);
    if (!stored) throw new Error(`no journal ${journalId}`);
    return stored.journal;
  }

  /** Makes the next call of `name` fail with `message`, as main would. */
  failNext(name: CallName, message: string): void {
    this.failures.set(name, message);
  }

  inputsOf<K extends CallName>(name: K): CallInput<K>[] {
    return this.log.filter((entry) => entry.name === name).map((entry) => entry.input as CallInput<K>);
  }

  /** The edits sent for a journal, by type. */
  editsOf(type: string): Record<string, unknown>[] {
    return this.inputsOf('journal.edit')
      .map((input) => input.edit as Record<string, unknown>)
      .filter((edit) => edit.type === type);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (p: EventPayload<E>) => void)(payload);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): Disposable {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(listener as AnyListener);
    return { dispose: () => set.delete(listener as AnyListener) };
  }

  listenerCount(): number {
    return [...this.listeners.values()].reduce((sum, set) => sum + set.size, 0);
  }

  /** Plays a whole run of a cell as main would announce it, and stores its output. */
  runCell(journalId: string, cellId: string, output: string, result: Partial<CellRun> = {}): CellRun {
    const run = this.startRun(journalId, cellId);
    this.emit('cell.data', { journalId, cellId, runId: run.runId, data: output });
    return this.finishRun(journalId, cellId, run, output, result);
  }

  startRun(journalId: string, cellId: string): CellRun {
    const run: CellRun = {
      runId: newId(),
      startedAt: '2025-01-01T00:00:00.000Z',
      durationMs: null,
      exitCode: null,
      cwd: '/work/project',
      interrupted: false,
      outputBytes: 0,
      outputTruncated: false,
    };
    this.recordRun(journalId, cellId, run);
    this.emit('cell.started', { journalId, cellId, run });
    return run;
  }

  finishRun(journalId: string, cellId: string, started: CellRun, output: string, result: Partial<CellRun> = {}): CellRun {
    const run: CellRun = { ...started, durationMs: 1234, exitCode: 0, outputBytes: output.length, ...result };
    this.recordRun(journalId, cellId, run);
    this.outputs.set(cellId, { output, truncated: run.outputTruncated });
    this.emit('cell.finished', { journalId, cellId, run });
    return run;
  }

  async call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
    this.log.push({ name, input });
    // Like a real transport: the answer comes later, never within the caller's turn.
    await Promise.resolve();
    const failure = this.failures.get(name);
    if (failure !== undefined) {
      this.failures.delete(name);
      throw new RemoteError('failed', failure);
    }
    const handler = this.handlers[name];
    if (!handler) throw new RemoteError('not-available', `the fake API does not answer ${name}`);
    return await handler(input);
  }

  private workspaceInfo(): CallOutput<'workspace.info'> {
    return {
      path: this.workspacePath,
      name: this.workspacePath?.split('/').at(-1) ?? null,
      journals: [...this.journals.values()].map(({ journal, problem }) => ({
        id: journal.id,
        title: journal.title,
        createdAt: journal.createdAt,
        stepCount: journal.steps.length,
        problem,
      })),
    };
  }

  private opened(journalId: string): CallOutput<'journal.open'> {
    const stored = this.journals.get(journalId);
    if (!stored) throw new RemoteError('not-found', `no journal ${journalId}`);
    if (stored.problem) throw new RemoteError('bad-journal', stored.problem);
    return { journal: stored.journal, trusted: stored.trusted, runningCellId: null, version: stored.version };
  }

  /** As main records a run: only on a cell that is (still) in the journal. */
  private recordRun(journalId: string, cellId: string, run: CellRun): void {
    if (findCell(this.journal(journalId), cellId)) this.change(journalId, { type: 'recordRun', cellId, run });
  }

  /** Applies a change as main does: the next version, announced as `journal.changed` and answered to the caller. */
  change(journalId: string, change: JournalChange): CallOutput<'journal.edit'> {
    const stored = this.journals.get(journalId);
    if (!stored) throw new RemoteError('not-found', `no journal ${journalId}`);
    stored.journal = applyChange(stored.journal, change);
    const update = { version: ++stored.version, change };
    this.emit('journal.changed', { journalId, ...update });
    return update;
  }

  // The journal's calls; tests of other parts add theirs.
  private readonly handlers: { [K in CallName]?: (input: CallInput<K>) => CallOutput<K> | Promise<CallOutput<K>> } = {
    'workspace.info': () => this.workspaceInfo(),
    'workspace.open': (input) => {
      this.workspacePath = input.path;
      return this.workspaceInfo();
    },
    'workspace.files': (input) => (input.query.trim() ? fuzzyRank(input.query, this.files) : this.files),
    'journal.create': (input) => this.opened(this.addJournal(input.title).id),
    'journal.open': (input) => this.opened(input.journalId),
    'journal.close': () => ({}),
    'journal.edit': (input) => this.change(input.journalId, input.edit),
    'journal.trust': (input) => {
      this.journals.get(input.journalId)!.trusted = true;
      return this.opened(input.journalId);
    },
    'journal.search': (input) => searchJournal(this.journal(input.journalId), input.query, (cellId) => this.outputs.get(cellId)?.output ?? null),
    'journal.export': (input) => ({
      path: `${this.workspacePath}/journal-export.md`,
      markdown: exportJournalMarkdown(this.journal(input.journalId), (cellId) => this.outputs.get(cellId)?.output ?? null),
    }),
    'cell.run': () => ({ runId: newId() }),
    'cell.interrupt': () => ({}),
    'cell.input': () => ({}),
    'cell.resize': () => ({}),
    'cell.output': (input) => this.outputs.get(input.cellId) ?? { output: '', truncated: false },
    'attachment.add': (input) => this.addAttachment(input.journalId, input.stepId, input.attachment),
    'attachment.read': (input) => {
      const attachment = this.journal(input.journalId)
        .steps.flatMap((step) => step.attachments)
        .find((a) => a.id === input.attachmentId);
      if (!attachment) throw new RemoteError('not-found', 'no such attachment');
      return { kind: attachment.kind, title: attachment.title, text: this.attachmentTexts.get(attachment.id) ?? '', truncated: false };
    },
    'shell.openExternal': () => ({}),
    // No unsaved buffers from an earlier run (EditorFakeApi keeps them).
    'editor.backups': () => [],
    'window.state': () => this.windowState,
    'assistant.documentFit': (input) => this.documentFit(input),
    'heads.profile': () => this.headProfile(),
    'window.saveState': (change) => {
      this.windowState = { ...this.windowState, ...change };
      return {};
    },
    'assistant.status': () => this.assistantStatus,
    'assistant.complete': (input) => this.complete(input),
    'assistant.cancel': () => ({}),
    'models.list': () => this.catalog,
    'models.addLocal': (input) => {
      const model = { id: newId(), name: input.path.split('/').at(-1)!, path: input.path, sizeBytes: 1_000_000, origin: 'local' as const };
      return (this.catalog = { ...this.catalog, installed: [...this.catalog.installed, model], selectedId: this.catalog.selectedId ?? model.id });
    },
    'models.select': (input) => (this.catalog = { ...this.catalog, selectedId: input.id }),
    'models.remove': (input) => (this.catalog = { ...this.catalog, installed: this.catalog.installed.filter((m) => m.id !== input.id) }),
    'models.compress': (input) => {
      const source = this.catalog.installed.find((m) => m.id === input.id)!;
      const name = `${source.name.replace(/\.gguf$/, '')}-${input.type}.gguf`;
      const copy = { id: newId(), name, path: `/user/models/${name}`, sizeBytes: Math.round(source.sizeBytes / 3), origin: 'compressed' as const };
      return (this.catalog = { ...this.catalog, installed: [...this.catalog.installed, copy] });
    },
    'models.download': (input) => this.setDownload(input.recommendedId, 'downloading'),
    'models.pause': (input) => this.setDownload(input.id, 'paused'),
    'models.resume': (input) => this.setDownload(input.id, 'downloading'),
    'models.cancel': (input) => this.setDownload(input.id, 'cancelled'),
    'settings.get': () => this.settings,
    'serveApi.status': () => (this.settings.serveApi.enabled
      ? { state: 'on' as const, url: `http://127.0.0.1:${this.settings.serveApi.port}`, token: 'fake-serve-token', message: null }
      : { state: 'off' as const, url: null, token: null, message: null }),
    'settings.update': ({ engine, ...input }) => {
      // As main answers: the token only as whether one is set (kept when absent).
      const before = this.settings.engine;
      const view = engine?.kind === 'local' || !engine ? engine : { kind: engine.kind, url: engine.url, model: engine.model, tokenSet: engine.token === undefined ? before.kind !== 'local' && before.tokenSet : engine.token !== null };
      return (this.settings = { ...this.settings, ...input, ...(view ? { engine: view } : {}) });
    },
  };

  /** Moves a download (created from the recommended model on first use) to `state`, as main answers. */
  private setDownload(id: string, state: DownloadState['state']): DownloadState {
    const existing = this.catalog.downloads.find((d) => d.id === id);
    const name = this.catalog.recommended.find((m) => m.id === id)?.name ?? id;
    const download: DownloadState = { id, name, downloadedBytes: 0, totalBytes: null, error: null, ...existing, state };
    const others = this.catalog.downloads.filter((d) => d.id !== id);
    this.catalog = { ...this.catalog, downloads: state === 'cancelled' ? others : [...others, download] };
    return download;
  }

  private addAttachment(journalId: string, stepId: string, added: CallInput<'attachment.add'>['attachment']): CallOutput<'attachment.add'> {
    const id = newId();
    const source = added.kind === 'url' ? added.url : added.kind === 'text' ? '' : added.kind === 'package-docs' ? added.packageName : added.path;
    const title =
      added.kind === 'text' ? added.title
      : added.kind === 'url' ? (added.title ?? added.url)
      : added.kind === 'package-docs' ? `${added.packageName} docs`
      : added.path.split('/').at(-1)!;
    const text = added.kind === 'text' ? added.text : `contents of ${source}`;
    this.attachmentTexts.set(id, text);
    const attachment = { id, kind: added.kind, title, source, sizeBytes: text.length, addedAt: '2025-01-01T00:00:00.000Z' };
    return this.change(journalId, { type: 'attach', stepId, attachment });
  }
}

/** A suggestion report as the engine gives one, with `fields` over plain defaults. */
export function fakeReport(fields: Partial<SuggestionReport> = {}): SuggestionReport {
  return {
    requestId: 'r1',
    engine: { kind: 'local' },
    mode: 'sparse',
    format: 'qwen-fim',
    notes: [],
    documents: [],
    cursorPrefix: 'const x = ',
    cursorSuffix: ';\n',
    promptTokens: 120,
    computedTokens: 20,
    reusedTokens: 100,
    timeToFirstTokenMs: 42.5,
    tokensPerSecond: 31.25,
    totalMs: 80,
    ...fields,
  };
}

/** A journal store opened on `journal` as main would open it, with reported errors collected. */
export async function openJournalStore(fake: FakeApi, journal: Journal) {
  const errors: unknown[] = [];
  const opened = await fake.call('journal.open', { journalId: journal.id });
  const store = createJournalStore(fake, opened, (error) => errors.push(error));
  return { store, errors, state: () => store.getState() };
}
