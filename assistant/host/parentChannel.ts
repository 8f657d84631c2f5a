import { z } from 'zod';

/**
 * The child side of main's `HostChannel` (main/pty/hostChannel.ts), for every host process: the engine host
 * here and the pty host in main/pty (it lives in assistant/ because that is the lowest Node layer both reach).
 * Electron's utility process talks through `process.parentPort`; a Node child process through `process.send`.
 */
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
