import type { CallName } from '../../app/ipc/contract';
import { ModelManager } from '../models/modelManager';
import { UserFacingError, type CallHandlers, type EventSink } from '../transport/dispatcher';
import { EditorBuffers } from './editorBuffers';
import { FileService } from './fileService';
import { SteerwayServices, type ServicesOptions } from './steerwayServices';

/** The calls each service answers; together they must cover the whole contract (the type checker says so). */
export type HandlersOf<K extends CallName> = Pick<CallHandlers, K>;

export interface AppServicesOptions extends ServicesOptions {
  /** Where settings, models and the trust key live. */
  userDataDir: string;
  /** `--model <file.gguf>` for this run, if given. */
  modelPath: string | null;
}

// Calls of the editor and the assistant whose services are being built; each answers clearly until then.
const notYetAvailable = <K extends CallName>(names: readonly K[]): HandlersOf<K> =>
  Object.fromEntries(
    names.map((name) => [name, async () => {
      throw new UserFacingError('not-available', `${name} is not available in this build yet.`);
    }]),
  ) as unknown as HandlersOf<K>;

/**
 * All of main's services, composed: the journal (steps, cells, attachments), workspace files for the
 * editor, the assistant (engine process, documents, suggestions) and the model manager. Main's own
 * services also hear every event it sends, through `onEvent`.
 */
export class AppServices {
  private readonly eventListeners = new Set<EventSink>();
  private readonly emit: EventSink;
  readonly journals: SteerwayServices;
  /** Unsaved editor text, shared by the file service (writes it) and the assistant's documents (reads it). */
  readonly buffers = new EditorBuffers();
  readonly files: FileService;
  readonly handlers: CallHandlers;

  private constructor(options: AppServicesOptions, readonly models: ModelManager) {
    const emit: EventSink = (event, payload) => {
      options.emit(event, payload);
      for (const listener of this.eventListeners) listener(event, payload);
    };
    this.emit = emit;
    this.journals = new SteerwayServices({ ...options, emit });
    this.files = new FileService({ workspace: () => this.journals.currentWorkspace(), buffers: this.buffers, emit });
    this.handlers = {
      ...this.journals.handlers,
      'workspace.open': async (input) => {
        const info = await this.journals.handlers['workspace.open'](input);
        this.files.workspaceChanged();
        return info;
      },
      ...this.files.handlers,
      ...notYetAvailable(['assistant.status', 'assistant.complete', 'assistant.cancel']),
      ...models.handlers,
    };
  }

  static async create(options: AppServicesOptions): Promise<AppServices> {
    let services: AppServices | null = null;
    const models = await ModelManager.create({
      userDataDir: options.userDataDir,
      commandLineModel: options.modelPath,
      // Nothing is emitted before construction (downloads start on request), so binding late loses nothing.
      emit: (event, payload) => services?.emit(event, payload),
    });
    services = new AppServices(options, models);
    await services.journals.init();
    return services;
  }

  /** Lets a service of main react to events (a journal changed, a step became current). */
  onEvent(listener: EventSink): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  async dispose(): Promise<void> {
    await this.models.dispose();
    this.files.dispose();
    await this.journals.dispose();
  }
}
