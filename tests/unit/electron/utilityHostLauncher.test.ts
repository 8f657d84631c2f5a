import { afterEach, describe, expect, it, vi } from 'vitest';

// `require('electron')` throws under plain Node: a utility process that only records.
const electron = vi.hoisted(() => {
  const child = { pid: 4242 as number | undefined, kill: vi.fn(), postMessage: vi.fn(), on: vi.fn() };
  return { child, utilityProcess: { fork: vi.fn(() => child) } };
});
vi.mock('electron', () => ({ utilityProcess: electron.utilityProcess }));

import { utilityHostLauncher } from '../../../main/electron/utilityHostLauncher';

afterEach(() => vi.restoreAllMocks());

describe('utilityHostLauncher', () => {
  it('kills a host with SIGKILL (utilityProcess.kill is a SIGTERM, which a host stuck in a loop never handles)', () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const channel = utilityHostLauncher('test host')('/app/out/main/ptyHost.js', 'ptyHost');
    expect(electron.utilityProcess.fork).toHaveBeenCalledWith('/app/out/main/ptyHost.js', [], { serviceName: 'test host', stdio: 'inherit' });
    channel.kill();
    expect(kill).toHaveBeenCalledWith(4242, 'SIGKILL');
    expect(electron.child.kill).not.toHaveBeenCalled();

    // Gone already (no pid, or the signal fails): nothing is thrown; its exit comes through onExit.
    kill.mockImplementation(() => {
      throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
    });
    expect(() => channel.kill()).not.toThrow();
    electron.child.pid = undefined;
    kill.mockClear();
    channel.kill();
    expect(kill).not.toHaveBeenCalled();
  });
});
