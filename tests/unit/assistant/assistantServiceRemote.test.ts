// The assistant with a remote engine chosen in the settings: suggestions from the server, the local engine
// taking over when it does not answer, and the status bar saying which.
import { afterEach, describe, expect, it } from 'vitest';
import type { AssistantSettings } from '../../../app/completion/schemas';
import { AssistantService } from '../../../main/assistant/assistantService';
import type { CompleteCall, CompleteResult, EngineClientLike, EngineClientState, EngineConfig } from '../../../main/assistant/engineClient';
import { RemoteEngine } from '../../../main/assistant/remoteEngine';
import { HOST_REPORT } from './fakeHost';
import { EventLog, FakeBuffers, FakeModels, attachment, journalWith, waitFor } from './fixtures';
import { fakeServer, json } from './fakeRemoteServer';

/** A local engine that is ready (with a model) and answers every complete with 'local'. */
class LocalEngine implements EngineClientLike {
  current: EngineClientState = { state: 'stopped', device: 'cpu', message: null };
  readonly completes: CompleteCall[] = [];
  private readonly listeners = new Set<(state: EngineClientState) => void>();
  state() {
    return this.current;
  }
  onStateChange(listener: (state: EngineClientState) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
  async configure(config: EngineConfig | null) {
    this.current = config ? { state: 'ready', device: 'cpu', message: null } : { state: 'stopped', device: 'cpu', message: null };
    for (const listener of this.listeners) listener(this.current);
  }
  async complete(call: CompleteCall): Promise<CompleteResult> {
    this.completes.push(call);
    return { text: 'local', report: HOST_REPORT };
  }
  warm(): never {
    throw new Error('no warm expected');
  }
  cancel() {}
  async dispose() {}
}

const services: AssistantService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.dispose()));
});

function setup(engine: AssistantSettings['engine'], options: { localModel?: boolean; remoteRetryMs?: number } = {}) {
  const local = new LocalEngine();
  const log = new EventLog();
  const journal = journalWith([{ id: 's1', title: 'Step', notes: 'sum them', attachments: [attachment('t1', 'text', '', '2026-01-01T00:00:01Z', 'Ticket')] }]);
  const models = new FakeModels(options.localModel === false ? null : '/models/tiny.gguf', { engine, maxTokens: 8 });
  const service = new AssistantService({
    journals: { journal: (id) => (id === 'j1' ? journal : null), attachmentText: async () => 'Sum two numbers.', trusted: () => true, workspaceRoot: () => '/nowhere' },
    buffers: new FakeBuffers(),
    models,
    engine: local,
    emit: log.emit,
    userDataDir: '/user-data',
    warmDebounceMs: 60_000,
    remoteEngine: (settings) => new RemoteEngine(settings, { timeoutMs: 2_000, probeTimeoutMs: 2_000 }),
    remoteRetryMs: options.remoteRetryMs ?? 60_000,
  });
  services.push(service);
  return { service, local, log, models };
}

const input = (requestId: string) => ({ requestId, journalId: 'j1', path: 'src/main.ts', prefix: 'let x = ', suffix: ';\n', multiline: false });

describe('assistant service with a remote engine', () => {
  it('answers from the server with the step documents; the report and the status name it', async () => {
    const fake = await fakeServer((req, res) => (req.url === '/health' ? json(res, 200, { status: 'ok' }) : json(res, 200, { content: '42\n', timings: { prompt_n: 30, cache_n: 0, prompt_ms: 5 } })));
    const { service, local } = setup({ kind: 'llama.cpp', url: fake.url, token: null, model: null }, { localModel: false });
    await service.start();
    await waitFor(() => fake.seen.some((r) => r.url === '/health'));
    expect(service.status()).toMatchObject({ state: 'ready', engine: { kind: 'remote', dialect: 'llama.cpp', url: fake.url }, message: `Suggestions from the llama.cpp /infill server at ${fake.url}.` });
    const result = await service.handlers['assistant.complete'](input('r1'));
    expect(result.text).toBe('42');
    expect(result.report.engine).toEqual({ kind: 'remote', dialect: 'llama.cpp', url: fake.url });
    expect(result.report.documents.map((d) => [d.title, d.state])).toEqual([['Ticket', 'sent'], ['Step', 'sent']]);
    expect(fake.seen.find((r) => r.url === '/infill')!.body!.input_extra).toEqual([
      { filename: 'Ticket', text: 'Sum two numbers.' },
      { filename: 'step: Step', text: expect.stringContaining('sum them') },
    ]);
    expect(local.completes).toEqual([]);
  });

  it('when the server is unreachable, the local model answers and the status bar says so; it is not asked again at once', async () => {
    const fake = await fakeServer((_req, res) => json(res, 503, { error: { message: 'Loading model' } }));
    const { service, local, log } = setup({ kind: 'openai', url: fake.url, token: null, model: null });
    await service.start();
    await waitFor(() => log.of('assistant.status').some((s) => s.message?.startsWith('Remote engine unreachable')));
    expect(service.status()).toMatchObject({ state: 'ready', engine: { kind: 'local' }, message: 'Remote engine unreachable: HTTP 503: Loading model; using the local model.' });
    const asked = fake.seen.length;
    const result = await service.handlers['assistant.complete'](input('r1'));
    expect(result.text).toBe('local');
    expect(result.report.engine).toEqual({ kind: 'local' });
    expect(result.report.notes).toContain(`The remote engine at ${fake.url} did not answer (HTTP 503: Loading model); the local model answered.`);
    expect(local.completes).toHaveLength(1);
    // Resting after the failure: the dead server costs this keystroke nothing.
    expect(fake.seen.length).toBe(asked);
  });

  it('a request that fails falls back to the local model for that request, with a note', async () => {
    let healthy = true;
    const fake = await fakeServer((req, res) => (healthy || req.url === '/health' ? json(res, 200, { status: 'ok' }) : json(res, 502, { error: { message: 'bad gateway' } })));
    const { service, local } = setup({ kind: 'llama.cpp', url: fake.url, token: null, model: null });
    await service.start();
    await waitFor(() => fake.seen.length === 1);
    healthy = false;
    const result = await service.handlers['assistant.complete'](input('r1'));
    expect(result.text).toBe('local');
    expect(result.report.notes).toContain(`The remote engine at ${fake.url} did not answer (HTTP 502: bad gateway); the local model answered.`);
    expect(local.completes).toHaveLength(1);
    expect(service.status().message).toBe('Remote engine unreachable: HTTP 502: bad gateway; using the local model.');
  });

  it('without a local model, an unreachable server is an error in the status and the suggestion', async () => {
    const fake = await fakeServer((req, res) => json(res, 401, { error: { message: 'Invalid API Key' } }));
    const { service, log } = setup({ kind: 'llama.cpp', url: fake.url, token: 'old', model: null }, { localModel: false });
    await service.start();
    await waitFor(() => log.of('assistant.status').some((s) => s.state === 'error'));
    const message = 'Remote engine failed: the server refused the token (HTTP 401: Invalid API Key); no local model is loaded to take over.';
    expect(service.status()).toMatchObject({ state: 'error', message });
    await expect(service.handlers['assistant.complete'](input('r1'))).rejects.toMatchObject({ code: 'error', message });
  });

  it('comes back to the server when it answers again', async () => {
    let up = false;
    const fake = await fakeServer((_req, res) => (up ? json(res, 200, { status: 'ok' }) : json(res, 503, { error: { message: 'Loading model' } })));
    const { service, log } = setup({ kind: 'llama.cpp', url: fake.url, token: null, model: null }, { remoteRetryMs: 50 });
    await service.start();
    await waitFor(() => service.status().engine?.kind === 'local');
    up = true;
    await waitFor(() => service.status().engine?.kind === 'remote');
    expect(log.of('assistant.status').at(-1)).toMatchObject({ state: 'ready', message: `Suggestions from the llama.cpp /infill server at ${fake.url}.` });
  });

  it('cancelling a suggestion aborts its request to the server', async () => {
    const fake = await fakeServer((req, res) => (req.url === '/health' ? json(res, 200, { status: 'ok' }) : undefined));
    const { service } = setup({ kind: 'llama.cpp', url: fake.url, token: null, model: null });
    await service.start();
    const pending = service.handlers['assistant.complete'](input('r1'));
    await waitFor(() => fake.seen.some((r) => r.url === '/infill'));
    await service.handlers['assistant.cancel']({ requestId: 'r1' });
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    await waitFor(() => fake.closedEarly.includes('/infill'));
  });

  it('going back to the local engine in the settings leaves the server alone', async () => {
    const fake = await fakeServer((_req, res) => json(res, 200, { status: 'ok' }));
    const { service, local, models } = setup({ kind: 'llama.cpp', url: fake.url, token: null, model: null });
    await service.start();
    await waitFor(() => fake.seen.length === 1);
    models.update({ engine: { kind: 'local' } });
    await waitFor(() => service.status().engine === undefined);
    expect((await service.handlers['assistant.complete'](input('r1'))).report.engine).toEqual({ kind: 'local' });
    expect(local.completes).toHaveLength(1);
    expect(fake.seen).toHaveLength(1);
  });
});
