import type { CallName } from '../../app/ipc/contract';
import { UserFacingError, type CallHandlers, type EventSink } from '../transport/dispatcher';
import { EditorBuffers } from './editorBuffers';
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
  readonly journals: SteerwayServices;
  /** Unsaved editor text, shared by the file service (writes it) and the assistant's documents (reads it). */
  readonly buffers = new EditorBuffers();
  readonly handlers: CallHandlers;

  private constructor(options: AppServicesOptions) {
    const emit: EventSink = (event, payload) => {
      options.emit(event, payload);
      for (const listener of this.eventListeners) listener(event, payload);
    };
    this.journals = new SteerwayServices({ ...options, emit });
    this.handlers = {
      ...this.journals.handlers,
      ...notYetAvailable(['file.list', 'file.read', 'file.write', 'file.watch', 'editor.buffer']),
      ...notYetAvailable(['assistant.status', 'assistant.complete', 'assistant.cancel']),
      ...notYetAvailable(['models.list', 'models.addLocal', 'models.select', 'models.remove', 'models.download', 'models.pause', 'models.resume', 'models.cancel', 'settings.get', 'settings.update']),
    };
  }

  static async create(options: AppServicesOptions): Promise<AppServices> {
    const services = new AppServices(options);
    await services.journals.init();
    return services;
  }

  /** Lets a service of main react to events (a journal changed, a step became current). */
  onEvent(listener: EventSink): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  async dispose(): Promise<void> {
    await this.journals.dispose();
  }
}
