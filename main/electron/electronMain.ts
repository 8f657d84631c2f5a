import { app, BrowserWindow, ipcMain } from 'electron';
import { join } from 'node:path';
import type { EventName, EventPayload } from '../../app/ipc/contract';
import { PtyHost, defaultPtyHostEntry } from '../pty/ptyHost';
import { BUNDLED_MODEL_FILE } from '../models/modelManager';
import { AppServices } from '../services/appServices';
import { TrustStore } from '../storage/trustStore';
import { createDispatcher } from '../transport/dispatcher';
import { parseStartArgs } from '../startArgs';
import { utilityHostLauncher } from './utilityHostLauncher';
import {
  APP_URL,
  createMainWindow,
  grantOnlyClipboardWrite,
  hardenWebContents,
  isTrustedSender,
  openExternalSafely,
  registerAppScheme,
  serveAppFiles,
} from './window';

/** Electron's main process: the services of main/, one window, and the contract over IPC. */

const rendererDir = join(__dirname, '../renderer');
const args = parseStartArgs(process.argv.slice(app.isPackaged ? 1 : 2));

app.enableSandbox();
registerAppScheme();
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));

function broadcast<E extends EventName>(event: E, payload: EventPayload<E>): void {
  for (const window of BrowserWindow.getAllWindows()) window.webContents.send('steerway:event', event, payload);
}

void app.whenReady().then(async () => {
  serveAppFiles(rendererDir);
  grantOnlyClipboardWrite(APP_URL);
  const ptyHost = PtyHost.start({ launcher: utilityHostLauncher('Steerway pty host'), entryPath: defaultPtyHostEntry() });
  const services = await AppServices.create({
    workspacePath: args.workspace,
    userDataDir: app.getPath('userData'),
    modelPath: args.model,
    bundledModelPath: args.defaultModel ? join(app.isPackaged ? process.resourcesPath : join(__dirname, '../..'), BUNDLED_MODEL_FILE) : null,
    engineLauncher: utilityHostLauncher('Steerway engine'),
    trust: new TrustStore(app.getPath('userData')),
    ptyHost,
    emit: broadcast,
    openExternal: openExternalSafely,
  });
  const dispatch = createDispatcher(services.handlers, (message) => console.error(message));

  ipcMain.handle('steerway:call', (event, name: unknown, input: unknown) => {
    if (!isTrustedSender(event.senderFrame, APP_URL)) {
      return { ok: false, error: { code: 'forbidden', message: 'IPC from an unexpected frame was refused.' } };
    }
    return dispatch(name, input);
  });

  createMainWindow({ preloadPath: join(__dirname, 'preload.cjs'), url: APP_URL });

  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    // End every shell and flush every save before Electron exits.
    event.preventDefault();
    quitting = true;
    void services.dispose().finally(() => void ptyHost.dispose().finally(() => app.quit()));
  });
});

app.on('window-all-closed', () => app.quit());
