// Both ends of the channel between main and a host process (the pty host, the engine host): plain JSON
// messages, so Node's fork and Electron's utility process both carry them.
import { fork } from 'node:child_process';
import { z } from 'zod';

// ---- main's end ----

export interface HostChannel {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

/** Starts the host at `entryPath`; `name` labels its log lines (`[ptyHost]`, `[engineHost]`). */
export type HostLauncher = (entryPath: string, name: string) => HostChannel;

/** Starts the host with `child_process.fork`; a `.ts` entry (tests, dev) runs through tsx. */
export const nodeHostLauncher: HostLauncher = (entryPath, name) => {
  const child = fork(entryPath, [], {
    serialization: 'json',
    execArgv: entryPath.endsWith('.ts') ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // Without a listener a failed kill or send would be thrown in the main process.
  child.on('error', (error) => console.error(`[${name}] channel error:`, error));
  return {
    postMessage(message) {
      // Once the host is gone the message has nowhere to go; its exit is reported through onExit.
      if (child.connected) child.send(message as object, () => undefined);
    },
    onMessage(listener) {
      child.on('message', listener);
    },
    onExit(listener) {
      child.on('exit', (code) => listener(code));
    },
    kill() {
      child.kill('SIGKILL');
    },
  };
};

// ---- the host's end ----

/** Electron's utility process talks through `process.parentPort`; a Node child process through `process.send`. */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

export interface ParentChannel {
  send(message: unknown): void;
}

/**
 * Listens to the parent, validating each message with `schema` (an invalid one is logged and ignored), and
 * ends this process when the parent goes away or a signal arrives, so no host outlives the app.
 */
export function connectToParent<Message>(options: {
  name: string;
  schema: z.ZodType<Message>;
  onMessage: (message: Message) => void;
}): ParentChannel {
  const parentPort = (process as NodeJS.Process & { parentPort?: ParentPort }).parentPort;
  const receive = (message: unknown) => {
    const parsed = options.schema.safeParse(message);
    if (!parsed.success) {
      console.error(`[${options.name}] invalid message ignored: ${z.prettifyError(parsed.error)}`);
      return;
    }
    options.onMessage(parsed.data);
  };

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => process.exit(0));
  if (parentPort) {
    parentPort.on('message', (event) => receive(event.data));
  } else {
    process.on('message', receive);
    // The main process is gone (quit or crash): nobody will ever talk to this host again.
    process.on('disconnect', () => process.exit(0));
  }

  return {
    send(message) {
      if (parentPort) parentPort.postMessage(message);
      else if (process.connected) process.send?.(message);
    },
  };
}
