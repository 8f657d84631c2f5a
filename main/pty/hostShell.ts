import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn, type IPty } from 'node-pty';
import { bashIntegrationScript, commandLine, promptAcknowledgement } from './bashIntegration';
import { MarkerParser, type ShellEvent } from './markerParser';
import { foregroundProcessGroup, hasExeced, killShellProcesses } from './processTree';
import type { HostEvent, HostRequest } from './protocol';
import { withPagerDefaults } from './shellEnv';

type CreateRequest = Extract<HostRequest, { type: 'create' }>;

// While a Ctrl+C waits for the job to start, how often to look again.
const INTERRUPT_WATCH_MS = 10;
// How long after a command starts bash may still be starting its job (see deliverInterrupt).
const JOB_START_GRACE_MS = 200;
// Output is coalesced so that a flood (`seq 1 100000`) crosses the IPC channel in a few hundred messages, not thousands.
const BATCH_INTERVAL_MS = 12;
const BATCH_MAX_CHARS = 64 * 1024;

/** The first `bash` on PATH, or null. */
export function findBash(pathVariable: string | undefined): string | null {
  for (const directory of (pathVariable ?? '').split(path.delimiter)) {
    if (directory === '') continue;
    const candidate = path.join(directory, 'bash');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function isDirectory(directory: string): boolean {
  try {
    return statSync(directory).isDirectory();
  } catch {
    return false;
  }
}

interface RunningCommand {
  /** True once the shell printed "command runs" (PS0): input and Ctrl+C wait for it, so readline never sees them. */
  started: boolean;
  startedAt: number;
  pendingInput: string;
  interruptAtStart: boolean;
  /** Set while a Ctrl+C waits for the job to start (see deliverInterrupt). */
  interruptWatch: NodeJS.Timeout | null;
}

/** One bash in a pty, inside the host: types commands at its prompt and cuts its output at the markers. */
export class HostShell {
  private readonly parser: MarkerParser;
  private firstPromptSeen = false;
  private startFailure: string | null = null;
  private readonly startTimer: NodeJS.Timeout;
  private atPrompt = false;
  private lineToType: string | null = null;
  private command: RunningCommand | null = null;
  private cwd: string | null = null;
  private output = '';
  private flushTimer: NodeJS.Timeout | null = null;
  private exited = false;
  /** Resolves once bash has exited and what it left behind is killed. */
  readonly gone: Promise<void>;

  /** Starts bash; on failure reports `createFailed` and returns null. */
  static start(request: CreateRequest, send: (event: HostEvent) => void): HostShell | null {
    const fail = (reason: 'unavailable' | 'failed', message: string): null => {
      send({ type: 'createFailed', shellId: request.shellId, reason, message });
      return null;
    };
    const given: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...process.env, ...request.env })) if (value !== undefined) given[name] = value;
    const env: Record<string, string> = { ...withPagerDefaults(given), TERM: 'xterm-256color', COLORTERM: 'truecolor', STEERWAY: '1' };
    const bash = findBash(env.PATH);
    if (bash === null) return fail('unavailable', `Command cells need bash, and there is no bash on PATH (${env.PATH ?? 'unset'}).`);
    if (!isDirectory(request.cwd)) return fail('failed', `The shell's working directory ${request.cwd} is not a directory.`);

    const nonce = randomBytes(16).toString('hex');
    const rcDirectory = mkdtempSync(path.join(tmpdir(), 'steerway-shell-'));
    const rcFile = path.join(rcDirectory, 'bashrc');
    writeFileSync(rcFile, bashIntegrationScript(nonce), { mode: 0o600 });
    try {
      const pty = spawn(bash, ['--noprofile', '--rcfile', rcFile, '-i'], {
        name: 'xterm-256color',
        cols: request.cols,
        rows: request.rows,
        cwd: request.cwd,
        env,
      });
      return new HostShell(request, pty, nonce, rcDirectory, send);
    } catch (error) {
      rmSync(rcDirectory, { recursive: true, force: true });
      return fail('failed', `bash could not be started: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private constructor(
    private readonly request: CreateRequest,
    private readonly pty: IPty,
    private readonly nonce: string,
    private readonly rcDirectory: string,
    private readonly send: (event: HostEvent) => void,
  ) {
    send({ type: 'spawned', shellId: request.shellId, pid: pty.pid });
    this.parser = new MarkerParser(nonce, (event) => this.onShellEvent(event));
    this.startTimer = setTimeout(() => {
      this.startFailure = `bash showed no prompt within ${request.startTimeoutMs} ms (does ~/.bashrc wait for something?).`;
      this.kill();
    }, request.startTimeoutMs);
    pty.onData((data) => this.parser.feed(data));
    this.gone = new Promise((resolve) => {
      pty.onExit(({ exitCode, signal }) => {
        this.onExit(signal ? null : exitCode);
        resolve();
      });
    });
  }

  run(command: string): void {
    if (this.command !== null) {
      console.error(`[ptyHost] shell ${this.request.shellId}: a command was sent while another runs; ignored`);
      return;
    }
    this.command = { started: false, startedAt: 0, pendingInput: '', interruptAtStart: false, interruptWatch: null };
    this.lineToType = commandLine(command);
    this.typeAtPrompt();
  }

  /** Keys for the running command; dropped when none runs, so they are never typed at the prompt. */
  input(data: string): void {
    if (this.command?.started) this.write(data);
    else if (this.command) this.command.pendingInput += data;
  }

  /** One Ctrl+C per call, as in a terminal: a program that handled the first gets another. */
  interrupt(): void {
    if (!this.command) return;
    if (!this.command.started) this.command.interruptAtStart = true;
    else if (!this.command.interruptWatch) this.deliverInterrupt(this.command);
  }

  resize(cols: number, rows: number): void {
    if (!this.exited) this.pty.resize(cols, rows);
  }

  /** Kills bash and every job it started; `exited` follows. */
  kill(): void {
    killShellProcesses(this.pty.pid);
  }

  /**
   * Ctrl+C reaches the terminal's foreground group. Just after a command starts that is bash, about to start the
   * job: bash would swallow it and not even hand the terminal to the job. Then the job's first process, until it has
   * exec'd its program, still has bash's signal handlers. So the Ctrl+C waits until a job runs its own program, or
   * bash has been in the foreground long enough to be running builtins (`read`, a loop).
   */
  private deliverInterrupt(command: RunningCommand): void {
    const shellPid = this.pty.pid;
    const trySend = (): boolean => {
      const group = foregroundProcessGroup(shellPid);
      if (group === null) return true; // the shell is gone
      const settled = Date.now() - command.startedAt >= JOB_START_GRACE_MS;
      if (!settled && (group === shellPid || !hasExeced(group, shellPid))) return false;
      this.write('\x03');
      return true;
    };
    if (trySend()) return;
    command.interruptWatch = setInterval(() => {
      if (trySend()) this.stopInterruptWatch(command);
    }, INTERRUPT_WATCH_MS);
  }

  private stopInterruptWatch(command: RunningCommand | null): void {
    if (command?.interruptWatch) clearInterval(command.interruptWatch);
    if (command) command.interruptWatch = null;
  }

  private write(data: string): void {
    if (!this.exited) this.pty.write(data);
  }

  private typeAtPrompt(): void {
    if (!this.atPrompt || this.lineToType === null) return;
    this.atPrompt = false;
    this.write(this.lineToType);
    this.lineToType = null;
  }

  private onShellEvent(event: ShellEvent): void {
    switch (event.kind) {
      case 'text':
        if (this.command?.started) this.appendOutput(event.text);
        return;
      case 'promptEnd':
        this.atPrompt = true;
        if (!this.firstPromptSeen) this.onFirstPrompt();
        this.typeAtPrompt();
        return;
      case 'commandStart':
        if (this.command && !this.command.started) {
          this.command.started = true;
          this.command.startedAt = Date.now();
          if (this.command.pendingInput !== '') this.write(this.command.pendingInput);
          if (this.command.interruptAtStart) this.deliverInterrupt(this.command);
        }
        return;
      case 'cwd':
        this.cwd = event.cwd;
        return;
      case 'commandEnd': {
        // Every prompt waits for its acknowledgement; keys for an ended command are passed on no more (it is
        // forgotten first), and the prompt command reads away what the terminal still holds up to it.
        const command = this.command?.started ? this.command : null;
        if (command) this.command = null;
        this.write(promptAcknowledgement(this.nonce));
        if (!command) return; // the first prompt's (a command queued before it has not started)
        this.flushOutput();
        this.stopInterruptWatch(command);
        this.send({ type: 'finished', shellId: this.request.shellId, exitCode: event.exitCode, cwd: this.cwd });
        return;
      }
    }
  }

  private onFirstPrompt(): void {
    this.firstPromptSeen = true;
    clearTimeout(this.startTimer);
    // bash has read the rcfile; the nonce should not stay on disk.
    rmSync(this.rcDirectory, { recursive: true, force: true });
    this.send({ type: 'ready', shellId: this.request.shellId });
  }

  private appendOutput(text: string): void {
    this.output += text;
    if (this.output.length >= BATCH_MAX_CHARS) this.flushOutput();
    else this.flushTimer ??= setTimeout(() => this.flushOutput(), BATCH_INTERVAL_MS);
  }

  private flushOutput(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.output === '') return;
    this.send({ type: 'data', shellId: this.request.shellId, data: this.output });
    this.output = '';
  }

  private onExit(exitCode: number | null): void {
    this.exited = true;
    clearTimeout(this.startTimer);
    this.stopInterruptWatch(this.command);
    this.flushOutput();
    // Background jobs (`sleep 1000 &`) outlive bash's own exit; they go with it.
    killShellProcesses(this.pty.pid);
    rmSync(this.rcDirectory, { recursive: true, force: true });
    if (this.firstPromptSeen) {
      this.send({ type: 'exited', shellId: this.request.shellId, exitCode });
    } else {
      const message = this.startFailure ?? `bash exited (code ${exitCode ?? 'none'}) before showing its first prompt.`;
      this.send({ type: 'createFailed', shellId: this.request.shellId, reason: 'failed', message });
    }
  }
}
