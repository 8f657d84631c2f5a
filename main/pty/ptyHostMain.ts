/**
 * The pty host: a process of its own (like VS Code's ptyHost) that owns every journal's shell, so that
 * terminal I/O never runs on the main process's event loop. Bundled to out/main/ptyHost.js.
 */
import { connectToParent } from '../../base/node/hostChannel';
import { HostShell } from './hostShell';
import { HostRequest, type HostEvent } from './protocol';

const shells = new Map<number, HostShell>();

function send(event: HostEvent): void {
  parent.send(event);
}

function receive(request: HostRequest): void {
  if (request.type === 'shutdown') {
    void shutdown();
    return;
  }
  if (request.type === 'create') {
    const shell = HostShell.start(request, send);
    if (shell) {
      shells.set(request.shellId, shell);
      void shell.gone.then(() => shells.delete(request.shellId));
    }
    return;
  }
  const shell = shells.get(request.shellId);
  if (!shell) return; // it exited; the main process learns that from its `exited`
  switch (request.type) {
    case 'run':
      return shell.run(request.command);
    case 'input':
      return shell.input(request.data);
    case 'interrupt':
      return shell.interrupt();
    case 'resize':
      return shell.resize(request.cols, request.rows);
    case 'kill':
      return shell.kill();
  }
}

async function shutdown(): Promise<void> {
  for (const shell of shells.values()) shell.kill();
  await Promise.all([...shells.values()].map((shell) => shell.gone));
  process.exit(0);
}

// However the host ends, no shell outlives it: SIGTERM, SIGINT and SIGHUP end it through 'exit' too. (SIGKILL runs
// nothing here: then main ends the shells' sessions, and each shell its own when its terminal goes.)
process.on('exit', () => {
  for (const shell of shells.values()) shell.kill();
});
const parent = connectToParent({ name: 'ptyHost', schema: HostRequest, onMessage: receive });
