import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';
import { PtyHost, type CommandResult, type ShellSession } from '../../../main/pty/ptyHost';
import { JournalSession } from '../../../main/services/journalSession';
import { TrustStore } from '../../../main/storage/trustStore';
import { WorkspaceStore } from '../../../main/storage/workspaceStore';

/**
 * Starts a background job that ignores SIGHUP, so that only an explicit kill ends it (bash's and the kernel's
 * hangups would not), and prints "pids <shell> <shell's parent: the host> <job>".
 */
export const JOB_THAT_IGNORES_HANGUP = `(trap '' HUP; exec sleep 1000) & echo "pids $$ $PPID $!"`;

/** A fresh HOME (no ~/.bashrc unless a test writes one) so the machine's own bashrc does not change results. */
export function tempHome(): string {
  return mkdtempSync(path.join(tmpdir(), 'steerway-pty-test-'));
}

export async function runCollect(shell: ShellSession, command: string): Promise<CommandResult & { output: string }> {
  let output = '';
  const result = await shell.run(command, (data) => (output += data));
  return { ...result, output };
}

/** Alive and not a zombie (a killed process stays in /proc as a zombie until its parent reaps it). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
}

/**
 * A journal session over a real pty host in a fresh workspace and HOME (the shells read this HOME's absent
 * ~/.bashrc, not the machine's), recording what it emits; `cleanups` gets what stops it, for the test's afterEach.
 */
export async function openTestJournal(label: string, cleanups: (() => Promise<void>)[]) {
  vi.stubEnv('HOME', tempHome());
  const workspace = mkdtempSync(path.join(tmpdir(), `steerway-${label}-ws-`));
  const ptyHost = PtyHost.start({});
  cleanups.push(() => ptyHost.dispose());
  const events: { event: string; payload: Record<string, unknown> }[] = [];
  const session = await JournalSession.create(label, {
    store: new WorkspaceStore(workspace),
    trust: new TrustStore(mkdtempSync(path.join(tmpdir(), `steerway-${label}-user-`))),
    ptyHost,
    workspacePath: workspace,
    emit: (event, payload) => events.push({ event, payload: payload as Record<string, unknown> }),
  });
  cleanups.push(() => session.dispose());
  return { session, events };
}

