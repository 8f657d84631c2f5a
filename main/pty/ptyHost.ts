import { z } from 'zod';
import type { Disposable } from '../../app/ipc/api';
import { defaultPtyHostEntry } from './hostEntry';
import { nodeHostLauncher, type HostChannel, type HostLauncher } from './hostChannel';
import { HostEvent, type HostRequest } from './protocol';

export type { Disposable };
export { defaultPtyHostEntry };

export interface CommandResult {
  /** From the shell's integration marker; null when the shell ended during the command. */
  exitCode: number | null;
  /** The shell's working directory after the command; null when unknown. */
  cwd: string | null;
  durationMs: number;
  /** True when interrupt() was called while the command ran. */
  interrupted: boolean;
}

export interface ShellOptions {
  cwd: string;
  /** Added to (and overriding) the host's environment. */
  env?: Record<string, string>;
  cols?: number;
  rows?: number;
  /** How long ~/.bashrc may take before the shell counts as failed to start. */
  startTimeoutMs?: number;
}

/** One persistent bash of a journal: cwd, variables and functions carry from one command to the next. */
export interface ShellSession {
  /** Runs a command after those already submitted; onData receives exactly its output, as raw terminal text. */
  run(command: string, onData: (data: string) => void): Promise<CommandResult>;
  /** Keys for the running command's stdin; dropped when no command runs. */
  input(data: string): void;
  /** Ctrl+C to the running command; the shell itself survives. */
  interrupt(): void;
  resize(cols: number, rows: number): void;
  /** Called once when the shell ends (`exit` in a cell, a crash, dispose). */
  onExit(listener: (exitCode: number | null) => void): Disposable;
  /** Kills the shell and everything it started; resolves when they are gone. */
  dispose(): Promise<void>;
  /** True while a command runs or waits its turn. */
  readonly busy: boolean;
}

export class ShellExitedError extends Error {
  override readonly name = 'ShellExitedError';
}

/** There is no bash to run cells in. */
export class ShellUnavailableError extends Error {
  override readonly name = 'ShellUnavailableError';
}

export class ShellStartError extends Error {
  override readonly name = 'ShellStartError';
}

export class HostExitedError extends Error {
  override readonly name = 'HostExitedError';
}

const DEFAULT_COLS = 120;
const DEFAULT_ROWS = 30;
const DEFAULT_START_TIMEOUT_MS = 10_000;
// How long the host gets to kill its shells and exit before it is killed.
const SHUTDOWN_GRACE_MS = 5_000;

interface QueuedRun {
  command: string;
  onData: (data: string) => void;
  resolve: (result: CommandResult) => void;
  reject: (error: Error) => void;
}

interface ActiveRun extends QueuedRun {
  startedAt: number;
  interrupted: boolean;
}

class HostShellSession implements ShellSession {
  private readonly queue: QueuedRun[] = [];
  private active: ActiveRun | null = null;
  private exited = false;
  private readonly exitListeners = new Set<(exitCode: number | null) => void>();
  private readonly gone: Promise<void>;
  private markGone!: () => void;

  constructor(
    private readonly shellId: number,
    private readonly post: (request: HostRequest) => void,
  ) {
    this.gone = new Promise((resolve) => (this.markGone = resolve));
  }

  get busy(): boolean {
    return this.active !== null || this.queue.length > 0;
  }

  run(command: string, onData: (data: string) => void): Promise<CommandResult> {
    if (this.exited) return Promise.reject(new ShellExitedError('The shell has exited; start a new one.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ command, onData, resolve, reject });
      this.startNext();
    });
  }

  input(data: string): void {
    if (this.active && !this.exited) this.post({ type: 'input', shellId: this.shellId, data });
  }

  interrupt(): void {
    if (!this.active || this.exited) return;
    this.active.interrupted = true;
    this.post({ type: 'interrupt', shellId: this.shellId });
  }

  resize(cols: number, rows: number): void {
    if (!this.exited) this.post({ type: 'resize', shellId: this.shellId, cols, rows });
  }

  onExit(listener: (exitCode: number | null) => void): Disposable {
    this.exitListeners.add(listener);
    return { dispose: () => this.exitListeners.delete(listener) };
  }

  dispose(): Promise<void> {
    if (!this.exited) this.post({ type: 'kill', shellId: this.shellId });
    return this.gone;
  }

  /** A message from the host about this shell. */
  receive(event: HostEvent): void {
    switch (event.type) {
      case 'data':
        this.active?.onData(event.data);
        return;
      case 'finished':
        this.finishActive(event.exitCode, event.cwd);
        this.startNext();
        return;
      case 'exited':
        this.markExited(event.exitCode);
        return;
    }
  }

  /** The shell is gone: the running command ends without an exit code, the queued ones never run. */
  markExited(exitCode: number | null): void {
    if (this.exited) return;
    this.exited = true;
    this.finishActive(null, null);
    for (const queued of this.queue.splice(0)) {
      queued.reject(new ShellExitedError('The shell exited before this command could run.'));
    }
    for (const listener of this.exitListeners) listener(exitCode);
    this.exitListeners.clear();
    this.markGone();
  }

  private finishActive(exitCode: number | null, cwd: string | null): void {
    const run = this.active;
    if (!run) return;
    this.active = null;
    run.resolve({ exitCode, cwd, durationMs: Date.now() - run.startedAt, interrupted: run.interrupted });
  }

  private startNext(): void {
    if (this.active || this.exited) return;
    const next = this.queue.shift();
    if (!next) return;
    this.active = { ...next, startedAt: Date.now(), interrupted: false };
    this.post({ type: 'run', shellId: this.shellId, command: next.command });
  }
}

interface PendingCreate {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** The main process's handle on the pty host process and its shells. */
export class PtyHost {
  private readonly sessions = new Map<number, HostShellSession>();
  private readonly creating = new Map<number, PendingCreate>();
  private readonly exitListeners = new Set<(code: number | null) => void>();
  private nextShellId = 1;
  private exited = false;
  private readonly gone: Promise<void>;

  static start(options: { launcher?: HostLauncher; entryPath?: string } = {}): PtyHost {
    const launcher = options.launcher ?? nodeHostLauncher;
    return new PtyHost(launcher(options.entryPath ?? defaultPtyHostEntry()));
  }

  private constructor(private readonly channel: HostChannel) {
    channel.onMessage((message) => this.receive(message));
    this.gone = new Promise((resolve) => {
      channel.onExit((code) => {
        this.onChannelExit(code);
        resolve();
      });
    });
  }

  createShell(options: ShellOptions): Promise<ShellSession> {
    if (this.exited) return Promise.reject(new HostExitedError('The pty host has exited.'));
    const shellId = this.nextShellId++;
    const session = new HostShellSession(shellId, (request) => this.channel.postMessage(request));
    return new Promise<ShellSession>((resolve, reject) => {
      this.creating.set(shellId, {
        resolve: () => {
          this.sessions.set(shellId, session);
          resolve(session);
        },
        reject,
      });
      this.channel.postMessage({
        type: 'create',
        shellId,
        cwd: options.cwd,
        env: options.env ?? {},
        cols: options.cols ?? DEFAULT_COLS,
        rows: options.rows ?? DEFAULT_ROWS,
        startTimeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      } satisfies HostRequest);
    });
  }

  /** Called when the host process ends for any reason other than dispose(); its shells are gone with it. */
  onHostExit(listener: (code: number | null) => void): Disposable {
    this.exitListeners.add(listener);
    return { dispose: () => this.exitListeners.delete(listener) };
  }

  /** Kills every shell and the host; resolves once they are gone. */
  async dispose(): Promise<void> {
    if (this.exited) return;
    this.exitListeners.clear();
    this.channel.postMessage({ type: 'shutdown' } satisfies HostRequest);
    const timer = setTimeout(() => this.channel.kill(), SHUTDOWN_GRACE_MS);
    await this.gone;
    clearTimeout(timer);
  }

  private receive(message: unknown): void {
    const parsed = HostEvent.safeParse(message);
    if (!parsed.success) {
      console.error(`[ptyHost] invalid message from the host ignored: ${z.prettifyError(parsed.error)}`);
      return;
    }
    const event = parsed.data;
    if (event.type === 'ready' || event.type === 'createFailed') {
      const pending = this.creating.get(event.shellId);
      this.creating.delete(event.shellId);
      if (event.type === 'ready') pending?.resolve();
      else pending?.reject(event.reason === 'unavailable' ? new ShellUnavailableError(event.message) : new ShellStartError(event.message));
      return;
    }
    const session = this.sessions.get(event.shellId);
    session?.receive(event);
    if (event.type === 'exited') this.sessions.delete(event.shellId);
  }

  private onChannelExit(code: number | null): void {
    this.exited = true;
    for (const pending of this.creating.values()) pending.reject(new HostExitedError('The pty host exited while a shell was starting.'));
    this.creating.clear();
    for (const session of this.sessions.values()) session.markExited(null);
    this.sessions.clear();
    for (const listener of this.exitListeners) listener(code);
  }
}
