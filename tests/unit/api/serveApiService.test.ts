// The app's serveApi switch: the completion API follows the setting (on, port moved, off), shares the app's
// engine, keeps one owner-only token across restarts, and reports a taken port.
import fs from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ASSISTANT_SETTINGS, type AssistantSettings, type ModelInfo } from '../../../app/completion/schemas';
import type { CompleteCall, CompleteResult } from '../../../main/assistant/engineClient';
import { SERVE_TOKEN_FILE, ServeApiService } from '../../../main/api/serveApiService';
import { HOST_REPORT } from '../assistant/fakeHost';

class FakeModels {
  current: AssistantSettings = { ...DEFAULT_ASSISTANT_SETTINGS };
  private readonly listeners = new Set<(settings: AssistantSettings) => void>();
  activeModel(): ModelInfo {
    return { id: 'm1', name: 'Tiny', path: '/models/tiny.gguf', sizeBytes: 1, origin: 'local' };
  }
  settings() {
    return this.current;
  }
  onSettingsChanged(listener: (settings: AssistantSettings) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  change(serveApi: AssistantSettings['serveApi']) {
    this.current = { ...this.current, serveApi };
    for (const listener of this.listeners) listener(this.current);
  }
}

const engine = {
  calls: [] as CompleteCall[],
  state: () => ({ state: 'ready' as const, device: 'cpu' as const, message: null }),
  async complete(call: CompleteCall): Promise<CompleteResult> {
    engine.calls.push(call);
    return { text: 'ok', report: HOST_REPORT };
  },
  cancel: () => undefined,
};

/** A port free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('serveApi switch', () => {
  let dir: string;
  let models: FakeModels;
  let service: ServeApiService;
  let blocker: Server | null = null;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-serve-api-'));
    models = new FakeModels();
    service = new ServeApiService({ engine, models, userDataDir: dir });
  });
  afterEach(async () => {
    await service.dispose();
    if (blocker) await new Promise((resolve) => blocker!.close(resolve));
    blocker = null;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is off by default and serves nothing', async () => {
    await service.start();
    expect(await service.handlers['serveApi.status']()).toEqual({ state: 'off', url: null, token: null, message: null });
  });

  it("serves the app's engine on the chosen port when turned on, moves with the port, and stops when turned off", async () => {
    await service.start();
    const port = await freePort();
    models.change({ enabled: true, port });
    const on = await service.handlers['serveApi.status']();
    expect(on).toMatchObject({ state: 'on', url: `http://127.0.0.1:${port}`, message: null });
    const headers = { authorization: `Bearer ${on.token}`, 'content-type': 'application/json' };
    const answer = await fetch(`${on.url}/v1/completions`, { method: 'POST', headers, body: JSON.stringify({ prompt: 'x' }) });
    expect(await answer.json()).toMatchObject({ model: 'tiny.gguf', choices: [{ text: 'ok' }] });
    expect(engine.calls.at(-1)).toMatchObject({ prefix: 'x' });

    const moved = await freePort();
    models.change({ enabled: true, port: moved });
    expect(await service.handlers['serveApi.status']()).toMatchObject({ state: 'on', url: `http://127.0.0.1:${moved}`, token: on.token });
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    expect((await fetch(`http://127.0.0.1:${moved}/health`)).status).toBe(200);

    models.change({ enabled: false, port: moved });
    expect(await service.handlers['serveApi.status']()).toMatchObject({ state: 'off', url: null, token: null });
    await expect(fetch(`http://127.0.0.1:${moved}/health`)).rejects.toThrow();
  });

  it('keeps one token, readable by the owner only, across restarts', async () => {
    models.current = { ...models.current, serveApi: { enabled: true, port: await freePort() } };
    await service.start();
    const first = (await service.handlers['serveApi.status']()).token!;
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const file = path.join(dir, SERVE_TOKEN_FILE);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(first);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await service.dispose();

    service = new ServeApiService({ engine, models, userDataDir: dir });
    await service.start();
    expect((await service.handlers['serveApi.status']()).token).toBe(first);
  });

  it('says so when the port is taken, and serves once another port is chosen', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    models.current = { ...models.current, serveApi: { enabled: true, port: taken } };
    await service.start();
    expect(await service.handlers['serveApi.status']()).toEqual({ state: 'error', url: null, token: null, message: `Port ${taken} is in use by another program; choose another port.` });
    models.change({ enabled: true, port: await freePort() });
    expect((await service.handlers['serveApi.status']()).state).toBe('on');
  });
});
