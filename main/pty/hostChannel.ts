import { fork } from 'node:child_process';

/** The main process's end of the pty host: plain JSON messages, so Node's fork and Electron's utilityProcess both carry it. */
export interface HostChannel {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type HostLauncher = (entryPath: string) => HostChannel;

/** Starts the host with `child_process.fork`; a `.ts` entry (tests, dev) runs through tsx. */
export const nodeHostLauncher: HostLauncher = (entryPath) => {
  const child = fork(entryPath, [], {
    serialization: 'json',
    execArgv: entryPath.endsWith('.ts') ? ['--import', 'tsx'] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // Without a listener a failed kill or send would be thrown in the main process.
  child.on('error', (error) => console.error('[ptyHost] channel error:', error));
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
