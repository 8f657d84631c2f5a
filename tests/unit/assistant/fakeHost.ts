// A fake engine host behind a HostLauncher: records what main sends, answers as the test says, dies on demand.
import type { EngineRequest, HostReport } from '../../../assistant/host/protocol';
import type { HostChannel, HostLauncher } from '../../../base/node/hostChannel';

export const HOST_REPORT: HostReport = {
  mode: 'sparse', format: 'fim-generic', notes: [], promptTokens: 40, reusedFromContext: 10, reusedFromMemory: 5, reusedFromDisk: 0, computedTokens: 25,
  blocks: [], generatedTokens: 3, stopReason: 'line', timeToFirstTokenMs: 12, tokensPerSecond: 100, boundaryRecomputed: 0, promptMs: 10, totalMs: 30,
};

export class FakeHostProcess implements HostChannel {
  readonly received: EngineRequest[] = [];
  killed = false;
  private messageListener: (message: unknown) => void = () => undefined;
  private exitListener: (code: number | null) => void = () => undefined;
  /** Answers each load at once when set. */
  constructor(
    private readonly autoLoad: 'loaded' | 'load-failed' | null = 'loaded',
    /** The trained context length the fake model reports. */
    private readonly contextLength = 32_768,
  ) {}

  postMessage(message: unknown): void {
    const request = message as EngineRequest;
    this.received.push(request);
    if (request.type === 'load' && this.autoLoad === 'loaded') queueMicrotask(() => this.reply({ type: 'loaded', loadId: request.loadId, device: request.gpu ? 'gpu' : 'cpu', format: 'fim-generic', note: null, contextLength: this.contextLength }));
    if (request.type === 'load' && this.autoLoad === 'load-failed') {
      queueMicrotask(() => this.reply({ type: 'load-failed', loadId: request.loadId, error: { name: 'ModelLoadError', code: 'MODEL_LOAD', message: `cannot load model ${request.modelPath}: bad magic` } }));
    }
  }
  onMessage(listener: (message: unknown) => void): void {
    this.messageListener = listener;
  }
  onExit(listener: (code: number | null) => void): void {
    this.exitListener = listener;
  }
  kill(): void {
    this.killed = true;
  }
  reply(message: unknown): void {
    this.messageListener(message);
  }
  crash(code: number | null = null): void {
    this.exitListener(code);
  }
  of<T extends EngineRequest['type']>(type: T): Extract<EngineRequest, { type: T }>[] {
    return this.received.filter((r): r is Extract<EngineRequest, { type: T }> => r.type === type);
  }
}

export function fakeLauncher(autoLoad: 'loaded' | 'load-failed' | null = 'loaded') {
  const processes: FakeHostProcess[] = [];
  const launcher: HostLauncher = () => {
    const host = new FakeHostProcess(autoLoad);
    processes.push(host);
    return host;
  };
  return { launcher, processes };
}
