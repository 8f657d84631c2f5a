import { beforeEach, describe, expect, it, vi } from 'vitest';

// `require('electron')` throws under plain Node: stand in for the parts the window code uses.
const electron = vi.hoisted(() => {
  type Handler = (...args: unknown[]) => unknown;
  class FakeWebContents {
    handlers = new Map<string, Handler>();
    windowOpenHandler: Handler | null = null;
    on(name: string, handler: Handler) {
      this.handlers.set(name, handler);
      return this;
    }
    setWindowOpenHandler(handler: Handler) {
      this.windowOpenHandler = handler;
    }
  }
  class FakeBrowserWindow {
    static created: FakeBrowserWindow[] = [];
    webContents = new FakeWebContents();
    loaded: string | null = null;
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      FakeBrowserWindow.created.push(this);
    }
    once() {}
    show() {}
    async loadFile(file: string) {
      this.loaded = file;
    }
  }
  const permissionHandlers: { request?: Handler; check?: Handler } = {};
  return {
    BrowserWindow: FakeBrowserWindow,
    shell: { openExternal: vi.fn(async () => undefined) },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: Handler) => (permissionHandlers.request = h),
        setPermissionCheckHandler: (h: Handler) => (permissionHandlers.check = h),
      },
    },
    permissionHandlers,
  };
});
vi.mock('electron', () => electron);

const { createMainWindow, denyAllPermissions, isTrustedSender, openExternalSafely } = await import('../../../main/electron/window');

beforeEach(() => electron.shell.openExternal.mockClear());

describe('Electron window security', () => {
  it('creates the window with isolation, sandbox, no Node and the preload only', () => {
    createMainWindow({ preloadPath: '/app/out/main/preload.cjs', indexHtml: '/app/out/renderer/index.html' });
    const window = electron.BrowserWindow.created.at(-1)!;
    expect(window.options.webPreferences).toMatchObject({
      preload: '/app/out/main/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(window.loaded).toBe('/app/out/renderer/index.html');
  });

  it('denies navigation, redirects, webviews and new windows; opens only http(s) links outside', () => {
    createMainWindow({ preloadPath: 'p', indexHtml: 'i' });
    const contents = electron.BrowserWindow.created.at(-1)!.webContents;
    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = { preventDefault: vi.fn() };
      contents.handlers.get(name)!(event);
      expect(event.preventDefault, name).toHaveBeenCalled();
    }
    expect(contents.windowOpenHandler!({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' });
    expect(electron.shell.openExternal).toHaveBeenCalledWith('https://example.com/docs');
    for (const url of ['file:///etc/passwd', 'smb://host/share', 'ms-msdt:/id', 'javascript:alert(1)']) {
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(electron.shell.openExternal).toHaveBeenCalledTimes(1);
  });

  it('limits openExternal to http and https', async () => {
    await openExternalSafely('http://localhost:3000/');
    await expect(openExternalSafely('smb://evil/share')).rejects.toThrow(/only http and https/);
    await expect(openExternalSafely('file:///bin/sh')).rejects.toThrow(/only http and https/);
    expect(electron.shell.openExternal).toHaveBeenCalledTimes(1);
  });

  it('grants no permission to page content', () => {
    denyAllPermissions();
    const callback = vi.fn();
    electron.permissionHandlers.request!({}, 'media', callback);
    expect(callback).toHaveBeenCalledWith(false);
    expect(electron.permissionHandlers.check!({}, 'notifications')).toBe(false);
  });

  it('answers IPC only from the app page in the top frame', () => {
    const app = 'file:///app/out/renderer/index.html';
    const frame = (url: string, parent: unknown = null) => ({ url, parent }) as never;
    expect(isTrustedSender(frame('file:///app/out/renderer/index.html#step'), app)).toBe(true);
    expect(isTrustedSender(frame('file:///app/out/renderer/index.html', {}), app)).toBe(false);
    expect(isTrustedSender(frame('https://evil.example/'), app)).toBe(false);
    expect(isTrustedSender(frame('file:///tmp/other.html'), app)).toBe(false);
    expect(isTrustedSender(null, app)).toBe(false);
  });
});
