import { join } from 'node:path';
import type { EventName, EventPayload } from '../app/ipc/contract';
import { PtyHost } from './pty/ptyHost';
import { startWebServer, type RunningWebServer } from './server/webServer';
import { SteerwayServices } from './services/steerwayServices';
import { TrustStore } from './storage/trustStore';
import { userDataDir } from './storage/userData';
import { createDispatcher } from './transport/dispatcher';

export interface BrowserModeOptions {
  workspace: string | null;
  port: number | null;
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
  const services = new SteerwayServices({
    workspacePath: options.workspace,
    trust: new TrustStore(userDataDir()),
    ptyHost,
    emit: <E extends EventName>(event: E, payload: EventPayload<E>) => server?.broadcast(event, payload),
    // The page opens links itself (a new tab, without opener); main has nothing to launch.
    openExternal: async () => undefined,
  });
  try {
    await services.init();
    server = await startWebServer({
      staticRoot: options.staticRoot,
      dispatch: createDispatcher(services.handlers, options.log),
      port: options.port ?? 0,
      log: options.log,
    });
  } catch (error) {
    await services.dispose();
    await ptyHost.dispose();
    throw error;
  }
  const running = server;
  return {
    server: running,
    async stop() {
      await running.close();
      await services.dispose();
      await ptyHost.dispose();
    },
  };
}

export function builtRendererFolder(bundleDir: string): string {
  return join(bundleDir, '../renderer');
}
