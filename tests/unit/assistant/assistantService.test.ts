import { afterEach, describe, expect, it } from 'vitest';
import type { HostReport } from '../../../assistant/host/protocol';
import { boundPrefix, boundSuffix, promptLimits } from '../../../app/completion/query';
import { AssistantService } from '../../../main/assistant/assistantService';
import {
  EngineClient, EngineCrashedError, EngineRequestError, type CompleteCall, type CompleteResult, type EngineClientLike, type EngineClientState, type EngineConfig, type WarmCall,
} from '../../../main/assistant/engineClient';
import { HOST_REPORT, fakeLauncher } from './fakeHost';
import { EventLog, FakeBuffers, FakeModels, attachment, journalWith, waitFor } from './fixtures';

interface Deferred<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

/** An engine client whose requests wait for the test. */
class FakeEngine implements EngineClientLike {
  current: EngineClientState = { state: 'stopped', device: 'cpu', message: null };
  readonly configs: Array<EngineConfig | null> = [];
  readonly completes: Array<{ call: CompleteCall; onText?: (delta: string) => void } & Deferred<CompleteResult>> = [];
  readonly warms: Array<{ call: WarmCall } & Deferred<HostReport>> = [];
  readonly cancelled: string[] = [];
  private readonly listeners = new Set<(state: EngineClientState) => void>();
  disposed = false;
  state() {
    return this.current;
  }
  onStateChange(listener: (state: EngineClientState) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
  set(state: EngineClientState) {
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }
  async configure(config: EngineConfig | null) {
    this.configs.push(config);
    this.set(config ? { state: 'ready', device: config.gpu ? 'gpu' : 'cpu', message: null } : { state: 'stopped', device: 'cpu', message: null });
  }
  complete(call: CompleteCall, onText?: (delta: string) => void) {
    return new Promise<CompleteResult>((resolve, reject) => this.completes.push({ call, onText, resolve, reject }));
  }
  warm(call: WarmCall) {
    return new Promise<HostReport>((resolve, reject) => this.warms.push({ call, resolve, reject }));
  }
  cancel(id: string) {
    this.cancelled.push(id);
  }
  async dispose() {
    this.disposed = true;
  }
}

/** A change main announced; the service reads the journal it made from main's sessions, not from the event. */
const journalChanged = { journalId: 'j1', version: 1, change: { type: 'setTitle', title: 'Edited' } } as const;
const TEXTS: Record<string, string> = { t1: 'first ticket', t2: 'second ticket '.repeat(40) };

function setup(options: { budget?: number; models?: FakeModels; engine?: EngineClientLike; cacheSize?: number } = {}) {
  const engine = new FakeEngine();
  const log = new EventLog();
  const buffers = new FakeBuffers();
  const journal = journalWith([{
    id: 's1', title: 'Step', notes: 'do it',
    attachments: [attachment('t1', 'text', '', '2026-01-01T00:00:01Z', 'Ticket'), attachment('t2', 'text', '', '2026-01-01T00:00:02Z', 'Big'), attachment('w1', 'workspace-file', 'src/a.ts', '2026-01-01T00:00:03Z', 'a.ts')],
  }]);
  buffers.set('src/a.ts', 'const a = 1;\n');
  const models = options.models ?? new FakeModels('/models/tiny.gguf', { contextBudgetTokens: options.budget ?? 10_000, maxTokens: 16 });
  const service = new AssistantService({
    journals: { journal: (id) => (id === 'j1' ? journal : null), attachmentText: async (_j, id) => TEXTS[id] ?? null, trusted: () => true, workspaceRoot: () => '/nowhere' },
    buffers,
    models,
    engine: options.engine ?? engine,
    emit: log.emit,
    userDataDir: '/user-data',
    warmDebounceMs: 5,
    cacheSize: options.cacheSize,
  });
  services.push(service);
  return { service, engine, log, buffers, journal, models };
}

const services: AssistantService[] = [];
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.dispose()));
});

const input = (requestId: string, extra: Partial<{ path: string; prefix: string; suffix: string; multiline: boolean; journalId: string | null }> = {}) => ({
  requestId, journalId: 'j1', path: 'src/main.ts', prefix: 'let x = ', suffix: ';\n', multiline: false, ...extra,
});

const report = (blocks: HostReport['blocks']): HostReport => ({ ...HOST_REPORT, blocks });

describe('assistant service', () => {
  it('loads the active model with the settings and the kv-cache folder, emitting each status', async () => {
    const { service, engine, log } = setup();
    await service.start();
    expect(engine.configs).toEqual([{ modelPath: '/models/tiny.gguf', gpu: false, cacheDir: '/user-data/kv-cache', contextSize: 10_000 + 8_192 }]);
    expect(log.of('assistant.status').map((s) => s.state)).toEqual(['loading', 'ready']);
    expect(await service.handlers['assistant.status']({})).toMatchObject({ state: 'ready', device: 'cpu', model: { path: '/models/tiny.gguf' } });
    engine.set({ state: 'restarting', device: 'cpu', message: 'crashed' });
    expect(log.of('assistant.status').at(-1)).toMatchObject({ state: 'restarting', message: 'crashed' });
  });

  it('reloads when the active model or the GPU setting changes, and stops when suggestions are turned off', async () => {
    const { service, engine, models, log } = setup();
    await service.start();
    models.select('/models/other.gguf');
    await waitFor(() => engine.configs.length === 2);
    models.update({ gpu: true });
    await waitFor(() => engine.configs.length === 3);
    expect(engine.configs.map((c) => c && [c.modelPath, c.gpu])).toEqual([['/models/tiny.gguf', false], ['/models/other.gguf', false], ['/models/other.gguf', true]]);
    models.update({ enabled: false });
    await waitFor(() => engine.configs.length === 4);
    expect(engine.configs[3]).toBeNull();
    expect(log.of('assistant.status').at(-1)).toMatchObject({ state: 'disabled' });
    await expect(service.handlers['assistant.complete'](input('r1'))).rejects.toMatchObject({ code: 'disabled' });
  });

  it('says there is no model, and refuses suggestions with that message', async () => {
    const { service } = setup({ models: new FakeModels(null) });
    await service.start();
    expect(service.status()).toMatchObject({ state: 'no-model', message: expect.stringContaining('--model') });
    await expect(service.handlers['assistant.complete'](input('r1'))).rejects.toMatchObject({ code: 'no-model' });
  });

  it('fits the prompt to a model trained with a short context: prefix, suffix and documents cut to its length', async () => {
    const { service, engine } = setup({ budget: 10_000 });
    await service.start();
    // A model used past its training length answers with noise (the shipped miniature has 512 tokens).
    engine.set({ state: 'ready', device: 'cpu', message: null, contextLength: 300 });
    const prefix = `${'old line\n'.repeat(1000)}let x = `;
    const suffix = `;\n${'next line\n'.repeat(500)}`;
    const pending = service.handlers['assistant.complete'](input('r1', { prefix, suffix }));
    await waitFor(() => engine.completes.length === 1);
    const call = engine.completes[0]!.call;
    expect(call.prefix.length).toBeLessThanOrEqual(Math.floor(300 * 0.3 * 3));
    expect(call.prefix.endsWith('let x = ')).toBe(true);
    expect(call.suffix.length).toBeLessThanOrEqual(Math.floor(300 * 0.1 * 3));
    expect(call.suffix.startsWith(';\n')).toBe(true);
    // Half the context (150 tokens) for documents: t2 (~190 tokens) no longer fits, though the budget setting is 10,000.
    expect(call.documents.map((d) => d.name)).toEqual(['Ticket', 'src/a.ts', 'step: Step']);
    engine.completes[0]!.resolve({ text: '1;', report: report([]) });
    await pending;
  });

  it('promptLimits keeps the defaults for a long-context or unknown model', () => {
    expect(promptLimits(undefined, 6144)).toEqual({ prefixChars: 4_000, suffixChars: 1_500, documentTokens: 6144 });
    expect(promptLimits(32_768, 6144)).toEqual({ prefixChars: 4_000, suffixChars: 1_500, documentTokens: 6144 });
    expect(promptLimits(512, 6144)).toEqual({ prefixChars: 460, suffixChars: 153, documentTokens: 256 });
  });

  it('sends the bounded query and the step documents, and maps the report in prompt order', async () => {
    const { service, engine } = setup({ budget: 100 });
    await service.start();
    const prefix = `${'old line\n'.repeat(1000)}let x = `;
    const pending = service.handlers['assistant.complete'](input('r1', { prefix, multiline: true }));
    await waitFor(() => engine.completes.length === 1);
    const call = engine.completes[0]!.call;
    expect(call).toMatchObject({ id: 'r1', fileName: 'src/main.ts', suffix: ';\n', mode: 'sparse', maxTokens: 16, stopAt: 'block' });
    expect(call.prefix.length).toBeLessThanOrEqual(4_000);
    expect(call.prefix.startsWith('old line\n')).toBe(true);
    // t2 is ~190 tokens, over the 100-token budget; the rest fit.
    expect(call.documents.map((d) => d.name)).toEqual(['Ticket', 'src/a.ts', 'step: Step']);
    engine.completes[0]!.resolve({
      text: '1;',
      report: report([
        { document: 'Ticket', index: 0, tokens: 5, position: 3, source: 'resident' },
        { document: 'src/a.ts', index: 0, tokens: 8, position: 8, source: 'memory' },
        { document: 'src/a.ts', index: 1, tokens: 2, position: 16, source: 'computed' },
        { document: 'step: Step', index: 0, tokens: 4, position: 18, source: 'disk' },
      ]),
    });
    const result = await pending;
    expect(result.text).toBe('1;');
    expect(result.report.documents.map((d) => [d.id, d.state, d.tokens])).toEqual([
      ['t1', 'resident', 5], ['t2', 'left-out', 189], ['w1', 'computed', 10], ['notes:s1', 'disk', 4],
    ]);
    expect(result.report.documents[1]!.reason).toMatch(/context budget/);
    expect(result.report).toMatchObject({ requestId: 'r1', reusedTokens: 15, computedTokens: 25, promptTokens: 40, timeToFirstTokenMs: 12, tokensPerSecond: 100, cursorSuffix: ';\n' });
    expect(result.report.cursorPrefix.endsWith('let x = ')).toBe(true);
    expect(result.report.cursorPrefix.length).toBeLessThanOrEqual(400);
  });

  it('passes on what token healing left out of the prompt, for the inspector', async () => {
    const { service, engine } = setup();
    await service.start();
    const pending = service.handlers['assistant.complete'](input('r1', { prefix: 'let x = ' }));
    await waitFor(() => engine.completes.length === 1);
    engine.completes[0]!.resolve({ text: '1;', report: { ...report([]), healedText: ' ' } });
    expect((await pending).report.healedText).toBe(' ');
  });

  it('cancel rejects the call with code cancelled and tells the engine', async () => {
    const { service, engine } = setup();
    await service.start();
    const pending = service.handlers['assistant.complete'](input('r1'));
    await waitFor(() => engine.completes.length === 1);
    await service.handlers['assistant.cancel']({ requestId: 'r1' });
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    expect(engine.cancelled).toEqual(['r1']);
  });

  it('a newer request for the same file cancels the older one; another file is left alone', async () => {
    const { service, engine } = setup();
    await service.start();
    const first = service.handlers['assistant.complete'](input('r1'));
    const other = service.handlers['assistant.complete'](input('o1', { path: 'src/other.ts' }));
    await waitFor(() => engine.completes.length === 2);
    const second = service.handlers['assistant.complete'](input('r2', { prefix: 'let y = ' }));
    await expect(first).rejects.toMatchObject({ code: 'cancelled' });
    expect(engine.cancelled).toEqual(['r1']);
    await waitFor(() => engine.completes.length === 3);
    engine.completes[1]!.resolve({ text: 'o', report: HOST_REPORT });
    engine.completes[2]!.resolve({ text: 'y', report: HOST_REPORT });
    expect((await other).text).toBe('o');
    expect((await second).text).toBe('y');
  });

  it('streams the text so far as assistant.partial, shaped as the answer will be, and answers with the whole shaped text', async () => {
    const { service, engine, log } = setup();
    await service.start();
    const pending = service.handlers['assistant.complete'](input('r1'));
    await waitFor(() => engine.completes.length === 1);
    const { onText, resolve } = engine.completes[0]!;
    // Blank text so far is no suggestion yet; a piece that changes nothing visible is not sent again.
    for (const delta of [' ', 'add(', 'a, ', 'b);', '\n', 'next();']) onText!(delta);
    expect(log.of('assistant.partial')).toEqual([
      { requestId: 'r1', text: ' add(' }, { requestId: 'r1', text: ' add(a,' }, { requestId: 'r1', text: ' add(a, b);' },
    ]);
    resolve({ text: ' add(a, b);\nnext();', report: HOST_REPORT });
    expect((await pending).text).toBe(' add(a, b);');
  });

  it('a multi-line suggestion streams its lines; a cancelled one sends no more text', async () => {
    const { service, engine, log } = setup();
    await service.start();
    const pending = service.handlers['assistant.complete'](input('r1', { multiline: true }));
    await waitFor(() => engine.completes.length === 1);
    const { onText } = engine.completes[0]!;
    onText!('if (a) {\n');
    onText!('  b();\n');
    expect(log.of('assistant.partial').map((p) => p.text)).toEqual(['if (a) {', 'if (a) {\n  b();']);
    await service.handlers['assistant.cancel']({ requestId: 'r1' });
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    onText!('}');
    expect(log.of('assistant.partial')).toHaveLength(2);
  });

  it('an engine abort is a cancellation, a crash says so', async () => {
    const { service, engine } = setup();
    await service.start();
    const aborted = service.handlers['assistant.complete'](input('r1'));
    await waitFor(() => engine.completes.length === 1);
    engine.completes[0]!.reject(new EngineRequestError('ABORTED', 'completion aborted'));
    await expect(aborted).rejects.toMatchObject({ code: 'cancelled' });
    const crashed = service.handlers['assistant.complete'](input('r2'));
    await waitFor(() => engine.completes.length === 2);
    engine.completes[1]!.reject(new EngineCrashedError('The completion engine stopped unexpectedly'));
    await expect(crashed).rejects.toMatchObject({ code: 'engine-crashed', message: expect.stringContaining('stopped unexpectedly') });
  });

  it('answers a repeated request from the cache of recent results, and not once a document changed', async () => {
    const { service, engine, buffers } = setup();
    await service.start();
    const first = service.handlers['assistant.complete'](input('r1'));
    await waitFor(() => engine.completes.length === 1);
    engine.completes[0]!.resolve({ text: '42;', report: HOST_REPORT });
    await first;
    const again = await service.handlers['assistant.complete'](input('r2'));
    expect(again).toMatchObject({ requestId: 'r2', text: '42;', report: { requestId: 'r2' } });
    expect(again.report.notes).toContain('From the cache of recent suggestions.');
    expect(engine.completes).toHaveLength(1);
    buffers.set('src/a.ts', 'const a = 2;\n');
    const changed = service.handlers['assistant.complete'](input('r3'));
    await waitFor(() => engine.completes.length === 2);
    engine.completes[1]!.resolve({ text: '43;', report: HOST_REPORT });
    expect((await changed).text).toBe('43;');
  });

  it('asks the local engine for auto attention injection when the setting is on, and shows what it injected', async () => {
    const { service, engine, models } = setup();
    await service.start();
    const off = service.handlers['assistant.complete'](input('r1'));
    await waitFor(() => engine.completes.length === 1);
    expect(engine.completes[0]!.call).not.toHaveProperty('inject');
    engine.completes[0]!.resolve({ text: '42;', report: HOST_REPORT });
    expect((await off).report).not.toHaveProperty('injection');

    models.update({ injection: 'auto' });
    // Not the cached answer without injection: the same request goes to the engine again, with `inject`.
    const on = service.handlers['assistant.complete'](input('r2'));
    await waitFor(() => engine.completes.length === 2);
    expect(engine.completes[1]!.call).toMatchObject({ id: 'r2', inject: 'auto' });
    const injection = {
      heads: [{ layer: 1, head: 0, pattern: 'previous-token' }],
      edges: [{ name: 'a', use: { line: 1, column: 8 }, def: { file: 'src/a.ts', line: 1, column: 6 } }],
      edgeCount: 1,
      injectedRows: 12,
    };
    engine.completes[1]!.resolve({ text: '43;', report: { ...HOST_REPORT, injection } });
    expect((await on).report.injection).toEqual(injection);
  });

  it('keeps only the most recent results', async () => {
    const { service, engine } = setup({ cacheSize: 1 });
    await service.start();
    const ask = async (id: string, prefix: string) => {
      const pending = service.handlers['assistant.complete'](input(id, { prefix }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const last = engine.completes.at(-1);
      if (last?.call.id === id) last.resolve({ text: prefix, report: HOST_REPORT });
      return pending;
    };
    await ask('r1', 'a');
    await ask('r2', 'b');
    await ask('r3', 'b');
    await ask('r4', 'a');
    expect(engine.completes.map((c) => c.call.id)).toEqual(['r1', 'r2', 'r4']);
  });

  it('encodes the current step once the model is ready, when the journal changed while it loaded', async () => {
    const { service, engine } = setup();
    await service.start();
    engine.set({ state: 'loading', device: 'cpu', message: null });
    service.journalChanged(journalChanged.journalId);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(engine.warms).toHaveLength(0);
    engine.set({ state: 'ready', device: 'cpu', message: null });
    await waitFor(() => engine.warms.length === 1);
  });

  it('encodes the current step in the background on a journal change, one document more each time, with progress', async () => {
    const { service, engine, log } = setup();
    await service.start();
    service.journalChanged(journalChanged.journalId);
    await waitFor(() => engine.warms.length === 1);
    expect(engine.warms[0]!.call.documents.map((d) => d.name)).toEqual(['Ticket']);
    engine.warms[0]!.resolve(HOST_REPORT);
    await waitFor(() => engine.warms.length === 2);
    expect(engine.warms[1]!.call.documents.map((d) => d.name)).toEqual(['Ticket', 'Big']);
    engine.warms[1]!.resolve(HOST_REPORT);
    await waitFor(() => engine.warms.length === 3);
    engine.warms[2]!.resolve(HOST_REPORT);
    await waitFor(() => engine.warms.length === 4);
    engine.warms[3]!.resolve(HOST_REPORT);
    await waitFor(() => log.of('assistant.encoding').some((p) => p.done === 4));
    expect(log.of('assistant.encoding').map((p) => [p.done, p.total, p.current])).toEqual([
      [0, 4, 'Ticket'], [1, 4, 'Big'], [2, 4, 'a.ts'], [3, 4, 'Step'], [4, 4, null],
    ]);
    // The same journal again (no change to the step's documents) encodes nothing.
    service.journalChanged(journalChanged.journalId);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(engine.warms).toHaveLength(4);
  });

  it('re-encodes when an attached file\'s buffer changes, not for other files; a newer change supersedes a running warm', async () => {
    const { service, engine, buffers } = setup();
    await service.start();
    service.journalChanged(journalChanged.journalId);
    await waitFor(() => engine.warms.length === 1);
    buffers.set('src/unrelated.ts', 'x');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(engine.cancelled).toEqual([]);
    buffers.set('src/a.ts', 'const a = 3;\n');
    await waitFor(() => engine.cancelled.length === 1);
    expect(engine.cancelled).toEqual([engine.warms[0]!.call.id]);
    engine.warms[0]!.reject(new EngineRequestError('ABORTED', 'completion aborted'));
    await waitFor(() => engine.warms.length === 2);
    expect(engine.warms[1]!.call.documents.map((d) => d.name)).toEqual(['Ticket']);
  });

  it('disposes the engine', async () => {
    const { service, engine } = setup();
    await service.dispose();
    expect(engine.disposed).toBe(true);
  });

  it('with the real client: a host crash is reported as restarting, then ready after the restart', async () => {
    const fake = fakeLauncher();
    const { service, log } = setup({ engine: new EngineClient({ launcher: fake.launcher, entryPath: '/entry.js', restartDelaysMs: [1] }) });
    await service.start();
    const pending = service.handlers['assistant.complete'](input('r1'));
    await waitFor(() => fake.processes[0]!.of('complete').length === 1);
    fake.processes[0]!.crash(134);
    await expect(pending).rejects.toMatchObject({ code: 'engine-crashed' });
    await waitFor(() => service.status().state === 'ready' && fake.processes.length === 2);
    // 'loading' twice: first without a message, then the client's "Loading tiny.gguf…".
    expect(log.of('assistant.status').map((s) => s.state)).toEqual(['loading', 'loading', 'ready', 'restarting', 'loading', 'ready']);
  });
});

describe('query bounds', () => {
  it('keeps the end of the prefix from a line start and the start of the suffix to a line end', () => {
    expect(boundPrefix('aaaa\nbbbb\ncc', 6)).toBe('cc');
    expect(boundPrefix('aaaa\nbbbb\ncc', 7)).toBe('bbbb\ncc');
    expect(boundPrefix('short', 8)).toBe('short');
    expect(boundSuffix('aa\nbbbb\ncccc', 9)).toBe('aa\nbbbb\n');
    expect(boundSuffix('aaaaaaaaaaaa', 5)).toBe('aaaaa');
  });
});
