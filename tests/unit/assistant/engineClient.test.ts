import { describe, expect, it } from 'vitest';
import { EngineClient, EngineCrashedError, EngineRequestError, EngineUnavailableError, defaultEngineHostEntry, type EngineClientState } from '../../../main/assistant/engineClient';
import { HOST_REPORT, fakeLauncher } from './fakeHost';
import { waitFor } from './fixtures';

const CONFIG = { modelPath: '/models/tiny.gguf', gpu: false, cacheDir: '/u/kv-cache', contextSize: 8192 };
const call = (id: string) => ({ id, prefix: 'a', suffix: '', fileName: 'a.ts', documents: [], mode: 'sparse' as const, boundary: 0, maxTokens: 8, stopAt: 'line' as const });

function client(autoLoad: 'loaded' | 'load-failed' | null = 'loaded', restartDelaysMs = [1, 1]) {
  const fake = fakeLauncher(autoLoad);
  const engine = new EngineClient({ launcher: fake.launcher, entryPath: '/entry.js', restartDelaysMs });
  const states: EngineClientState['state'][] = [];
  engine.onStateChange((s) => states.push(s.state));
  return { engine, states, processes: fake.processes };
}

describe('engine client', () => {
  it('starts the host, loads the model and forwards requests and replies', async () => {
    const { engine, states, processes } = client();
    await engine.configure(CONFIG);
    expect(states).toEqual(['loading', 'ready']);
    expect(processes[0]!.of('load')[0]).toMatchObject({ ...CONFIG, loadId: 1 });
    const pending = engine.complete(call('c1'));
    processes[0]!.reply({ type: 'result', id: 'c1', text: 'x)', report: HOST_REPORT });
    expect(await pending).toEqual({ text: 'x)', report: HOST_REPORT });
    const failing = engine.warm({ id: 'w1', documents: [], mode: 'sparse' });
    processes[0]!.reply({ type: 'failed', id: 'w1', error: { name: 'CompletionAbortedError', code: 'ABORTED', message: 'completion aborted' } });
    await expect(failing).rejects.toEqual(new EngineRequestError('ABORTED', 'completion aborted'));
  });

  it('names its host engineHost, so the channel logs as the engine host (not the pty host)', async () => {
    const fake = fakeLauncher();
    const names: string[] = [];
    const engine = new EngineClient({ launcher: (entryPath, name) => (names.push(name), fake.launcher(entryPath, name)), entryPath: '/entry.js' });
    await engine.configure(CONFIG);
    expect(names).toEqual(['engineHost']);
    await engine.dispose();
  });

  it('forwards a cancel only for a request in flight', async () => {
    const { engine, processes } = client();
    await engine.configure(CONFIG);
    void engine.complete(call('c1')).catch(() => undefined);
    engine.cancel('c1');
    engine.cancel('unknown');
    expect(processes[0]!.of('cancel')).toEqual([{ type: 'cancel', id: 'c1' }]);
  });

  it('reloads only when the model or a setting changed', async () => {
    const { engine, processes } = client();
    await engine.configure(CONFIG);
    await engine.configure({ ...CONFIG });
    await engine.configure({ ...CONFIG, modelPath: '/models/other.gguf' });
    expect(processes).toHaveLength(1);
    expect(processes[0]!.of('load').map((l) => [l.loadId, l.modelPath])).toEqual([[1, '/models/tiny.gguf'], [2, '/models/other.gguf']]);
  });

  it('starts a fresh host for another GPU setting (llama.cpp loads its backends once per process)', async () => {
    const { engine, processes, states } = client();
    await engine.configure(CONFIG);
    await engine.configure({ ...CONFIG, gpu: true });
    expect(processes).toHaveLength(2);
    expect(processes[0]!.killed).toBe(true);
    expect(processes[1]!.of('load')[0]).toMatchObject({ gpu: true });
    expect(engine.state()).toMatchObject({ state: 'ready', device: 'gpu' });
    expect(states).not.toContain('restarting');
  });

  it('reports a model that fails to load as error with the engine message, and refuses requests clearly', async () => {
    const { engine } = client('load-failed');
    await engine.configure(CONFIG);
    expect(engine.state()).toEqual({ state: 'error', device: 'cpu', message: 'The model could not be loaded (not a valid GGUF model?): cannot load model /models/tiny.gguf: bad magic' });
    await expect(engine.complete(call('c1'))).rejects.toBeInstanceOf(EngineUnavailableError);
  });

  it('ignores the reply to a load that a newer one replaced', async () => {
    const { engine, processes } = client(null);
    const first = engine.configure(CONFIG);
    const second = engine.configure({ ...CONFIG, modelPath: '/models/other.gguf' });
    processes[0]!.reply({ type: 'load-failed', loadId: 1, error: { name: 'E', code: 'MODEL_LOAD', message: 'old' } });
    expect(engine.state().state).toBe('loading');
    processes[0]!.reply({ type: 'loaded', loadId: 2, device: 'cpu', format: 'fim-generic', note: null, contextLength: 4096 });
    await Promise.all([first, second]);
    expect(engine.state().state).toBe('ready');
  });

  it('keeps the loaded model\'s identity (the key of its head profile) in its state', async () => {
    const { engine, processes } = client(null);
    const loading = engine.configure(CONFIG);
    processes[0]!.reply({ type: 'loaded', loadId: 1, device: 'cpu', format: 'fim-generic', note: null, contextLength: 4096, identity: 'ab'.repeat(32) });
    await loading;
    expect(engine.state()).toMatchObject({ state: 'ready', identity: 'ab'.repeat(32) });
  });

  it('rejects calls in flight when the host crashes, restarts it and loads the model again', async () => {
    const { engine, states, processes } = client();
    await engine.configure(CONFIG);
    const pending = engine.complete(call('c1'));
    processes[0]!.crash(139);
    await expect(pending).rejects.toBeInstanceOf(EngineCrashedError);
    await expect(pending).rejects.toThrow(/stopped unexpectedly \(exit code 139\)/);
    expect(engine.state().state).toBe('restarting');
    await waitFor(() => engine.state().state === 'ready');
    expect(states).toEqual(['loading', 'ready', 'restarting', 'loading', 'ready']);
    expect(processes).toHaveLength(2);
    expect(processes[1]!.of('load')[0]).toMatchObject(CONFIG);
  });

  it('gives up after crashes in a row with a clear error, and a new configure starts again', async () => {
    const { engine, processes } = client('loaded', [1]);
    await engine.configure(CONFIG);
    processes[0]!.crash(1);
    await waitFor(() => processes.length === 2 && engine.state().state === 'ready');
    processes[1]!.crash(1);
    expect(engine.state()).toMatchObject({ state: 'error', message: expect.stringContaining('crashed 2 times in a row') });
    await engine.configure(CONFIG);
    expect(engine.state().state).toBe('ready');
    expect(processes).toHaveLength(3);
  });

  it('a successful result resets the crash count', async () => {
    const { engine, processes } = client('loaded', [1]);
    await engine.configure(CONFIG);
    processes[0]!.crash(1);
    await waitFor(() => processes.length === 2 && engine.state().state === 'ready');
    const pending = engine.complete(call('c1'));
    processes[1]!.reply({ type: 'result', id: 'c1', text: '', report: HOST_REPORT });
    await pending;
    processes[1]!.crash(1);
    expect(engine.state().state).toBe('restarting');
  });

  it('kills the host on dispose and on configure(null), without restarting it', async () => {
    const { engine, processes } = client();
    await engine.configure(CONFIG);
    await engine.configure(null);
    expect(processes[0]!.killed).toBe(true);
    expect(engine.state().state).toBe('stopped');
    await engine.configure(CONFIG);
    const pending = engine.complete(call('c1'));
    await engine.dispose();
    expect(processes[1]!.killed).toBe(true);
    await expect(pending).rejects.toBeInstanceOf(EngineUnavailableError);
    processes[1]!.crash(null);
    expect(processes).toHaveLength(2);
  });

  it('finds the host entry: the TypeScript source from source, the bundle beside the bundle', () => {
    expect(defaultEngineHostEntry('file:///repo/main/assistant/engineClient.ts')).toBe('/repo/assistant/host/engineHostMain.ts');
    expect(defaultEngineHostEntry('file:///app/out/main/cli.js')).toBe('/app/out/main/engineHost.js');
  });
});
