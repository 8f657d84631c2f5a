/**
 * The engine host: the completion engine in a process of its own (an Electron utility process, or a
 * child process in browser mode), so that prompt evaluation never blocks main, and a crash of llama.cpp
 * takes only this process down. Bundled to out/main/engineHost.js.
 */
import { z } from 'zod';
import { EngineHost } from './engineHost';
import { EngineRequest, type EngineReply } from './protocol';

/** Electron's utility process talks through `process.parentPort`; a Node child process through `process.send`. */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}
const parentPort = (process as NodeJS.Process & { parentPort?: ParentPort }).parentPort;

function send(reply: EngineReply): void {
  if (parentPort) parentPort.postMessage(reply);
  else if (process.connected) process.send?.(reply);
}

const host = new EngineHost(send);

function receive(message: unknown): void {
  const parsed = EngineRequest.safeParse(message);
  if (!parsed.success) {
    console.error(`[engineHost] invalid message ignored: ${z.prettifyError(parsed.error)}`);
    return;
  }
  host.receive(parsed.data);
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => process.exit(0));

if (parentPort) {
  parentPort.on('message', (event) => receive(event.data));
} else {
  process.on('message', receive);
  // The main process is gone (quit or crash): nobody will ever ask this engine anything again.
  process.on('disconnect', () => process.exit(0));
}
