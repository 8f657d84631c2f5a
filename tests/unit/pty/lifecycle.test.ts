import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeHostLauncher } from '../../../base/node/hostChannel';
import {
  HostDiedError,
  HostExitedError,
  PtyHost,
  ShellExitedError,
  type PtyHostOptions,
  type ShellEndCause,
  type ShellSession,
} from '../../../main/pty/ptyHost';
import { JOB_THAT_IGNORES_HANGUP, isAlive, runCollect, tempHome, waitUntil } from './helpers';

interface Pids {
  shellPid: number;
  hostPid: number;
  jobPid: number;
}

const hosts: PtyHost[] = [];
const parents: ChildProcess[] = [];

function startHost(options: PtyHostOptions = {}): PtyHost {
  const host = PtyHost.start(options);
  hosts.push(host);
  return host;
}

/** A shell with a background job that survives a hangup (as `nohup` would); the pids of the shell, its parent (the host) and the job. */
async function shellWithJob(host: PtyHost): Promise<{ shell: ShellSession; pids: Pids }> {
  const home = tempHome();
  const shell = await host.createShell({ cwd: home, env: { HOME: home } });
  const { output } = await runCollect(shell, JOB_THAT_IGNORES_HANGUP);
  const [shellPid, hostPid, jobPid] = (/pids (\d+) (\d+) (\d+)/.exec(output) ?? []).slice(1).map(Number);
  const pids = { shellPid: shellPid ?? 0, hostPid: hostPid ?? 0, jobPid: jobPid ?? 0 };
  expect(Object.values(pids).every(isAlive)).toBe(true);
  return { shell, pids };
}

/**
 * A shell with the jobs a closed terminal does not end: one under `nohup`, one ignoring SIGHUP and SIGTERM. The
 * cell also drops the shell's EXIT trap (which would end them when the terminal goes): only main can, then.
 */
async function shellWithSurvivors(host: PtyHost): Promise<{ shell: ShellSession; pids: Pids & { nohupPid: number; trapPid: number } }> {
  const home = tempHome();
  const shell = await host.createShell({ cwd: home, env: { HOME: home } });
  const { output } = await runCollect(
    shell,
    `trap - EXIT; nohup sleep 3600 >/dev/null 2>&1 & nohup_pid=$!; (trap '' HUP TERM; exec sleep 3600) & echo "pids $$ $PPID $nohup_pid $!"`,
  );
  const [shellPid = 0, hostPid = 0, nohupPid = 0, trapPid = 0] = (/pids (\d+) (\d+) (\d+) (\d+)/.exec(output) ?? []).slice(1).map(Number);
  const pids = { shellPid, hostPid, jobPid: trapPid, nohupPid, trapPid };
  expect(Object.values(pids).every(isAlive)).toBe(true);
  return { shell, pids };
}

/** A stand-in for main (fixtures/parentWithHost.ts) with its host, shell and job; killed after the test if it is not. */
async function startParentWithHost(): Promise<{ parent: ChildProcess; pids: Pids }> {
  const fixture = fileURLToPath(new URL('./fixtures/parentWithHost.ts', import.meta.url));
  const parent = spawn(process.execPath, ['--import', 'tsx', fixture], { env: { ...process.env, HOME: tempHome() }, stdio: ['ignore', 'pipe', 'inherit'] });
  parents.push(parent);
  let stdout = '';
  parent.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  // Starting node, tsx, the host and bash takes seconds on a loaded machine.
  expect(await waitUntil(() => stdout.includes('\n'), 25_000)).toBe(true);
  const pids = JSON.parse(stdout) as Pids;
  expect(Object.values(pids).every(isAlive)).toBe(true);
  return { parent, pids };
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.dispose()));
  // Its host then ends its shells (the parent's disconnect).
  for (const parent of parents.splice(0)) if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
});

describe('pty lifecycle', () => {
  it("dispose() kills the shell and its background jobs; PtyHost.dispose() ends the host", async () => {
    const host = startHost();
    const { shell, pids } = await shellWithJob(host);
    const exits: (number | null)[] = [];
    shell.onExit((code) => exits.push(code));
    await shell.dispose();
    expect(isAlive(pids.shellPid)).toBe(false);
    expect(await waitUntil(() => !isAlive(pids.jobPid), 10_000)).toBe(true);
    expect(exits).toEqual([null]);
    await shell.dispose(); // idempotent
    await expect(shell.run('true', () => undefined)).rejects.toBeInstanceOf(ShellExitedError);

    const other = await shellWithJob(host);
    const hostExits: (number | null)[] = [];
    host.onHostExit((code) => hostExits.push(code));
    await host.dispose();
    expect(hostExits).toEqual([]); // ended on purpose: not reported as a crash
    expect(isAlive(pids.hostPid)).toBe(false);
    expect(isAlive(other.pids.shellPid)).toBe(false);
    expect(await waitUntil(() => !isAlive(other.pids.jobPid), 10_000)).toBe(true);
    await expect(host.createShell({ cwd: '/' })).rejects.toBeInstanceOf(HostExitedError);
  });

  it("kills a shell's background jobs when the shell exits by itself", async () => {
    const host = startHost();
    const { shell, pids } = await shellWithJob(host);
    await runCollect(shell, 'exit');
    expect(await waitUntil(() => !isAlive(pids.jobPid) && !isAlive(pids.shellPid), 10_000)).toBe(true);
  });

  it('a killed host comes back by itself: the running command fails, the jobs its terminal spared are ended, a new shell runs', async () => {
    let launches = 0;
    const host = startHost({ launcher: (entryPath, name) => (launches++, nodeHostLauncher(entryPath, name)) });
    const { shell, pids } = await shellWithSurvivors(host);
    const hostExits: (number | null)[] = [];
    host.onHostExit((code) => hostExits.push(code));
    const shellEnds: ShellEndCause[] = [];
    shell.onExit((_code, cause) => shellEnds.push(cause));
    const running = runCollect(shell, 'sleep 30');
    const queued = shell.run('echo never', () => undefined);
    process.kill(pids.hostPid, 'SIGKILL');

    await expect(running).rejects.toThrow(/stopped unexpectedly .* and was restarted/);
    await expect(running).rejects.toBeInstanceOf(HostDiedError);
    await expect(queued).rejects.toBeInstanceOf(HostDiedError);
    await expect(shell.run('true', () => undefined)).rejects.toBeInstanceOf(HostDiedError);
    expect(hostExits).toEqual([null]);
    expect(shellEnds).toEqual(['hostDied']);
    // `nohup sleep` and `trap '' HUP TERM` outlive the terminal's hangup: main ends them itself.
    expect(await waitUntil(() => [pids.shellPid, pids.nohupPid, pids.trapPid].every((pid) => !isAlive(pid)), 20_000)).toBe(true);

    expect(await waitUntil(() => launches === 2, 20_000)).toBe(true);
    const home = tempHome();
    const next = await host.createShell({ cwd: home, env: { HOME: home } });
    const { output, exitCode } = await runCollect(next, 'echo "host $PPID"');
    expect(exitCode).toBe(0);
    const newHostPid = Number(/host (\d+)/.exec(output)?.[1]);
    expect(newHostPid).not.toBe(pids.hostPid);
    expect(isAlive(newHostPid)).toBe(true);
    expect(launches).toBe(2);
  }, 90_000);

  it('dispose() ends the jobs of a host that does not exit when asked (it is killed, then main ends its sessions)', async () => {
    const host = startHost({ shutdownGraceMs: 500 });
    const { pids } = await shellWithSurvivors(host);
    process.kill(pids.hostPid, 'SIGSTOP');
    await host.dispose();
    expect(isAlive(pids.hostPid)).toBe(false);
    expect(await waitUntil(() => [pids.shellPid, pids.nohupPid, pids.trapPid].every((pid) => !isAlive(pid)), 20_000)).toBe(true);
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('kills its shells when the host gets %s', async (signal) => {
    const host = startHost();
    const { pids } = await shellWithJob(host);
    const hostExits: (number | null)[] = [];
    host.onHostExit((code) => hostExits.push(code));
    process.kill(pids.hostPid, signal);
    expect(await waitUntil(() => hostExits.length === 1, 10_000)).toBe(true);
    expect(await waitUntil(() => !isAlive(pids.shellPid) && !isAlive(pids.jobPid), 10_000)).toBe(true);
  });

  it('the host kills its shells when its parent dies', async () => {
    const { parent, pids } = await startParentWithHost();
    parent.kill('SIGKILL');
    expect(await waitUntil(() => !isAlive(pids.hostPid) && !isAlive(pids.shellPid) && !isAlive(pids.jobPid), 10_000)).toBe(true);
  });

  it("runs a ~/.bashrc's EXIT trap before the shell's own", async () => {
    const host = startHost();
    const home = tempHome();
    writeFileSync(path.join(home, '.bashrc'), `trap 'echo "it'\\''s done" > "$HOME/exited"' EXIT\n`);
    const shell = await host.createShell({ cwd: home, env: { HOME: home } });
    const ended = new Promise((resolve) => shell.onExit(resolve));
    await runCollect(shell, 'exit');
    await ended;
    expect(readFileSync(path.join(home, 'exited'), 'utf8')).toBe("it's done\n");
  });

  it('when main and the host are both killed, the shell itself ends the jobs its terminal spared', async () => {
    const { parent, pids } = await startParentWithHost();
    // Stopped first, main cannot clean up after the host; killed, the host cannot either.
    parent.kill('SIGSTOP');
    process.kill(pids.hostPid, 'SIGKILL');
    parent.kill('SIGKILL');
    expect(await waitUntil(() => !isAlive(pids.shellPid) && !isAlive(pids.jobPid), 20_000)).toBe(true);
  });
});
