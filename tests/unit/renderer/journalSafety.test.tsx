// @vitest-environment happy-dom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { RemoteError } from '../../../app/ipc/api';
import { NOTES_CONFLICT, NotesConflictError } from '../../../app/journal/edits';
import { queuedReason } from '../../../renderer/journal/format';
import { FakeApi, openJournalStore } from './fakeApi';
import { renderJournal } from './helpers';

vi.mock('../../../renderer/journal/cells/TerminalView', () => ({ TerminalView: () => null }));

/** A fake main that refuses a notes save over changed notes with the code main sends. */
function fakeMain(): FakeApi {
  const fake = new FakeApi();
  const call = fake.call.bind(fake);
  fake.call = (async (name, input) => {
    try {
      return await call(name, input);
    } catch (error) {
      if (error instanceof NotesConflictError) throw new RemoteError(NOTES_CONFLICT, error.message);
      throw error;
    }
  }) as FakeApi['call'];
  return fake;
}

describe('two tabs on one journal', () => {
  it('each keeps its own selected step: tab 2 adding and selecting a step leaves tab 1 where it was', async () => {
    const fake = fakeMain();
    const journal = fake.addJournal('Two tabs', ['One', 'Two']);
    const tab1 = await openJournalStore(fake, journal);
    const tab2 = await openJournalStore(fake, journal);
    await tab1.state().selectStep(journal.steps[1]!.id);

    await tab2.state().addStepAfterCurrent();
    const added = tab2.state().selectedStepId!;
    expect(added).not.toBe(journal.steps[0]!.id);
    expect(tab1.state().selectedStepId).toBe(journal.steps[1]!.id);
    // The journal remembers the last selection only as where a new tab starts.
    expect(fake.journal(journal.id).currentStepId).toBe(added);
    const tab3 = await openJournalStore(fake, journal);
    expect(tab3.state().selectedStepId).toBe(added);
  });

  it('moves a tab off its step only when that step is deleted', async () => {
    const fake = fakeMain();
    const journal = fake.addJournal('Two tabs', ['One', 'Two', 'Three']);
    const tab1 = await openJournalStore(fake, journal);
    const tab2 = await openJournalStore(fake, journal);
    await tab1.state().selectStep(journal.steps[1]!.id);
    await tab2.state().deleteStep(journal.steps[1]!.id);
    expect(tab1.state().selectedStepId).toBe(journal.steps[2]!.id);
  });

  it('refuses a notes save over notes the other tab saved, keeps the text it tried, and shows the saved notes', async () => {
    const fake = fakeMain();
    const journal = fake.addJournal('Notes', ['One']);
    const stepId = journal.steps[0]!.id;
    const tab1 = await openJournalStore(fake, journal);
    const tab2 = await openJournalStore(fake, journal);
    tab1.state().notesShown(stepId, '');
    tab2.state().notesShown(stepId, '');

    tab1.state().setNotesDraft(stepId, '[t1-a]');
    await tab1.state().flushNotes();
    // Tab 2 was not typing, so it showed tab 1's notes and writes over them.
    tab2.state().notesShown(stepId, '[t1-a]');
    tab2.state().setNotesDraft(stepId, '[t1-a] [t2-b]');
    await tab2.state().flushNotes();
    // Tab 1 kept typing in the text it had.
    tab1.state().setNotesDraft(stepId, '[t1-a] [t1-c]');
    await tab1.state().flushNotes();

    expect(fake.journal(journal.id).steps[0]!.notes).toBe('[t1-a] [t2-b]');
    expect(tab1.state().journal.steps[0]!.notes).toBe('[t1-a] [t2-b]');
    expect(tab1.state().notesConflict).toEqual({ stepId, mine: '[t1-a] [t1-c]' });
    expect(tab1.errors).toEqual([]);

    // Applied again on purpose, it is written over the saved text it now shows.
    tab1.state().setNotesDraft(stepId, '[t1-a] [t1-c]');
    await tab1.state().flushNotes();
    expect(fake.journal(journal.id).steps[0]!.notes).toBe('[t1-a] [t1-c]');
  });

  it('tells the losing tab in the notes, shows the saved text, and re-applies its text on request', async () => {
    const fake = fakeMain();
    const journal = fake.addJournal('Notes', ['One']);
    const stepId = journal.steps[0]!.id;
    await renderJournal(fake);
    const notes = screen.getByRole('textbox', { name: 'Notes' }) as HTMLTextAreaElement;
    fireEvent.focus(notes);
    fireEvent.change(notes, { target: { value: '[t1-a]' } });
    fireEvent.blur(notes);
    await waitFor(() => expect(fake.journal(journal.id).steps[0]!.notes).toBe('[t1-a]'));
    fireEvent.focus(notes);
    // Another tab saves while this one is typing.
    fake.change(journal.id, { type: 'setNotes', stepId, notes: '[t1-a] [t2-b]' });
    fireEvent.change(notes, { target: { value: '[t1-a] [t1-c]' } });
    fireEvent.blur(notes);

    const alert = await screen.findByRole('alert', { name: /These notes changed in another tab: showing the saved text/ });
    expect(notes.value).toBe('[t1-a] [t2-b]');
    expect((within(alert).getByRole('textbox', { name: 'Your text' }) as HTMLTextAreaElement).value).toBe('[t1-a] [t1-c]');
    fireEvent.click(within(alert).getByRole('button', { name: 'Use your text' }));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(notes.value).toBe('[t1-a] [t1-c]');
    await waitFor(() => expect(fake.journal(journal.id).steps[0]!.notes).toBe('[t1-a] [t1-c]'));
  });
});

describe('a step with a running command', () => {
  it('asks before deleting it, interrupts the command, and deletes the step once it stopped', async () => {
    const fake = fakeMain();
    const journal = fake.addJournal('Delete', ['Runs', 'Other']);
    const stepId = journal.steps[0]!.id;
    fake.journal(journal.id).steps[0]!.cells.push({ id: 'c1', command: 'sleep 15', collapsed: false, lastRun: null });
    await renderJournal(fake);
    fake.emit('cell.started', { journalId: journal.id, cellId: 'c1', run: { runId: 'r', startedAt: new Date().toISOString(), durationMs: null, exitCode: null, cwd: null, interrupted: false, outputBytes: 0, outputTruncated: false } });

    fireEvent.click(await screen.findByRole('button', { name: 'Delete step' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Stop the running command and delete?' });
    expect(fake.editsOf('deleteStep')).toEqual([]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Stop and delete' }));
    await waitFor(() => expect(fake.inputsOf('cell.interrupt')).toHaveLength(1));
    expect(fake.editsOf('deleteStep')).toEqual([]);
    fake.emit('cell.finished', { journalId: journal.id, cellId: 'c1', run: { runId: 'r', startedAt: new Date().toISOString(), durationMs: 5, exitCode: 130, cwd: null, interrupted: true, outputBytes: 0, outputTruncated: false } });
    await waitFor(() => expect(fake.editsOf('deleteStep')).toEqual([{ type: 'deleteStep', stepId }]));
  });
});

describe('queuedReason', () => {
  it('names the running command (first line, shortened) and its step', () => {
    const fake = new FakeApi();
    const journal = fake.addJournal('Q', ['One', 'Two']);
    journal.steps[1]!.cells.push({ id: 'c1', command: 'sleep 15; touch /tmp/x', collapsed: false, lastRun: null });
    journal.steps[1]!.cells.push({ id: 'c2', command: `for i in 1 2; do\n  echo $i\ndone`, collapsed: false, lastRun: null });
    expect(queuedReason(journal, 'c1')).toEqual({ text: 'waiting for `sleep 15; touch /tmp/x` in step 2', stepId: journal.steps[1]!.id, stepNumber: 2, cellId: 'c1' });
    expect(queuedReason(journal, 'c2')?.text).toBe('waiting for `for i in 1 2; do…` in step 2');
    expect(queuedReason(journal, null)).toBeNull();
  });
});

describe('search results', () => {
  it('move with ↑/↓ (wrapping), open with Enter, and mark the match', async () => {
    const fake = fakeMain();
    fake.addJournal('Search', ['Fix the parser', 'Parser tests', 'Ship']);
    await renderJournal(fake);
    const search = screen.getByRole('searchbox', { name: 'Search journal' });
    fireEvent.change(search, { target: { value: 'parser' } });
    const results = await screen.findByRole('list', { name: 'Search results' });
    const hits = within(results).getAllByRole('button');
    expect(hits.map((hit) => hit.querySelector('mark')?.textContent)).toEqual(['parser', 'Parser']);
    expect(hits[0]!.getAttribute('aria-current')).toBe('true');

    fireEvent.keyDown(search, { key: 'ArrowDown' });
    expect(hits[1]!.getAttribute('aria-current')).toBe('true');
    expect(search.getAttribute('aria-activedescendant')).toBe(hits[1]!.id);
    fireEvent.keyDown(search, { key: 'ArrowDown' });
    expect(hits[0]!.getAttribute('aria-current')).toBe('true');
    fireEvent.keyDown(search, { key: 'ArrowUp' });
    fireEvent.keyDown(search, { key: 'Enter' });

    await waitFor(() => expect(screen.getByRole('listitem', { name: 'Parser tests' }).getAttribute('aria-current')).toBe('step'));
    expect(screen.queryByRole('list', { name: 'Search results' })).toBeNull();
  });
});
