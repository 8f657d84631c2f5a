import { join } from 'node:path';
import type { EventName, EventPayload } from '../app/ipc/contract';
import { PtyHost } from './pty/ptyHost';
import { startWebServer, type RunningWebServer } from './server/webServer';
import { AppServices } from './services/appServices';
import { TrustStore } from './storage/trustStore';
import { userDataDir } from './storage/userData';
import { createDispatcher } from './transport/dispatcher';

export interface BrowserModeOptions {
  workspace: string | null;
  port: number | null;
  modelPath: string | null;
  bundledModelPath: string | null;
  /** Folder of the built renderer. */
  staticRoot: string;
  log: (message: string) => void;
}

export interface RunningBrowserMode {
  readonly server: RunningWebServer;
  stop(): Promise<void>;
}

/** The app without Electron: the same services, the renderer over HTTP, the contract over a WebSocket. */
export async function startBrowserMode(options: BrowserModeOptions): Promise<RunningBrowserMode> {
  const ptyHost = PtyHost.start({});
  let server: RunningWebServer | null = null;
  const userData = userDataDir();
  let services: AppServices | null = null;
  try {
    services = await AppServices.create({
      workspacePath: options.workspace,
      userDataDir: userData,
      modelPath: options.modelPath,
      bundledModelPath: options.bundledModelPath,
      trust: new TrustStore(userData),
      ptyHost,
      emit: <E extends EventName>(event: E, payload: EventPayload<E>) => server?.broadcast(event, payload),
      // The page opens links itself (a new tab, without opener); main has nothing to launch.
      openExternal: async () => undefined,
    });
    server = await startWebServer({
      staticRoot: options.staticRoot,
      dispatch: createDispatcher(services.handlers, options.log),
      port: options.port ?? 0,
      log: options.log,
    });
  } catch (error) {
    await services?.dispose();
    await ptyHost.dispose();
    throw error;
  }
  const ready = services;
  const running = server;
  return {
    server: running,
    async stop() {
      await running.close();
      await ready.dispose();
      await ptyHost.dispose();
    },
  };
}

export function builtRendererFolder(bundleDir: string): string {
  return join(bundleDir, '../renderer');
}
