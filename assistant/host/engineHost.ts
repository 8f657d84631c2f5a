import { CompletionAbortedError, createCompletionEngine, EngineError, type CompletionEngine, type EngineOptions } from '../engine';
import type { GpuType } from '../../native/binding';
import type { CompleteRequest, EngineReply, EngineRequest, HostError, HostState, LoadRequest, WarmRequest } from './protocol';
import type { Device } from '../../app/completion/vocabulary';

export type EngineFactory = (options: EngineOptions) => Promise<CompletionEngine>;

/** GPU builds tried in order when the user asks for a GPU; the CPU is the last resort. */
const GPU_CHOICES: readonly GpuType[] = ['cuda', 'vulkan', false];

function hostError(error: unknown): HostError {
  if (error instanceof EngineError) return { name: error.name, code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { name: error instanceof Error ? error.name : 'Error', code: 'INTERNAL', message };
}

interface RunningWarm {
  job: WarmRequest;
  controller: AbortController;
  /** Set when a complete took its place: it goes back to the queue instead of failing. */
  preempted: boolean;
}

/**
 * The engine process's logic, apart from its transport: one engine, completes first, warms in the gaps.
 * A complete arriving while a warm runs aborts the warm and requeues it at the front.
 */
export class EngineHost {
  private engine: CompletionEngine | null = null;
  private state: HostState = { state: 'empty', modelPath: null, device: 'cpu', message: null, pendingWarms: 0 };
  private loading: Promise<void> = Promise.resolve();
  private readonly completes = new Map<string, AbortController>();
  private readonly pendingWarms: WarmRequest[] = [];
  private runningWarm: RunningWarm | null = null;

  constructor(
    private readonly send: (reply: EngineReply) => void,
    private readonly createEngine: EngineFactory = createCompletionEngine,
  ) {}

  receive(request: EngineRequest): void {
    switch (request.type) {
      case 'load':
        this.loading = this.loading.then(() => this.load(request));
        return;
      case 'complete':
        void this.complete(request);
        return;
      case 'warm':
        this.pendingWarms.push(request);
        this.pumpWarms();
        return;
      case 'cancel':
        this.cancel(request.id);
        return;
      case 'status':
        this.send({ type: 'status', status: { ...this.state, pendingWarms: this.pendingWarms.length } });
        return;
    }
  }

  private async load(request: LoadRequest): Promise<void> {
    this.runningWarm?.controller.abort();
    await this.engine?.dispose();
    this.engine = null;
    this.state = { ...this.state, state: 'loading', modelPath: request.modelPath, message: null };
    let lastError: unknown = null;
    for (const gpu of request.gpu ? GPU_CHOICES : [false as const]) {
      try {
        this.engine = await this.createEngine({
          modelPath: request.modelPath,
          contextSize: request.contextSize,
          cacheDir: request.cacheDir,
          gpu,
        });
        const device: Device = gpu ? 'gpu' : 'cpu';
        const note = request.gpu && !gpu ? `No GPU build of llama.cpp runs here (${hostError(lastError).message}); using the CPU.` : null;
        this.state = { ...this.state, state: 'ready', device, message: note };
        this.send({ type: 'loaded', loadId: request.loadId, device, format: this.engine.model.format, note, contextLength: this.engine.model.contextLength, identity: this.engine.model.identity });
        this.pumpWarms();
        return;
      } catch (error) {
        lastError = error;
      }
    }
    const error = hostError(lastError);
    this.state = { ...this.state, state: 'error', device: 'cpu', message: error.message };
    this.send({ type: 'load-failed', loadId: request.loadId, error });
  }

  private async complete(request: CompleteRequest): Promise<void> {
    const received = performance.now();
    const controller = new AbortController();
    this.completes.set(request.id, controller);
    if (this.runningWarm) {
      this.runningWarm.preempted = true;
      this.runningWarm.controller.abort();
    }
    try {
      await this.loading;
      const engine = this.requireEngine();
      const result = await engine.complete({
        prefix: request.prefix,
        suffix: request.suffix,
        fileName: request.fileName,
        documents: request.documents,
        mode: request.mode,
        boundary: request.boundary,
        maxTokens: request.maxTokens,
        stopAt: request.stopAt,
        temperature: request.temperature,
        topK: request.topK,
        topP: request.topP,
        seed: request.seed,
        stop: request.stop,
        ...(request.inject ? { inject: request.inject } : {}),
        signal: controller.signal,
        ...(request.stream ? { onText: (delta: string) => this.send({ type: 'text', id: request.id, delta }) } : {}),
      });
      const { memoryBytes, diskBytes } = engine.cacheStats();
      const queuedMs = Math.max(0, performance.now() - received - result.report.totalMs);
      this.send({ type: 'result', id: request.id, text: result.text, report: result.report, cache: { memoryBytes, diskBytes }, queuedMs });
    } catch (error) {
      this.send({ type: 'failed', id: request.id, error: hostError(error) });
    } finally {
      this.completes.delete(request.id);
      this.pumpWarms();
    }
  }

  private requireEngine(): CompletionEngine {
    if (this.engine) return this.engine;
    throw new EngineError(this.state.message ?? 'no model is loaded', 'NOT_LOADED');
  }

  private pumpWarms(): void {
    if (this.runningWarm || this.completes.size > 0 || !this.engine) return;
    const job = this.pendingWarms.shift();
    if (!job) return;
    const running: RunningWarm = { job, controller: new AbortController(), preempted: false };
    this.runningWarm = running;
    void this.engine
      .complete({ prefix: '', suffix: '', documents: job.documents, mode: job.mode, maxTokens: 0, signal: running.controller.signal })
      .then(
        (result) => this.send({ type: 'result', id: job.id, text: '', report: result.report }),
        (error) => {
          if (running.preempted) this.pendingWarms.unshift(job);
          else this.send({ type: 'failed', id: job.id, error: hostError(error) });
        },
      )
      .finally(() => {
        this.runningWarm = null;
        this.pumpWarms();
      });
  }

  private cancel(id: string): void {
    this.completes.get(id)?.abort();
    if (this.runningWarm?.job.id === id) this.runningWarm.controller.abort();
    const index = this.pendingWarms.findIndex((job) => job.id === id);
    if (index >= 0) {
      this.pendingWarms.splice(index, 1);
      this.send({ type: 'failed', id, error: hostError(new CompletionAbortedError()) });
    }
  }

  async dispose(): Promise<void> {
    for (const controller of this.completes.values()) controller.abort();
    this.runningWarm?.controller.abort();
    await this.loading;
    await this.engine?.dispose();
    this.engine = null;
  }
}
