import { afterEach, describe, expect, it, vi } from 'vitest';
import { nodeHostLauncher, type HostChannel, type HostLauncher } from '../../../base/node/hostChannel';
import { defaultPtyHostEntry } from '../../../main/pty/hostEntry';
import { HostDiedError, HostExitedError, PtyHost } from '../../../main/pty/ptyHost';
import { runCollect, tempHome } from './helpers';

/** A host that is only a recorder: the test plays the host's side. */
function fakeHost() {
  const fake = {
    entryPath: '',
    name: '',
    launches: 0,
    posted: [] as unknown[],
    killed: false,
    fromHost: (_message: unknown): void => undefined,
    exit: (_code: number | null): void => undefined,
  };
  const launcher: HostLauncher = (entryPath, name) => {
    fake.entryPath = entryPath;
    fake.name = name;
    fake.launches += 1;
    const exitListeners: ((code: number | null) => void)[] = [];
    fake.exit = (code) => exitListeners.forEach((listener) => listener(code));
    return {
      postMessage: (message) => fake.posted.push(message),
      onMessage: (listener) => (fake.fromHost = listener),
      onExit: (listener) => exitListeners.push(listener),
      kill: () => {
        fake.killed = true;
        fake.exit(null);
      },
    };
  };
  return { fake, launcher };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('PtyHost', () => {
  it('starts the host through the launcher, at the default entry unless told', async () => {
    const { fake, launcher } = fakeHost();
    PtyHost.start({ launcher });
    expect(fake.entryPath).toBe(defaultPtyHostEntry());
    // Its log lines say which host they come from.
    expect(fake.name).toBe('ptyHost');
    PtyHost.start({ launcher, entryPath: '/somewhere/ptyHost.js' });
    expect(fake.entryPath).toBe('/somewhere/ptyHost.js');
  });

  it('ignores malformed messages from the host', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { fake, launcher } = fakeHost();
    const host = PtyHost.start({ launcher });
    const creating = host.createShell({ cwd: '/tmp', cols: 90, rows: 20 });
    expect(fake.posted).toEqual([{ type: 'create', shellId: 1, cwd: '/tmp', env: {}, cols: 90, rows: 20, startTimeoutMs: 10_000 }]);
    fake.fromHost({ type: 'ready' });
    fake.fromHost('garbage');
    // Main would end this session if the host died: never init's.
    fake.fromHost({ type: 'spawned', shellId: 1, pid: 1 });
    expect(errors).toHaveBeenCalledTimes(3);
    fake.fromHost({ type: 'ready', shellId: 1 });
    const shell = await creating;
    const running = shell.run('echo hi', () => undefined);
    fake.fromHost({ type: 'finished', shellId: 1, exitCode: 0, cwd: '/tmp' });
    expect(await running).toMatchObject({ exitCode: 0, cwd: '/tmp', interrupted: false });
  });

  it('kills a host that does not exit after being asked to', async () => {
    vi.useFakeTimers();
    const { fake, launcher } = fakeHost();
    const host = PtyHost.start({ launcher });
    const exits: (number | null)[] = [];
    host.onHostExit((code) => exits.push(code));
    const disposed = host.dispose();
    expect(fake.posted).toEqual([{ type: 'shutdown' }]);
    expect(fake.killed).toBe(false);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fake.killed).toBe(true);
    await disposed;
    expect(exits).toEqual([]); // a disposed host's exit is no crash
  });

  it('relaunches a dead host after a backoff; after too many deaths in a row, only when a shell is asked for', async () => {
    vi.useFakeTimers();
    const { fake, launcher } = fakeHost();
    const host = PtyHost.start({ launcher, restartDelaysMs: [100, 200] });
    const exits: (number | null)[] = [];
    host.onHostExit((code) => exits.push(code));
    expect(fake.launches).toBe(1);
    const starting = host.createShell({ cwd: '/tmp' });
    fake.exit(null);
    await expect(starting).rejects.toBeInstanceOf(HostDiedError);
    await vi.advanceTimersByTimeAsync(99);
    expect(fake.launches).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.launches).toBe(2);
    fake.exit(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(fake.launches).toBe(3);
    fake.exit(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.launches).toBe(3);
    expect(exits).toEqual([null, 1, 1]);

    const creating = host.createShell({ cwd: '/tmp' });
    expect(fake.launches).toBe(4);
    expect(fake.posted.at(-1)).toMatchObject({ type: 'create', shellId: 2 });
    fake.fromHost({ type: 'ready', shellId: 2 });
    await creating;
    // A shell started: the host works again, and the next death is relaunched as the first was.
    fake.exit(null);
    await vi.advanceTimersByTimeAsync(100);
    expect(fake.launches).toBe(5);

    const disposed = host.dispose();
    fake.exit(0);
    await disposed;
    await expect(host.createShell({ cwd: '/tmp' })).rejects.toBeInstanceOf(HostExitedError);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.launches).toBe(5);
  });

  it('a relaunch that throws is logged, and the next shell asked for launches again', async () => {
    vi.useFakeTimers();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { fake, launcher } = fakeHost();
    let failNext = false;
    const host = PtyHost.start({
      launcher: (entryPath, name) => {
        if (failNext) {
          failNext = false;
          throw new Error('no such file');
        }
        return launcher(entryPath, name);
      },
      restartDelaysMs: [100],
    });
    failNext = true;
    fake.exit(null);
    await vi.advanceTimersByTimeAsync(100);
    expect(errors).toHaveBeenCalledWith('[ptyHost] the pty host could not be started again:', expect.any(Error));
    expect(fake.launches).toBe(1);
    const creating = host.createShell({ cwd: '/tmp' });
    expect(fake.launches).toBe(2);
    fake.fromHost({ type: 'ready', shellId: 1 });
    await creating;
  });

  it('the host ignores malformed requests and keeps serving (it logs them to stderr)', async () => {
    let channel: HostChannel | undefined;
    const host = PtyHost.start({ launcher: (entryPath, name) => (channel = nodeHostLauncher(entryPath, name)) });
    try {
      const home = tempHome();
      const shell = await host.createShell({ cwd: home, env: { HOME: home } });
      channel?.postMessage({ type: 'run', shellId: 1 });
      channel?.postMessage({ type: 'explode' });
      expect((await runCollect(shell, 'echo fine')).output).toBe('fine\r\n');
    } finally {
      await host.dispose();
    }
  });
});
