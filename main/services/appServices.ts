import { join } from 'node:path';
import { ModelManager } from '../models/modelManager';
import type { CallHandlers, EventSink } from '../transport/dispatcher';
import { AssistantService } from '../assistant/assistantService';
import { EngineClient } from '../assistant/engineClient';
import { ServeApiService } from '../api/serveApiService';
import type { HostLauncher } from '../../base/node/hostChannel';
import { EditorBuffers } from './editorBuffers';
import { FileService } from './fileService';
import { HotExit } from './hotExit';
import { SteerwayServices, type ServicesOptions } from './steerwayServices';
import { WindowStateStore } from './windowState';

export interface AppServicesOptions extends ServicesOptions {
  /** Where settings, models and the trust key live. */
  userDataDir: string;
  /** `--model <file.gguf>` for this run, if given. */
  modelPath: string | null;
  /** The model shipped with the app, used when none is chosen; null runs without it. */
  bundledModelPath: string | null;
  /** Starts the engine host: Node's fork by default (browser mode); Electron passes its utility-process launcher. */
  engineLauncher?: HostLauncher;
}

/**
 * All of main's services, composed: the journal (steps, cells, attachments), workspace files for the
 * editor, the assistant (engine process, documents, suggestions) and the model manager. Services hear each
 * other through typed events (a journal changed), not through the events main sends the page.
 */
export class AppServices {
  private readonly emit: EventSink;
  readonly journals: SteerwayServices;
  /** Unsaved editor text, shared by the file service (writes it) and the assistant's documents (reads it). */
  readonly buffers = new EditorBuffers();
  readonly files: FileService;
  readonly assistant: AssistantService;
  /** The model served to editors on 127.0.0.1 when the `serveApi` setting is on, from the same engine. */
  readonly serveApi: ServeApiService;
  readonly handlers: CallHandlers;

  private constructor(options: AppServicesOptions, readonly models: ModelManager) {
    const emit = options.emit;
    this.emit = emit;
    this.journals = new SteerwayServices({ ...options, emit });
    const engine = new EngineClient({ launcher: options.engineLauncher });
    this.assistant = new AssistantService({
      journals: {
        journal: (journalId) => this.journals.openJournal(journalId),
        attachmentText: (journalId, attachmentId) => this.journals.attachmentText(journalId, attachmentId),
        trusted: (journalId) => this.journals.isTrusted(journalId),
        workspaceRoot: () => this.journals.currentWorkspace(),
      },
      buffers: this.buffers,
      models,
      engine,
      emit,
      userDataDir: options.userDataDir,
    });
    this.journals.onJournalChanged((journalId) => this.assistant.journalChanged(journalId));
    this.files = new FileService({
      workspace: () => this.journals.currentWorkspace(), buffers: this.buffers, emit,
      hotExit: new HotExit(join(options.userDataDir, 'hot-exit')),
    });
    this.serveApi = new ServeApiService({ engine, models, userDataDir: options.userDataDir, log: (message) => console.error(message) });
    this.handlers = {
      ...this.journals.handlers,
      'workspace.open': async (input) => {
        const info = await this.journals.handlers['workspace.open'](input);
        this.files.workspaceChanged();
        return info;
      },
      'journal.trust': async (input) => {
        const opened = await this.journals.handlers['journal.trust'](input);
        this.assistant.journalTrusted(input.journalId);
        return opened;
      },
      ...this.files.handlers,
      ...new WindowStateStore(join(options.userDataDir, 'window-state')).handlers(() => this.journals.currentWorkspace()),
      ...this.assistant.handlers,
      'assistant.documentFit': ({ journalId, attachmentId }) => this.assistant.documentFit(journalId, attachmentId),
      ...this.serveApi.handlers,
      ...models.handlers,
    };
  }

  static async create(options: AppServicesOptions): Promise<AppServices> {
    let services: AppServices | null = null;
    const models = await ModelManager.create({
      userDataDir: options.userDataDir,
      commandLineModel: options.modelPath,
      bundledModel: options.bundledModelPath,
      // A Hugging Face mirror, named as Hugging Face's own tools read it.
      hfEndpoint: process.env.HF_ENDPOINT,
      // Nothing is emitted before construction (downloads start on request), so binding late loses nothing.
      emit: (event, payload) => services?.emit(event, payload),
    });
    services = new AppServices(options, models);
    await services.journals.init();
    // The model loads in the background; the status bar follows it through 'assistant.status'.
    void services.assistant.start();
    void services.serveApi.start();
    return services;
  }

  async dispose(): Promise<void> {
    await this.serveApi.dispose();
    await this.assistant.dispose();
    await this.models.dispose();
    this.files.dispose();
    await this.journals.dispose();
  }
}
