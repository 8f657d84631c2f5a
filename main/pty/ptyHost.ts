import { z } from 'zod';
import { Emitter } from '../../base/common/event';
import type { Disposable } from '../../base/common/lifecycle';
import { defaultPtyHostEntry } from './hostEntry';
import { nodeHostLauncher, type HostChannel, type HostLauncher } from '../../base/node/hostChannel';
import { endShellSessions } from './processTree';
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
  /** Called once when the shell ends (`exit` in a cell, a crash, dispose); `cause` says whether its host died. */
  onExit(listener: (exitCode: number | null, cause: ShellEndCause) => void): Disposable;
  /** Kills the shell and everything it started; resolves when they are gone. */
  dispose(): Promise<void>;
  /** True while a command runs or waits its turn. */
  readonly busy: boolean;
}

/** 'hostDied': the pty host process ended unexpectedly and took the shell with it; a fresh shell has no earlier state. */
export type ShellEndCause = 'exited' | 'hostDied';

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

/** The pty host was disposed. */
export class HostExitedError extends Error {
  override readonly name = 'HostExitedError';
}

/** The pty host process died under a running command or a starting shell; it is being restarted. */
export class HostDiedError extends Error {
  override readonly name = 'HostDiedError';
}

const DEFAULT_COLS = 120;
const DEFAULT_ROWS = 30;
const DEFAULT_START_TIMEOUT_MS = 10_000;
// How long the host gets to kill its shells and exit before it is killed.
const SHUTDOWN_GRACE_MS = 5_000;
// Waits before each relaunch after host deaths in a row (as the engine host's); then it starts when a shell is asked for.
const DEFAULT_RESTART_DELAYS_MS = [250, 1_000, 4_000];
// How long the jobs of a dead host's shells have between SIGHUP and SIGKILL.
const HANGUP_GRACE_MS = 1_000;

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
  private hostDied: HostDiedError | null = null;
  private readonly ended = new Emitter<{ exitCode: number | null; cause: ShellEndCause }>();
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
    if (this.exited) return Promise.reject(this.hostDied ?? new ShellExitedError('The shell has exited; start a new one.'));
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

  onExit(listener: (exitCode: number | null, cause: ShellEndCause) => void): Disposable {
    return this.ended.event(({ exitCode, cause }) => listener(exitCode, cause));
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

  /**
   * The shell is gone: the running command ends without an exit code (or fails with `hostDied`, the host's
   * death), the queued ones never run.
   */
  markExited(exitCode: number | null, hostDied: HostDiedError | null = null): void {
    if (this.exited) return;
    this.exited = true;
    this.hostDied = hostDied;
    if (hostDied && this.active) {
      this.active.reject(hostDied);
      this.active = null;
    }
    this.finishActive(null, null);
    for (const queued of this.queue.splice(0)) {
      queued.reject(hostDied ?? new ShellExitedError('The shell exited before this command could run.'));
    }
    this.ended.fire({ exitCode, cause: hostDied ? 'hostDied' : 'exited' });
    this.ended.dispose();
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

export interface PtyHostOptions {
  /** Node's fork by default; Electron passes its utility-process launcher. */
  launcher?: HostLauncher;
  entryPath?: string;
  /** Waits before each relaunch after host deaths in a row; when they run out, the next createShell starts one. */
  restartDelaysMs?: readonly number[];
  /** How long dispose() lets the host end its shells and exit before killing it. */
  shutdownGraceMs?: number;
}

interface RunningHost {
  channel: HostChannel;
  /** Resolves once the process has exited. */
  gone: Promise<void>;
}

/**
 * The main process's handle on the pty host process and its shells. The host reports each shell's pid (its
 * session id), so that when the host dies (a crash, `kill -9`) main ends what its shells left behind (`nohup`
 * jobs the terminal's hangup spared), fails the commands that were running with HostDiedError, and starts a
 * new host: the next shell asked for is a fresh one.
 */
export class PtyHost {
  private readonly launcher: HostLauncher;
  private readonly entryPath: string;
  private readonly restartDelays: readonly number[];
  private readonly shutdownGraceMs: number;
  /** Null while a relaunch waits, and after dispose. */
  private host: RunningHost | null = null;
  private readonly sessions = new Map<number, HostShellSession>();
  private readonly creating = new Map<number, PendingCreate>();
  /** Shell id -> its pid (= session id), from `spawned` until the host reports it gone. */
  private readonly shellPids = new Map<number, number>();
  private readonly hostExited = new Emitter<number | null>();
  private nextShellId = 1;
  private deathsInARow = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private disposed = false;
  private disposal: Promise<void> | null = null;
  /** Main's ending of dead hosts' sessions; dispose() waits for it. */
  private cleanup: Promise<unknown> = Promise.resolve();

  static start(options: PtyHostOptions = {}): PtyHost {
    return new PtyHost(options);
  }

  private constructor(options: PtyHostOptions) {
    this.launcher = options.launcher ?? nodeHostLauncher;
    this.entryPath = options.entryPath ?? defaultPtyHostEntry();
    this.restartDelays = options.restartDelaysMs ?? DEFAULT_RESTART_DELAYS_MS;
    this.shutdownGraceMs = options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS;
    this.launch();
  }

  private launch(): RunningHost {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const channel = this.launcher(this.entryPath, 'ptyHost');
    channel.onMessage((message) => {
      if (this.host?.channel === channel) this.receive(message);
    });
    const gone = new Promise<void>((resolve) => {
      channel.onExit((code) => {
        this.onChannelExit(channel, code);
        resolve();
      });
    });
    this.host = { channel, gone };
    return this.host;
  }

  createShell(options: ShellOptions): Promise<ShellSession> {
    if (this.disposed) return Promise.reject(new HostExitedError('The pty host has exited.'));
    const { channel } = this.host ?? this.launch();
    const shellId = this.nextShellId++;
    const session = new HostShellSession(shellId, (request) => channel.postMessage(request));
    return new Promise<ShellSession>((resolve, reject) => {
      this.creating.set(shellId, {
        resolve: () => {
          this.sessions.set(shellId, session);
          resolve(session);
        },
        reject,
      });
      channel.postMessage({
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
    return this.hostExited.event(listener);
  }

  /** Kills every shell and the host; resolves once they are gone. */
  dispose(): Promise<void> {
    this.disposal ??= this.shutdown();
    return this.disposal;
  }

  private async shutdown(): Promise<void> {
    this.disposed = true;
    this.hostExited.dispose();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const host = this.host;
    if (host) {
      host.channel.postMessage({ type: 'shutdown' } satisfies HostRequest);
      const timer = setTimeout(() => host.channel.kill(), this.shutdownGraceMs);
      await host.gone;
      clearTimeout(timer);
    }
    await this.cleanup;
  }

  private receive(message: unknown): void {
    const parsed = HostEvent.safeParse(message);
    if (!parsed.success) {
      console.error(`[ptyHost] invalid message from the host ignored: ${z.prettifyError(parsed.error)}`);
      return;
    }
    const event = parsed.data;
    switch (event.type) {
      case 'spawned':
        this.shellPids.set(event.shellId, event.pid);
        return;
      case 'ready':
      case 'createFailed': {
        const pending = this.creating.get(event.shellId);
        this.creating.delete(event.shellId);
        if (event.type === 'ready') {
          this.deathsInARow = 0;
          pending?.resolve();
        } else {
          // The host has killed what the shell started.
          this.shellPids.delete(event.shellId);
          pending?.reject(event.reason === 'unavailable' ? new ShellUnavailableError(event.message) : new ShellStartError(event.message));
        }
        return;
      }
      case 'exited':
        this.shellPids.delete(event.shellId);
        this.sessions.get(event.shellId)?.receive(event);
        this.sessions.delete(event.shellId);
        return;
      default:
        this.sessions.get(event.shellId)?.receive(event);
    }
  }

  private onChannelExit(channel: HostChannel, code: number | null): void {
    if (this.host?.channel !== channel) return;
    this.host = null;
    const died = this.disposed
      ? null
      : new HostDiedError(
          `The shell stopped unexpectedly (its pty host process ${code === null ? 'was killed' : `exited with code ${code}`}) and was restarted: the next command runs in a fresh shell.`,
        );
    for (const pending of this.creating.values()) pending.reject(died ?? new HostExitedError('The pty host exited while a shell was starting.'));
    this.creating.clear();
    for (const session of this.sessions.values()) session.markExited(null, died);
    this.sessions.clear();
    // Whatever the host could not kill itself (it was killed first): the terminal's hangup spares `nohup` jobs.
    const leftBehind = endShellSessions([...this.shellPids.values()], HANGUP_GRACE_MS);
    this.cleanup = Promise.all([this.cleanup, leftBehind]);
    this.shellPids.clear();
    if (!died) return;
    this.hostExited.fire(code);
    this.scheduleRelaunch();
  }

  private scheduleRelaunch(): void {
    this.deathsInARow += 1;
    const delay = this.restartDelays[this.deathsInARow - 1];
    // Dying again and again: no more relaunches on our own; the next shell asked for starts a host.
    if (delay === undefined) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.host || this.disposed) return;
      try {
        this.launch();
      } catch (error) {
        // Nothing waits on this launch: the next createShell tries again, and reports the error to its caller.
        console.error('[ptyHost] the pty host could not be started again:', error);
      }
    }, delay);
  }
}
