import { utilityProcess } from 'electron';
import type { HostLauncher } from '../../base/node/hostChannel';

/** In Electron, host processes (pty, engine) run as utility processes (no child_process.fork: the runAsNode fuse is off). */
export const utilityHostLauncher = (serviceName: string): HostLauncher => (entryPath) => {
  const child = utilityProcess.fork(entryPath, [], { serviceName, stdio: 'inherit' });
  return {
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.on('exit', (code) => listener(code)),
    // SIGKILL, as Node's launcher sends: utilityProcess.kill() is a SIGTERM, which a host stuck in a loop never handles.
    kill: () => {
      if (child.pid === undefined) return;
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // Already gone; its exit is reported through onExit.
      }
    },
  };
};
