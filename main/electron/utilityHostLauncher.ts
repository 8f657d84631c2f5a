import { utilityProcess } from 'electron';
import type { HostLauncher } from '../pty/hostChannel';

/** In Electron, the pty host runs as a utility process (no child_process.fork: the runAsNode fuse is off). */
export const utilityHostLauncher: HostLauncher = (entryPath) => {
  const child = utilityProcess.fork(entryPath, [], { serviceName: 'Steerway pty host', stdio: 'inherit' });
  return {
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void child.on('exit', (code) => listener(code)),
    kill: () => void child.kill(),
  };
};
