import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeHostLauncher } from '../../../../base/node/hostChannel';

const entry = fileURLToPath(new URL('./echoHost.ts', import.meta.url));

/** The next message from the host. */
function next(inbox: unknown[], waiters: ((m: unknown) => void)[]): Promise<unknown> {
  return inbox.length ? Promise.resolve(inbox.shift()) : new Promise((resolve) => waiters.push(resolve));
}

describe('host channel (main end and host end)', () => {
  it('carries JSON both ways, ignores an invalid message, and reports the exit after kill', async () => {
    const channel = nodeHostLauncher(entry, 'echoHost');
    const inbox: unknown[] = [];
    const waiters: ((m: unknown) => void)[] = [];
    channel.onMessage((message) => {
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else inbox.push(message);
    });
    const exited = new Promise<number | null>((resolve) => channel.onExit(resolve));
    try {
      expect(await next(inbox, waiters)).toEqual({ ready: true });
      channel.postMessage({ n: 1 });
      expect(await next(inbox, waiters)).toEqual({ n: 2 });
      // The host logs the invalid message under its name and keeps serving.
      channel.postMessage({ n: 'one' });
      channel.postMessage({ n: 41 });
      expect(await next(inbox, waiters)).toEqual({ n: 42 });
    } finally {
      channel.kill();
    }
    await exited;
    // Gone: a message has nowhere to go and is dropped without an exception.
    expect(() => channel.postMessage({ n: 3 })).not.toThrow();
  });
});
