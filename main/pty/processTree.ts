import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
}

/**
 * Kills a shell and everything it started, synchronously (it also runs in the host's 'exit' handler).
 * With job control every job has its own process group, so killing the shell's group is not enough: on Linux
 * every process of the shell's session is killed (the session outlives its leader, so this also works after
 * the shell itself has exited); elsewhere the shell's descendants.
 */
export function killShellProcesses(shellPid: number): void {
  signalAll(shellProcesses(listProcesses(), shellPid), 'SIGKILL');
}

/**
 * Main's cleanup of shells whose host is gone (it died, or did not exit when asked): every process left in their
 * sessions gets SIGHUP, as a closed terminal sends, and SIGCONT so that a stopped job sees it; what is still there
 * after `graceMs` (`nohup`, `trap '' HUP TERM`) gets SIGKILL. Only on Linux are they all found: elsewhere a job orphaned
 * by its shell's exit is no longer the shell's descendant. A job that started a session of its own (setsid) stays.
 */
export async function endShellSessions(shellPids: readonly number[], graceMs: number): Promise<void> {
  if (shellPids.length === 0) return;
  const left = () => {
    const processes = listProcesses();
    return shellPids.flatMap((shellPid) => shellProcesses(processes, shellPid));
  };
  const hungUp = left();
  if (hungUp.length === 0) return;
  signalAll(hungUp, 'SIGHUP');
  signalAll(hungUp, 'SIGCONT');
  await new Promise((resolve) => setTimeout(resolve, graceMs));
  signalAll(left(), 'SIGKILL');
}

function shellProcesses(processes: ProcessEntry[], shellPid: number): ProcessEntry[] {
  return process.platform === 'linux'
    ? processes.filter((entry) => entry.sid === shellPid)
    : [...processes.filter((entry) => entry.pid === shellPid), ...descendants(processes, shellPid)];
}

/** Signals each process group, then each process. Ids 0 and 1 are never signalled: -1 would mean every process we may signal. */
function signalAll(targets: ProcessEntry[], name: NodeJS.Signals): void {
  for (const group of new Set(targets.map((entry) => entry.pgid))) if (group > 1) signal(-group, name);
  for (const entry of targets) if (entry.pid > 1) signal(entry.pid, name);
}

/** The foreground process group of the shell's terminal (the job that gets Ctrl+C), or null when the shell is gone. */
export function foregroundProcessGroup(shellPid: number): number | null {
  try {
    if (process.platform === 'linux') {
      const stat = readFileSync(`/proc/${shellPid}/stat`, 'utf8');
      // state ppid pgrp session tty_nr tpgid ...
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[5]);
    }
    return Number(execFileSync('ps', ['-o', 'tpgid=', '-p', String(shellPid)], { encoding: 'utf8' }).trim()) || null;
  } catch {
    return null;
  }
}

/**
 * False while `pid` is a child the shell forked that has not yet exec'd its program: it still has the shell's
 * command line, and the shell's signal handlers. Unknown (not Linux, or gone) counts as true.
 */
export function hasExeced(pid: number, shellPid: number): boolean {
  if (process.platform !== 'linux') return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8') !== readFileSync(`/proc/${shellPid}/cmdline`, 'utf8');
  } catch {
    return true;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

function listProcesses(): ProcessEntry[] {
  return process.platform === 'linux' ? listFromProc() : listFromPs();
}

function listFromProc(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // pid (comm) state ppid pgrp session ...; comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    entries.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]), sid: Number(fields[3]) });
  }
  return entries;
}

function listFromPs(): ProcessEntry[] {
  const output = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,pgid='], { encoding: 'utf8' });
  return output
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((fields) => fields.length === 3 && fields.every((field) => Number.isInteger(field) && field > 0))
    .map(([pid = 0, ppid = 0, pgid = 0]) => ({ pid, ppid, pgid, sid: 0 }));
}

function descendants(processes: ProcessEntry[], rootPid: number): ProcessEntry[] {
  const found: ProcessEntry[] = [];
  const parents = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of processes) {
      if (parents.has(entry.ppid) && !parents.has(entry.pid)) {
        parents.add(entry.pid);
        found.push(entry);
        grew = true;
      }
    }
  }
  return found;
}
