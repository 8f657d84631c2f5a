// The engine host as a process (no model needed): it answers over IPC and exits when its parent disconnects.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ENTRY = fileURLToPath(new URL('../../../../assistant/host/engineHostMain.ts', import.meta.url));

it('answers status, ignores invalid messages, and exits when its parent goes away', async () => {
  const child = fork(ENTRY, [], { execArgv: ['--import', 'tsx'], serialization: 'json', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const reply = new Promise<unknown>((resolve) => child.once('message', resolve));
  child.send({ type: 'nonsense' });
  child.send({ type: 'status' });
  expect(await reply).toEqual({ type: 'status', status: { state: 'empty', modelPath: null, device: 'cpu', message: null, pendingWarms: 0 } });
  child.disconnect();
  expect(await exited).toBe(0);
  expect(stderr).toContain('[engineHost] invalid message ignored');
});
