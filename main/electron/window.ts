import { BrowserWindow, session, shell, type WebContents, type WebFrameMain, type WebPreferences } from 'electron';

/** The settings Electron's security checklist asks for; a test asserts every one. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    spellcheck: false,
  };
}

/** Only http and https leave the app; `file:`, `smb:`, custom schemes and the rest never reach the OS. */
export function isExternalUrlAllowed(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

export async function openExternalSafely(url: string): Promise<void> {
  if (!isExternalUrlAllowed(url)) throw new Error(`Refused to open ${url}: only http and https links open outside the app.`);
  await shell.openExternal(url);
}

/** IPC is answered only for the app's own top-level page, not for a frame that navigated elsewhere. */
export function isTrustedSender(frame: WebFrameMain | null | undefined, appUrl: string): boolean {
  if (!frame || frame.parent !== null) return false;
  try {
    const sender = new URL(frame.url);
    const app = new URL(appUrl);
    return sender.protocol === app.protocol && sender.host === app.host && sender.pathname === app.pathname;
  } catch {
    return false;
  }
}

/** Navigation away, new windows and webviews are denied; links the user clicks open in the system browser. */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalUrlAllowed(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

/** No permission (camera, notifications, geolocation, ...) is ever granted to page content. */
export function denyAllPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

export function createMainWindow(options: { preloadPath: string; indexHtml: string }): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    show: false,
    title: 'Steerway',
    webPreferences: secureWebPreferences(options.preloadPath),
  });
  hardenWebContents(window.webContents);
  window.once('ready-to-show', () => window.show());
  void window.loadFile(options.indexHtml);
  return window;
}
