import { afterEach, describe, expect, it, vi } from 'vitest';
import { NOTES_CONFLICT } from '../../../app/journal/edits';
import { openTestJournal, waitUntil } from '../pty/helpers';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllEnvs();
});

async function openJournal() {
  const { session, events } = await openTestJournal('safety', cleanups);
  await session.edit({ type: 'addStep', stepId: 's1', title: 'one' });
  await session.edit({ type: 'addStep', stepId: 's2', title: 'two' });
  return { session, events };
}

describe('a journal session', () => {
  it('refuses to delete a step whose command runs, saying why; deletes it once interrupted; other steps stay deletable', async () => {
    const { session, events } = await openJournal();
    await session.edit({ type: 'addCell', stepId: 's1', cellId: 'c1', command: 'echo started; sleep 30' });
    session.run('c1');
    expect(await waitUntil(() => events.some(({ event, payload }) => event === 'cell.data' && String(payload.data).includes('started')), 30_000)).toBe(true);

    await expect(session.edit({ type: 'deleteStep', stepId: 's1' })).rejects.toMatchObject({
      code: 'busy', message: 'A command in this step is running: interrupt it before deleting the step.',
    });
    expect(session.current().steps.map((s) => s.id)).toEqual(['s1', 's2']);
    await session.edit({ type: 'deleteStep', stepId: 's2' });

    session.interrupt();
    expect(await waitUntil(() => events.some(({ event }) => event === 'cell.finished'), 30_000)).toBe(true);
    await session.edit({ type: 'deleteStep', stepId: 's1' });
    expect(session.current().steps).toEqual([]);
  });

  it('refuses a notes save written over notes another tab saved since, and sends other tabs the new notes without the base', async () => {
    const { session, events } = await openJournal();
    await session.edit({ type: 'setNotes', stepId: 's1', notes: '[t1-a]', base: '' });
    await session.edit({ type: 'setNotes', stepId: 's1', notes: '[t1-a] [t2-b]', base: '[t1-a]' });
    await expect(session.edit({ type: 'setNotes', stepId: 's1', notes: '[t1-a] [t1-c]', base: '[t1-a]' })).rejects.toMatchObject({
      code: NOTES_CONFLICT,
    });
    expect(session.current().steps[0]!.notes).toBe('[t1-a] [t2-b]');
    const changes = events.filter(({ event }) => event === 'journal.changed').map(({ payload }) => payload.change);
    expect(changes.at(-1)).toEqual({ type: 'setNotes', stepId: 's1', notes: '[t1-a] [t2-b]' });
  });
});
