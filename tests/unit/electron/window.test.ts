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
    async loadURL(url: string) {
      this.loaded = url;
    }
  }
  const permissionHandlers: { request?: Handler; check?: Handler } = {};
  const protocols = { privileged: [] as unknown[], handlers: new Map<string, (request: Request) => Promise<Response>>() };
  return {
    BrowserWindow: FakeBrowserWindow,
    dialog: { showMessageBoxSync: vi.fn((_window: unknown, _options: { buttons: string[] }) => 1) },
    shell: { openExternal: vi.fn(async () => undefined) },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => protocols.privileged.push(...schemes),
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) => protocols.handlers.set(scheme, handler),
    },
    // Electron's net.fetch reads file:// URLs; Node's fetch does not, so read the file here.
    net: {
      fetch: vi.fn(async (url: string) => {
        const { readFile } = await import('node:fs/promises');
        const { fileURLToPath } = await import('node:url');
        return new Response(await readFile(fileURLToPath(url)));
      }),
    },
    protocols,
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

const { APP_URL, appFilePath, createMainWindow, grantOnlyClipboardWrite, isTrustedSender, openExternalSafely, registerAppScheme, serveAppFiles } =
  await import('../../../main/electron/window');

beforeEach(() => {
  electron.shell.openExternal.mockClear();
  electron.net.fetch.mockClear();
});

describe('Electron window security', () => {
  it('creates the window with isolation, sandbox, no Node and the preload only', () => {
    createMainWindow({ preloadPath: '/app/out/main/preload.cjs', url: APP_URL });
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
    expect(window.loaded).toBe('steerway://app/index.html');
  });

  it('denies navigation, redirects, webviews and new windows; opens only http(s) links outside', () => {
    createMainWindow({ preloadPath: 'p', url: APP_URL });
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

  it('asks before a close that the page holds back (unsaved edits), and closes only on Leave', () => {
    createMainWindow({ preloadPath: 'p', url: APP_URL });
    const window = electron.BrowserWindow.created.at(-1)!;
    const guard = window.webContents.handlers.get('will-prevent-unload')!;
    for (const [answer, leaves] of [[1, false], [0, true]] as const) {
      electron.dialog.showMessageBoxSync.mockReturnValueOnce(answer);
      const event = { preventDefault: vi.fn() };
      guard(event);
      expect(event.preventDefault).toHaveBeenCalledTimes(leaves ? 1 : 0);
    }
    expect(electron.dialog.showMessageBoxSync).toHaveBeenCalledWith(window, expect.objectContaining({ buttons: ['Leave', 'Stay'], cancelId: 1 }));
  });

  it('limits openExternal to http, https and mailto', async () => {
    await openExternalSafely('http://localhost:3000/');
    await openExternalSafely('mailto:someone@example.com');
    await expect(openExternalSafely('smb://evil/share')).rejects.toThrow(/not an http, https or mailto link/);
    await expect(openExternalSafely('file:///bin/sh')).rejects.toThrow(/not an http, https or mailto link/);
    expect(electron.shell.openExternal.mock.calls).toEqual([['http://localhost:3000/'], ['mailto:someone@example.com']]);
  });

  it('grants the app page clipboard writes (Copy) and nothing else, asked or checked', () => {
    grantOnlyClipboardWrite(APP_URL);
    const request = (permission: string, details: object) => {
      const callback = vi.fn();
      electron.permissionHandlers.request!({}, permission, callback, details);
      expect(callback).toHaveBeenCalledTimes(1);
      return callback.mock.calls[0]![0] as boolean;
    };
    const check = (permission: string, origin: string, details: object) => electron.permissionHandlers.check!({}, permission, origin, details) as boolean;
    const appPage = { isMainFrame: true, requestingUrl: 'steerway://app/index.html' };

    expect(request('clipboard-sanitized-write', appPage)).toBe(true);
    expect(check('clipboard-sanitized-write', 'steerway://app', appPage)).toBe(true);
    // A check that names only the origin: the app scheme serves nothing else.
    expect(check('clipboard-sanitized-write', 'steerway://app', { isMainFrame: true })).toBe(true);

    for (const permission of ['clipboard-read', 'media', 'notifications', 'geolocation', 'openExternal', 'fileSystem', 'unknown']) {
      expect(request(permission, appPage), permission).toBe(false);
      expect(check(permission, 'steerway://app', appPage), permission).toBe(false);
    }
    for (const details of [
      { isMainFrame: false, requestingUrl: 'steerway://app/index.html' },
      { isMainFrame: true, requestingUrl: 'https://evil.example/' },
      { isMainFrame: true, requestingUrl: 'file:///app/out/renderer/index.html' },
      { isMainFrame: true, requestingUrl: 'steerway://other/index.html' },
      { isMainFrame: true, requestingUrl: 'not a url' },
    ]) {
      expect(request('clipboard-sanitized-write', details), details.requestingUrl).toBe(false);
      expect(check('clipboard-sanitized-write', 'steerway://app', details), details.requestingUrl).toBe(false);
    }
    expect(check('clipboard-sanitized-write', 'https://evil.example', { isMainFrame: true })).toBe(false);
  });

  it('answers IPC only from the app page in the top frame', () => {
    const frame = (url: string, parent: unknown = null) => ({ url, parent }) as never;
    expect(isTrustedSender(frame('steerway://app/index.html#step'), APP_URL)).toBe(true);
    expect(isTrustedSender(frame('steerway://app/index.html', {}), APP_URL)).toBe(false);
    expect(isTrustedSender(frame('https://evil.example/'), APP_URL)).toBe(false);
    expect(isTrustedSender(frame('steerway://app/other.html'), APP_URL)).toBe(false);
    expect(isTrustedSender(frame('file:///app/out/renderer/index.html'), APP_URL)).toBe(false);
    expect(isTrustedSender(null, APP_URL)).toBe(false);
  });

  it('registers the app scheme as standard and secure, before the app is ready', () => {
    registerAppScheme();
    expect(electron.protocols.privileged).toEqual([
      { scheme: 'steerway', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }) },
    ]);
  });

  it('maps app URLs to files inside the renderer folder only', () => {
    const dir = '/app/out/renderer';
    expect(appFilePath('steerway://app/index.html', dir)).toBe('/app/out/renderer/index.html');
    expect(appFilePath('steerway://app/assets/index-abc.js?v=1#x', dir)).toBe('/app/out/renderer/assets/index-abc.js');
    expect(appFilePath('steerway://app/assets/a%20b.css', dir)).toBe('/app/out/renderer/assets/a b.css');
    // The URL parser takes dot segments out first, so these stay inside.
    expect(appFilePath('steerway://app/../main/electron-main.cjs', dir)).toBe('/app/out/renderer/main/electron-main.cjs');
    expect(appFilePath('steerway://app/%2e%2e/main/electron-main.cjs', dir)).toBe('/app/out/renderer/main/electron-main.cjs');
    for (const url of [
      'steerway://app/assets/..%2f..%2fmain%2felectron-main.cjs',
      'steerway://app/%2F..%2F..%2Fetc%2Fpasswd',
      'steerway://app/%00index.html',
      'steerway://app/%zz',
      'steerway://app/',
      'steerway://other/index.html',
      'file:///app/out/renderer/index.html',
      'https://app/index.html',
    ]) {
      expect(appFilePath(url, dir), url).toBeNull();
    }
  });

  it('serves the built renderer over the app scheme, and 404 for anything outside it', async () => {
    const { mkdtemp, mkdir, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const root = await mkdtemp(join(tmpdir(), 'steerway-app-'));
    const dir = join(root, 'renderer');
    await mkdir(join(dir, 'assets'), { recursive: true });
    await writeFile(join(dir, 'index.html'), '<!doctype html>');
    await writeFile(join(root, 'secret.txt'), 'outside');
    serveAppFiles(dir);
    const handler = electron.protocols.handlers.get('steerway')!;
    const get = (url: string, method = 'GET') => handler(new Request(url, { method }));

    const page = await get('steerway://app/index.html');
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<!doctype html>');
    expect((await get('steerway://app/assets/..%2f..%2fsecret.txt')).status).toBe(404);
    expect((await get('steerway://app/missing.js')).status).toBe(404);
    expect((await get('steerway://app/index.html', 'POST')).status).toBe(404);
    expect(electron.net.fetch).toHaveBeenCalledTimes(2);
  });
});
