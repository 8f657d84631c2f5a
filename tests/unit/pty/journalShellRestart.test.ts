import { afterEach, describe, expect, it, vi } from 'vitest';
import { newId } from '../../../app/ids';
import type { CellRun } from '../../../app/journal/schema';
import { isAlive, openTestJournal, waitUntil } from './helpers';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllEnvs();
});

async function openJournal() {
  const { session, events } = await openTestJournal('restart', cleanups);
  const stepId = newId();
  await session.edit({ type: 'addStep', stepId, title: 'step' });

  const output = (cellId: string) =>
    events
      .filter(({ event, payload }) => event === 'cell.data' && payload.cellId === cellId)
      .map(({ payload }) => String(payload.data))
      .join('');
  const finished = (cellId: string) =>
    events.find(({ event, payload }) => event === 'cell.finished' && payload.cellId === cellId)?.payload.run as CellRun | undefined;
  const addCell = async (command: string) => {
    const cellId = newId();
    await session.edit({ type: 'addCell', stepId, cellId, command });
    return cellId;
  };
  return { session, events, output, finished, addCell };
}

describe('a journal whose pty host dies', () => {
  it('fails the running cell with the reason, and runs the next cell in a fresh shell that says it was restarted', async () => {
    const { session, events, output, finished, addCell } = await openJournal();
    const first = await addCell('cd / && export KEPT=yes && echo "host $PPID"');
    const running = await addCell('echo started; sleep 30');
    const next = await addCell('echo "kept=${KEPT-gone} cwd=$PWD host $PPID"');

    session.run(first);
    expect(await waitUntil(() => finished(first) !== undefined, 30_000)).toBe(true);
    const hostPid = Number(/host (\d+)/.exec(output(first))?.[1]);
    expect(isAlive(hostPid)).toBe(true);

    session.run(running);
    expect(await waitUntil(() => output(running).includes('started'), 30_000)).toBe(true);
    process.kill(hostPid, 'SIGKILL');
    expect(await waitUntil(() => finished(running) !== undefined, 30_000)).toBe(true);
    expect(finished(running)).toMatchObject({ exitCode: null, interrupted: false });
    expect(output(running)).toMatch(/\[steerway\] The shell stopped unexpectedly .* and was restarted/);
    expect(events.some(({ event }) => event === 'shell.exited')).toBe(true);

    session.run(next);
    expect(await waitUntil(() => finished(next) !== undefined, 30_000)).toBe(true);
    expect(finished(next)?.exitCode).toBe(0);
    const text = output(next);
    expect(text.startsWith('[steerway] The shell was restarted after it stopped unexpectedly')).toBe(true);
    // A fresh shell, in the workspace, of a new host: nothing of the first cell's state is left.
    expect(text).toMatch(/kept=gone cwd=\/\S*steerway-restart-ws-/);
    expect(Number(/host (\d+)/.exec(text)?.[1])).not.toBe(hostPid);
    expect(session.current().steps[0]?.cells.map((cell) => cell.lastRun?.exitCode)).toEqual([0, null, 0]);

    // Only once: the cell after it runs in the same (new) shell without the note.
    const after = await addCell('echo again');
    session.run(after);
    expect(await waitUntil(() => finished(after) !== undefined, 30_000)).toBe(true);
    expect(output(after)).toBe('again\r\n');
  }, 120_000);
});
