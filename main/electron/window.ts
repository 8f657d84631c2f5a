import { BrowserWindow, dialog, net, protocol, session, shell, type WebContents, type WebFrameMain, type WebPreferences } from 'electron';
import { isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { externalLink, linkRefused } from '../../app/text/links';

/**
 * The page is served from its own scheme rather than file://, so the grantFileProtocolExtraPrivileges fuse can
 * be off (a file:// page could otherwise read any local file) and the page's origin covers only its own files.
 */
const APP_SCHEME = 'steerway';
const APP_HOST = 'app';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Before the app is ready: the scheme is standard (relative URLs, an origin) and secure (the clipboard API needs that). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
  ]);
}

/** The file inside `rendererDir` that an app URL names; null for another scheme or host, `..`, or a bad escape. */
export function appFilePath(url: string, rendererDir: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
    const path = decodeURIComponent(parsed.pathname);
    if (path.includes('\0')) return null;
    const file = resolve(rendererDir, `.${path}`);
    const inside = relative(rendererDir, file);
    return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? null : file;
  } catch {
    return null;
  }
}

/** Answers the app scheme with the built renderer's files, and 404 for anything else. */
export function serveAppFiles(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const file = request.method === 'GET' ? appFilePath(request.url, rendererDir) : null;
    if (file) {
      try {
        const response = await net.fetch(pathToFileURL(file).href);
        if (response.ok) return response;
      } catch {
        // A missing file: answered as not found below.
      }
    }
    return new Response('Not found', { status: 404 });
  });
}

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

/** Only http, https and mailto leave the app (EXTERNAL_LINK_SCHEMES); `file:`, `smb:`, custom schemes never reach the OS. */
export async function openExternalSafely(url: string): Promise<void> {
  const allowed = externalLink(url);
  if (!allowed) throw new Error(linkRefused(url));
  await shell.openExternal(allowed);
}

/** IPC is answered only for the app's own top-level page, not for a frame that navigated elsewhere. */
export function isTrustedSender(frame: WebFrameMain | null | undefined, appUrl: string): boolean {
  if (!frame || frame.parent !== null) return false;
  return isAppUrl(frame.url, appUrl, { samePage: true });
}

/** Whether `url` has the app's scheme and host (its origin); with `samePage`, its document too. */
function isAppUrl(url: string, appUrl: string, { samePage }: { samePage: boolean }): boolean {
  try {
    const page = new URL(url);
    const app = new URL(appUrl);
    return page.protocol === app.protocol && page.host === app.host && (!samePage || page.pathname === app.pathname);
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
    const allowed = externalLink(url);
    if (allowed) void shell.openExternal(allowed);
    return { action: 'deny' };
  });
}

/** The one permission the app needs: writing the clipboard (a cell's Copy, Ctrl+C in its output). */
const GRANTED_PERMISSION = 'clipboard-sanitized-write';

/**
 * Granted only to the app's own top-level page. A check may name just the origin (no document URL): the app
 * scheme serves nothing but the app, so its origin is the app.
 */
function isPermissionGranted(permission: string, details: { isMainFrame: boolean; requestingUrl?: string }, appUrl: string): boolean {
  if (permission !== GRANTED_PERMISSION || !details.isMainFrame || !details.requestingUrl) return false;
  return isAppUrl(details.requestingUrl, appUrl, { samePage: false });
}

/** Every other permission (camera, notifications, geolocation, clipboard reads, ...) is denied, asked or checked. */
export function grantOnlyClipboardWrite(appUrl: string): void {
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isPermissionGranted(permission, details, appUrl)),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    isPermissionGranted(permission, { isMainFrame: details.isMainFrame, requestingUrl: details.requestingUrl ?? requestingOrigin }, appUrl),
  );
}

/** The buttons of the close guard's question; the second is the default and what Escape picks. */
const UNSAVED_CLOSE_BUTTONS = ['Leave', 'Stay'] as const;

/**
 * The page's `beforeunload` (set only while an editor tab is dirty) would cancel a close or reload silently in
 * Electron: ask the user instead, as a browser does.
 */
export function guardUnsavedClose(window: BrowserWindow): void {
  window.webContents.on('will-prevent-unload', (event) => {
    const choice = dialog.showMessageBoxSync(window, {
      type: 'question',
      buttons: [...UNSAVED_CLOSE_BUTTONS],
      defaultId: 1,
      cancelId: 1,
      message: 'Leave with unsaved changes?',
      detail: 'Files open in the editor have changes that are not saved. They are kept and come back the next time Steerway starts, but not written to the files.',
    });
    // Preventing this event lets the unload go ahead.
    if (choice === 0) event.preventDefault();
  });
}

export function createMainWindow(options: { preloadPath: string; url: string }): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    show: false,
    title: 'Steerway',
    webPreferences: secureWebPreferences(options.preloadPath),
  });
  hardenWebContents(window.webContents);
  guardUnsavedClose(window);
  window.once('ready-to-show', () => window.show());
  void window.loadURL(options.url);
  return window;
}
