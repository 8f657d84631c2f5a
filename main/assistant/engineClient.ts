import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EngineReply, type CompleteRequest, type EngineRequest, type HostError, type HostReport, type WarmRequest } from '../../assistant/host/protocol';
import { Emitter } from '../../base/common/event';
import { nodeHostLauncher, type HostChannel, type HostLauncher } from '../../base/node/hostChannel';
import type { Device, EngineErrorCode } from '../../app/completion/vocabulary';

/** scripts/build.mjs bundles assistant/host/engineHostMain.ts to this file, next to main's bundle in out/main/. */
export const ENGINE_HOST_BUNDLE = 'engineHost.js';

/** The host's entry seen from this module: the TypeScript source when running from source, else the bundle beside us. */
export function defaultEngineHostEntry(moduleUrl: string | undefined = import.meta.url): string {
  if (moduleUrl?.endsWith('.ts')) return fileURLToPath(new URL('../../assistant/host/engineHostMain.ts', moduleUrl));
  const bundleDirectory = moduleUrl ? path.dirname(fileURLToPath(moduleUrl)) : __dirname;
  return path.join(bundleDirectory, ENGINE_HOST_BUNDLE);
}

export interface EngineConfig {
  modelPath: string;
  gpu: boolean;
  /** `<userData>/kv-cache`, or null for no disk tier. */
  cacheDir: string | null;
  contextSize: number;
}

export interface EngineClientState {
  state: 'stopped' | 'loading' | 'ready' | 'error' | 'restarting';
  device: Device;
  /** What is wrong, or a note on the device; null when there is nothing to say. */
  message: string | null;
  /** When ready: the context length the model was trained with. */
  contextLength?: number;
  /** When ready: the model file's sha256 (the engine's identity), the key of its head profile. */
  identity?: string;
}

/** The host process died while this call was in flight. */
export class EngineCrashedError extends Error {
  override readonly name = 'EngineCrashedError';
}

/** No model is loaded (none chosen, still loading, or it failed to load). */
export class EngineUnavailableError extends Error {
  override readonly name = 'EngineUnavailableError';
}

/** The engine answered with an error; `code` is the engine's (`ABORTED`, `CONTEXT_OVERFLOW`, ...). */
export class EngineRequestError extends Error {
  override readonly name = 'EngineRequestError';
  constructor(readonly code: EngineErrorCode, message: string) {
    super(message);
  }
}

export type CompleteCall = Omit<CompleteRequest, 'type'>;
export type WarmCall = Omit<WarmRequest, 'type'>;
export interface CompleteResult {
  text: string;
  report: HostReport;
  /** The block tiers' sizes after this complete, when the host says. */
  cache?: { memoryBytes: number; diskBytes: number };
  /** How long it waited in the host before the engine ran it, when the host says. */
  queuedMs?: number;
}

/** What the assistant service needs of the engine; the tests give it a fake. */
export interface EngineClientLike {
  state(): EngineClientState;
  onStateChange(listener: (state: EngineClientState) => void): () => void;
  configure(config: EngineConfig | null): Promise<void>;
  /** With `onText` the text arrives as it is generated (the call's `stream`), before the result. */
  complete(call: CompleteCall, onText?: (delta: string) => void): Promise<CompleteResult>;
  warm(call: WarmCall): Promise<HostReport>;
  cancel(id: string): void;
  dispose(): Promise<void>;
}

export interface EngineClientOptions {
  /** Node's fork by default; Electron passes its utility-process launcher. */
  launcher?: HostLauncher;
  entryPath?: string;
  /** Waits before each restart after a crash in a row; when they run out the engine stays in 'error'. */
  restartDelaysMs?: readonly number[];
}

interface Pending {
  resolve: (reply: CompleteResult) => void;
  reject: (error: Error) => void;
  onText?: (delta: string) => void;
}

const DEFAULT_RESTART_DELAYS_MS = [250, 1_000, 4_000];

/**
 * Main's end of the engine host: starts the process, loads the model, forwards requests, and restarts
 * the process (with backoff) when it crashes. Calls in flight at a crash reject with EngineCrashedError.
 */
export class EngineClient implements EngineClientLike {
  private readonly launcher: HostLauncher;
  private readonly entryPath: string;
  private readonly restartDelays: readonly number[];
  private channel: HostChannel | null = null;
  /** The GPU setting the running host loaded its backends with. */
  private hostGpu: boolean | null = null;
  private config: EngineConfig | null = null;
  private current: EngineClientState = { state: 'stopped', device: 'cpu', message: null };
  private readonly stateChanged = new Emitter<EngineClientState>();
  private readonly pending = new Map<string, Pending>();
  private loadId = 0;
  private loadWaiters: Array<() => void> = [];
  private crashesInARow = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(options: EngineClientOptions = {}) {
    this.launcher = options.launcher ?? nodeHostLauncher;
    this.entryPath = options.entryPath ?? defaultEngineHostEntry();
    this.restartDelays = options.restartDelaysMs ?? DEFAULT_RESTART_DELAYS_MS;
  }

  state(): EngineClientState {
    return this.current;
  }

  onStateChange(listener: (state: EngineClientState) => void): () => void {
    const subscription = this.stateChanged.event(listener);
    return () => subscription.dispose();
  }

  private setState(next: EngineClientState): void {
    this.current = next;
    this.stateChanged.fire(next);
  }

  /** Loads the model (again only when something changed); null stops the host. Resolves when loaded or failed. */
  async configure(config: EngineConfig | null): Promise<void> {
    const same = JSON.stringify(config) === JSON.stringify(this.config);
    if (same && this.current.state !== 'error') return;
    this.config = config;
    this.crashesInARow = 0;
    if (!config) {
      this.stopHost();
      this.setState({ state: 'stopped', device: 'cpu', message: null });
      return;
    }
    await this.load(config);
  }

  private load(config: EngineConfig): Promise<void> {
    // llama.cpp's backends load once per process: another GPU setting needs a fresh host.
    if (this.channel && this.hostGpu !== config.gpu) this.stopHost();
    const channel = this.channel ?? this.startHost();
    this.hostGpu = config.gpu;
    this.loadId += 1;
    this.setState({ state: 'loading', device: config.gpu ? 'gpu' : 'cpu', message: `Loading ${path.basename(config.modelPath)}…` });
    return new Promise((resolve) => {
      this.loadWaiters.push(resolve);
      this.post(channel, { type: 'load', loadId: this.loadId, ...config });
    });
  }

  private startHost(): HostChannel {
    const channel = this.launcher(this.entryPath, 'engineHost');
    this.channel = channel;
    channel.onMessage((message) => this.receive(channel, message));
    channel.onExit((code) => this.exited(channel, code));
    return channel;
  }

  private post(channel: HostChannel, request: EngineRequest): void {
    channel.postMessage(request);
  }

  private settleLoads(): void {
    const waiters = this.loadWaiters;
    this.loadWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private receive(channel: HostChannel, message: unknown): void {
    if (channel !== this.channel) return;
    const parsed = EngineReply.safeParse(message);
    if (!parsed.success) {
      console.error(`[engineClient] invalid reply ignored: ${z.prettifyError(parsed.error)}`);
      return;
    }
    const reply = parsed.data;
    switch (reply.type) {
      case 'loaded':
        if (reply.loadId !== this.loadId) return;
        this.setState({ state: 'ready', device: reply.device, message: reply.note, contextLength: reply.contextLength, ...(reply.identity ? { identity: reply.identity } : {}) });
        this.settleLoads();
        return;
      case 'load-failed':
        if (reply.loadId !== this.loadId) return;
        this.setState({ state: 'error', device: 'cpu', message: loadFailureMessage(reply.error) });
        this.settleLoads();
        return;
      case 'text':
        this.pending.get(reply.id)?.onText?.(reply.delta);
        return;
      case 'result': {
        this.crashesInARow = 0;
        const pending = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        pending?.resolve({ text: reply.text, report: reply.report, ...(reply.cache ? { cache: reply.cache } : {}), ...(reply.queuedMs !== undefined ? { queuedMs: reply.queuedMs } : {}) });
        return;
      }
      case 'failed': {
        const pending = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        pending?.reject(new EngineRequestError(reply.error.code, reply.error.message));
        return;
      }
      case 'status':
        return;
    }
  }

  private exited(channel: HostChannel, code: number | null): void {
    if (channel !== this.channel) return;
    this.channel = null;
    const crashed = new EngineCrashedError(`The completion engine stopped unexpectedly (exit code ${code ?? 'none'}); it is being restarted.`);
    this.rejectAll(crashed);
    this.settleLoads();
    if (this.disposed || !this.config) return;
    this.crashesInARow += 1;
    const delay = this.restartDelays[this.crashesInARow - 1];
    if (delay === undefined) {
      this.setState({ state: 'error', device: 'cpu', message: `The completion engine crashed ${this.crashesInARow} times in a row; choose another model or restart Steerway.` });
      return;
    }
    this.setState({ state: 'restarting', device: this.current.device, message: crashed.message });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.config && !this.disposed) void this.load(this.config);
    }, delay);
  }

  private rejectAll(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const call of pending) call.reject(error);
  }

  private request(id: string, request: EngineRequest, onText?: (delta: string) => void): Promise<CompleteResult> {
    const channel = this.channel;
    if (!channel || (this.current.state !== 'ready' && this.current.state !== 'loading')) {
      return Promise.reject(new EngineUnavailableError(this.current.message ?? 'The completion engine has no model loaded.'));
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onText });
      this.post(channel, request);
    });
  }

  complete(call: CompleteCall, onText?: (delta: string) => void): Promise<CompleteResult> {
    return this.request(call.id, { type: 'complete', ...call, ...(onText ? { stream: true } : {}) }, onText);
  }

  async warm(call: WarmCall): Promise<HostReport> {
    return (await this.request(call.id, { type: 'warm', ...call })).report;
  }

  cancel(id: string): void {
    if (this.channel && this.pending.has(id)) this.post(this.channel, { type: 'cancel', id });
  }

  private stopHost(): void {
    const channel = this.channel;
    this.channel = null;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    channel?.kill();
    this.rejectAll(new EngineUnavailableError('The completion engine was stopped.'));
    this.settleLoads();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.stopHost();
    this.stateChanged.dispose();
  }
}

function loadFailureMessage(error: HostError): string {
  switch (error.code) {
    case 'MODEL_NOT_FOUND':
      return `The model file is missing: ${error.message.replace(/^model file not found: /, '')}`;
    case 'MODEL_LOAD':
      return `The model could not be loaded (not a valid GGUF model?): ${error.message}`;
    default:
      return `The model could not be loaded: ${error.message}`;
  }
}
