import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AssistantSettings } from '../../app/completion/schemas';
import type { ServeApiSettings, ServeApiStatus } from '../../app/completion/serveApi';
import type { EngineClientLike } from '../assistant/engineClient';
import type { ModelSource } from '../assistant/modelSource';
import { newToken } from '../server/loopbackGuard';
import { writeFileAtomic } from '../storage/atomicFile';
import { startCompletionApi, type RunningCompletionApi } from './httpApi';

export type ServeApiCall = 'serveApi.status';

export interface ServeApiServiceOptions {
  /** The app's own engine client: editors get the model the app suggests with. */
  engine: Pick<EngineClientLike, 'state' | 'complete' | 'cancel'>;
  models: Pick<ModelSource, 'activeModel' | 'settings' | 'onSettingsChanged'>;
  userDataDir: string;
  log?: (message: string) => void;
}

/** Kept in the user data folder (owner-only), so an editor's configured key keeps working across restarts. */
export const SERVE_TOKEN_FILE = 'serve-token';
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,}$/;

/**
 * The app's "serve the model to editors" switch: the completion API (main/api/httpApi.ts) on 127.0.0.1, sharing
 * the app's engine client, started and stopped as the `serveApi` setting says.
 */
export class ServeApiService {
  private running: RunningCompletionApi | null = null;
  private current: ServeApiStatus = { state: 'off', url: null, token: null, message: null };
  /** Starts and stops run one after another, in the order the settings changed. */
  private applying: Promise<void> = Promise.resolve();
  private readonly unsubscribe: () => void;
  readonly handlers: { 'serveApi.status': () => Promise<ServeApiStatus> };

  constructor(private readonly options: ServeApiServiceOptions) {
    this.unsubscribe = options.models.onSettingsChanged((settings) => void this.apply(settings));
    this.handlers = { 'serveApi.status': async () => this.settled() };
  }

  /** Applies the stored setting (call once at start). */
  start(): Promise<void> {
    return this.apply(this.options.models.settings());
  }

  status(): ServeApiStatus {
    return { ...this.current };
  }

  /** The status once every start or stop asked for so far is done. */
  async settled(): Promise<ServeApiStatus> {
    await this.applying;
    return this.status();
  }

  private apply(settings: AssistantSettings): Promise<void> {
    this.applying = this.applying.then(() => this.switchTo(settings.serveApi));
    return this.applying;
  }

  private async switchTo(wanted: ServeApiSettings): Promise<void> {
    const running = this.running;
    if (running && wanted.enabled && running.port === wanted.port) return;
    if (running) {
      this.running = null;
      await running.close();
    }
    if (!wanted.enabled) {
      this.current = { state: 'off', url: null, token: null, message: null };
      return;
    }
    try {
      const token = await this.token();
      this.running = await startCompletionApi({
        engine: this.options.engine,
        modelName: () => {
          const model = this.options.models.activeModel();
          return model ? basename(model.path) : null;
        },
        port: wanted.port,
        token,
        log: this.options.log,
      });
      this.current = { state: 'on', url: this.running.url, token, message: null };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const message = code === 'EADDRINUSE' ? `Port ${wanted.port} is in use by another program; choose another port.` : `The server could not start: ${(error as Error).message}`;
      this.options.log?.(`serve api: ${message}`);
      this.current = { state: 'error', url: null, token: null, message };
    }
  }

  private async token(): Promise<string> {
    const file = join(this.options.userDataDir, SERVE_TOKEN_FILE);
    const stored = await readFile(file, 'utf8').then((text) => text.trim(), () => null);
    if (stored && TOKEN_SHAPE.test(stored)) return stored;
    const token = newToken();
    // Atomic: a crash mid-write must not leave a cut token that editors configured with the whole one would fail.
    await writeFileAtomic(file, `${token}\n`, { mode: 0o600 });
    return token;
  }

  async dispose(): Promise<void> {
    this.unsubscribe();
    await this.applying;
    const running = this.running;
    this.running = null;
    await running?.close();
  }
}
