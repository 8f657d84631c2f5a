// @vitest-environment happy-dom
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { JournalStoreContext } from '../../../renderer/journal/context';
import { FIRST_STEP_ITEMS, StepList } from '../../../renderer/journal/steps/StepList';
import { FakeApi, openJournalStore } from './fakeApi';
import { renderJournal } from './helpers';

vi.mock('../../../renderer/journal/cells/TerminalView', () => ({ TerminalView: () => null }));

// Every step item reads its status mark once per render: counting the reads counts the items rendered.
const marks = vi.hoisted(() => ({ reads: 0 }));
vi.mock('../../../renderer/journal/format', async (importOriginal) => {
  const format = await importOriginal<typeof import('../../../renderer/journal/format')>();
  const STATUS_MARK = new Proxy(format.STATUS_MARK, {
    get: (target, key: string) => {
      marks.reads++;
      return target[key as keyof typeof target];
    },
  });
  return { ...format, STATUS_MARK };
});

const STEPS = 200;

describe('a journal of many steps', () => {
  it('re-renders only the step an edit changed, and the two whose current mark moves', async () => {
    const fake = new FakeApi();
    const journal = fake.addJournal('Long', Array.from({ length: STEPS }, (_, i) => `Step ${i + 1}`));
    await renderJournal(fake);
    const list = screen.getByRole('list', { name: 'Steps' });
    expect(within(list).getAllByRole('listitem')).toHaveLength(STEPS);

    marks.reads = 0;
    act(() => void fake.change(journal.id, { type: 'renameStep', stepId: journal.steps[STEPS / 2]!.id, title: 'Renamed elsewhere' }));
    await waitFor(() => within(list).getByRole('listitem', { name: 'Renamed elsewhere' }));
    expect(marks.reads).toBe(1);

    marks.reads = 0;
    fireEvent.click(within(list).getByRole('listitem', { name: 'Step 3' }));
    await waitFor(() => expect(within(list).getByRole('listitem', { name: 'Step 3' }).getAttribute('aria-current')).toBe('step'));
    expect(marks.reads).toBe(2);
  });

  it('does not re-render the list while a dragged step hovers over the same place', async () => {
    const fake = new FakeApi();
    fake.addJournal('Long', Array.from({ length: STEPS }, (_, i) => `Step ${i + 1}`));
    await renderJournal(fake);
    const list = screen.getByRole('list', { name: 'Steps' });
    const item = (title: string) => within(list).getByRole('listitem', { name: title });
    const dataTransfer = { setData: vi.fn(), dropEffect: '', effectAllowed: '' };

    fireEvent.dragStart(item('Step 1'), { dataTransfer });
    fireEvent.dragOver(item('Step 4'), { dataTransfer });
    await waitFor(() => expect(item('Step 4').className).toContain('drop-after'));
    marks.reads = 0;
    for (let i = 0; i < 10; i++) fireEvent.dragOver(item('Step 4'), { dataTransfer });
    expect(marks.reads).toBe(0);
  });

  it('shows the first steps with the list and the rest right after, in order', async () => {
    const fake = new FakeApi();
    const titles = Array.from({ length: FIRST_STEP_ITEMS + 100 }, (_, i) => `Step ${i + 1}`);
    const journal = fake.addJournal('Long', titles);
    const { store } = await openJournalStore(fake, journal);
    render(
      <JournalStoreContext value={store}>
        <StepList />
      </JournalStoreContext>,
    );
    const items = () => within(screen.getByRole('list', { name: 'Steps' })).queryAllByRole('listitem');
    expect(items()).toHaveLength(FIRST_STEP_ITEMS);
    await waitFor(() => expect(items()).toHaveLength(titles.length));
    expect(items().map((item) => item.getAttribute('aria-label'))).toEqual(titles);
  });
});
