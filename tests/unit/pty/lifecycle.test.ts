import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { HostExitedError, PtyHost, ShellExitedError, type ShellSession } from '../../../main/pty/ptyHost';
import { JOB_THAT_IGNORES_HANGUP, isAlive, runCollect, tempHome, waitUntil } from './helpers';

interface Pids {
  shellPid: number;
  hostPid: number;
  jobPid: number;
}

const hosts: PtyHost[] = [];

function startHost(): PtyHost {
  const host = PtyHost.start({});
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

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.dispose()));
});

describe('pty lifecycle', () => {
  it("dispose() kills the shell and its background jobs; PtyHost.dispose() ends the host", async () => {
    const host = startHost();
    const { shell, pids } = await shellWithJob(host);
    const exits: (number | null)[] = [];
    shell.onExit((code) => exits.push(code));
    await shell.dispose();
    expect(isAlive(pids.shellPid)).toBe(false);
    expect(await waitUntil(() => !isAlive(pids.jobPid), 2_000)).toBe(true);
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
    expect(await waitUntil(() => !isAlive(other.pids.jobPid), 2_000)).toBe(true);
    await expect(host.createShell({ cwd: '/' })).rejects.toBeInstanceOf(HostExitedError);
  });

  it("kills a shell's background jobs when the shell exits by itself", async () => {
    const host = startHost();
    const { shell, pids } = await shellWithJob(host);
    await runCollect(shell, 'exit');
    expect(await waitUntil(() => !isAlive(pids.jobPid) && !isAlive(pids.shellPid), 3_000)).toBe(true);
  });

  it('resolves the running command and reports when the host dies', async () => {
    const host = startHost();
    const home = tempHome();
    const shell = await host.createShell({ cwd: home, env: { HOME: home } });
    // No job that ignores hangups here: nothing can clean up after a SIGKILLed host.
    const [shellPid = 0, hostPid = 0] = ((await runCollect(shell, 'echo $$ $PPID')).output.match(/\d+/g) ?? []).map(Number);
    const hostExits: (number | null)[] = [];
    host.onHostExit((code) => hostExits.push(code));
    const shellExits: (number | null)[] = [];
    shell.onExit((code) => shellExits.push(code));
    const running = runCollect(shell, 'sleep 30');
    const queued = shell.run('echo never', () => undefined);
    process.kill(hostPid, 'SIGKILL');
    expect((await running).exitCode).toBeNull();
    await expect(queued).rejects.toBeInstanceOf(ShellExitedError);
    expect(hostExits).toEqual([null]);
    expect(shellExits).toEqual([null]);
    // The kernel hangs up the shell's terminal when its master side (the host) is gone.
    expect(await waitUntil(() => !isAlive(shellPid), 3_000)).toBe(true);
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('kills its shells when the host gets %s', async (signal) => {
    const host = startHost();
    const { pids } = await shellWithJob(host);
    const hostExits: (number | null)[] = [];
    host.onHostExit((code) => hostExits.push(code));
    process.kill(pids.hostPid, signal);
    expect(await waitUntil(() => hostExits.length === 1, 3_000)).toBe(true);
    expect(await waitUntil(() => !isAlive(pids.shellPid) && !isAlive(pids.jobPid), 3_000)).toBe(true);
  });

  it('the host kills its shells when its parent dies', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/parentWithHost.ts', import.meta.url));
    const parent = spawn(process.execPath, ['--import', 'tsx', fixture], { env: { ...process.env, HOME: tempHome() }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    parent.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    expect(await waitUntil(() => stdout.includes('\n'), 10_000)).toBe(true);
    const pids = JSON.parse(stdout) as Pids;
    expect(Object.values(pids).every(isAlive)).toBe(true);
    parent.kill('SIGKILL');
    expect(await waitUntil(() => !isAlive(pids.hostPid) && !isAlive(pids.shellPid) && !isAlive(pids.jobPid), 5_000)).toBe(true);
  });
});
