// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createJournalStore } from '../../../renderer/journal/store/createJournalStore';
import { UNDO_WINDOW_MS } from '../../../app/journal/edits';
import { NOTES_SAVE_DELAY_MS } from '../../../renderer/journal/store/stepUiSlice';
import { FakeApi, openJournalStore } from './fakeApi';

afterEach(() => vi.useRealTimers());

function setup(steps = ['Reproduce', 'Fix', 'Verify'], options: { trusted?: boolean } = {}) {
  const fake = new FakeApi();
  const journal = fake.addJournal('Bug 42', steps, options);
  return { fake, journal };
}

describe('journal store: journal data', () => {
  it('sends an edit with the journal id and takes the journal main returns', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    const fix = journal.steps[1]!;

    expect(await state().edit({ type: 'setStepStatus', stepId: fix.id, status: 'doing' })).toBe(true);

    expect(fake.inputsOf('journal.edit')).toEqual([{ journalId: journal.id, edit: { type: 'setStepStatus', stepId: fix.id, status: 'doing' } }]);
    expect(state().journal.steps[1]!.status).toBe('doing');
  });

  it('applies journal.changed for its own journal only', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);

    fake.emit('journal.changed', { journalId: 'another-journal', version: 1, change: { type: 'setTitle', title: 'Not mine' } });
    expect(state().journal.title).toBe('Bug 42');

    fake.change(journal.id, { type: 'setTitle', title: 'Renamed elsewhere' });
    expect(state().journal.title).toBe('Renamed elsewhere');
    expect(state().version).toBe(1);
  });

  it('applies the change an edit sends once, though both the event and the reply carry it', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    const fix = journal.steps[1]!;

    await state().edit({ type: 'addCell', stepId: fix.id, cellId: 'c1', command: 'make' });

    expect(state().journal.steps[1]!.cells.map((cell) => cell.id)).toEqual(['c1']);
    expect(state().version).toBe(1);
    expect(fake.inputsOf('journal.open')).toHaveLength(1);
  });

  it('takes the whole journal from main when it missed a change, and only then', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    const opensBefore = fake.inputsOf('journal.open').length;
    // Version 1's event is lost on the way, so version 2 arrives with a gap before it.
    const emit = fake.emit;
    fake.emit = () => undefined;
    fake.change(journal.id, { type: 'renameStep', stepId: journal.steps[0]!.id, title: 'Missed' });
    fake.emit = emit;
    expect(state().version).toBe(0);
    fake.change(journal.id, { type: 'setTitle', title: 'After the gap' });

    await vi.waitFor(() => expect(state().version).toBe(2));
    expect(fake.inputsOf('journal.open')).toHaveLength(opensBefore + 1);
    expect(state().journal.title).toBe('After the gap');
    expect(state().journal.steps[0]!.title).toBe('Missed');
  });

  it('takes the whole journal from main when a change does not apply to its copy', async () => {
    const { fake, journal } = setup();
    const { state, errors } = await openJournalStore(fake, journal);

    // Main renamed a step this copy does not have (say, it was restored in another window).
    fake.emit('journal.changed', { journalId: journal.id, version: 1, change: { type: 'renameStep', stepId: 'unknown-step', title: 'X' } });

    await vi.waitFor(() => expect(fake.inputsOf('journal.open')).toHaveLength(2));
    await vi.waitFor(() => expect(state().version).toBe(0));
    expect(state().journal).toEqual(fake.journal(journal.id));
    expect(errors).toEqual([]);
  });

  it('reports a refused edit and keeps the journal as it was', async () => {
    const { fake, journal } = setup();
    const { state, errors } = await openJournalStore(fake, journal);
    fake.failNext('journal.edit', 'disk full');

    expect(await state().edit({ type: 'renameStep', stepId: journal.steps[0]!.id, title: 'X' })).toBe(false);

    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('disk full');
    expect(state().journal.steps[0]!.title).toBe('Reproduce');
  });

  it('stops listening to main once disposed', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    expect(fake.listenerCount()).toBeGreaterThan(0);

    await state().dispose();

    expect(fake.listenerCount()).toBe(0);
  });
});

describe('journal store: steps', () => {
  it('adds "New step" right after the current step, makes it current and starts renaming it', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);

    await state().addStepAfterCurrent();

    const [add] = fake.editsOf('addStep');
    expect(add).toMatchObject({ title: 'New step', index: 1 });
    const steps = state().journal.steps;
    expect(steps.map((s) => s.title)).toEqual(['Reproduce', 'New step', 'Fix', 'Verify']);
    expect(state().journal.currentStepId).toBe(steps[1]!.id);
    expect(state().renamingStepId).toBe(steps[1]!.id);
  });

  it('renames with a trimmed title and sends nothing when cancelled or unchanged', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    const step = journal.steps[0]!;
    state().startRename(step.id);

    await state().finishRename(step.id, null);
    await state().finishRename(step.id, 'Reproduce');
    expect(fake.editsOf('renameStep')).toEqual([]);

    state().startRename(step.id);
    await state().finishRename(step.id, '  Reproduce the crash ');
    expect(fake.editsOf('renameStep')).toEqual([{ type: 'renameStep', stepId: step.id, title: 'Reproduce the crash' }]);
    expect(state().renamingStepId).toBeNull();
  });

  it('moves a step, and sends nothing for a move past either end', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    const [first, , last] = journal.steps;

    expect(await state().moveStep(first!.id, -1)).toBe(false);
    expect(await state().moveStep(last!.id, 3)).toBe(false);
    expect(await state().moveStep(first!.id, 1)).toBe(true);

    expect(fake.editsOf('moveStep')).toEqual([{ type: 'moveStep', stepId: first!.id, toIndex: 1 }]);
    expect(state().journal.steps.map((s) => s.title)).toEqual(['Fix', 'Reproduce', 'Verify']);
  });

  it('undoes a delete by restoring the step at its old index and making it current', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    const fix = journal.steps[1]!;

    await state().deleteStep(fix.id);
    expect(state().journal.steps.map((s) => s.title)).toEqual(['Reproduce', 'Verify']);
    expect(state().deleted).toMatchObject({ kind: 'step', index: 1, step: { id: fix.id } });

    await state().undoDelete();

    expect(fake.editsOf('restoreStep')).toEqual([{ type: 'restoreStep', step: fix, index: 1 }]);
    expect(state().journal.steps.map((s) => s.title)).toEqual(['Reproduce', 'Fix', 'Verify']);
    expect(state().journal.currentStepId).toBe(fix.id);
    expect(state().deleted).toBeNull();
  });

  it('offers undo for ten seconds', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    vi.useFakeTimers();

    await state().deleteStep(journal.steps[0]!.id);
    vi.advanceTimersByTime(UNDO_WINDOW_MS - 1);
    expect(state().deleted).not.toBeNull();
    vi.advanceTimersByTime(1);

    expect(state().deleted).toBeNull();
  });

  it('undoes a cell delete: the cell with its last run back at its place', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    await state().runCommand('ls');
    await state().runCommand('pwd');
    const [first, second] = state().journal.steps[0]!.cells;

    await state().deleteCell(first!.id);
    expect(state().deleted).toMatchObject({ kind: 'cell', index: 0 });
    await state().undoDelete();

    expect(fake.editsOf('restoreCell')).toEqual([{ type: 'restoreCell', stepId: journal.steps[0]!.id, cell: first, index: 0 }]);
    expect(state().journal.steps[0]!.cells).toEqual([first, second]);
    expect(state().deleted).toBeNull();
  });

  it('undoes an attachment removal, pins included', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    const [reproduce, fix] = journal.steps;
    await state().addAttachment(reproduce!.id, { kind: 'text', title: 'Log', text: 'boom' });
    const attachment = state().journal.steps[0]!.attachments[0]!;
    await state().edit({ type: 'pinAttachment', stepId: fix!.id, attachmentId: attachment.id });
    const before = state().journal;

    await state().removeAttachment(attachment.id);
    expect(state().journal.steps[1]!.pinnedAttachmentIds).toEqual([]);
    await state().undoDelete();

    expect(fake.editsOf('restoreAttachment')).toEqual([
      { type: 'restoreAttachment', stepId: reproduce!.id, attachment, index: 0, pinnedBy: [fix!.id] },
    ]);
    expect(state().journal).toEqual(before);
  });

  it('keeps unsaved notes in the step it offers to restore', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    const step = journal.steps[0]!;

    state().setNotesDraft(step.id, 'found it');
    await state().deleteStep(step.id);

    expect(state().deleted).toMatchObject({ kind: 'step', step: { notes: 'found it' } });
  });
});

describe('journal store: notes autosave', () => {
  it('saves notes once, a moment after typing stops', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    const step = journal.steps[0]!;
    vi.useFakeTimers();

    state().setNotesDraft(step.id, 'a');
    vi.advanceTimersByTime(NOTES_SAVE_DELAY_MS - 1);
    state().setNotesDraft(step.id, 'ab');
    vi.advanceTimersByTime(NOTES_SAVE_DELAY_MS - 1);
    expect(fake.editsOf('setNotes')).toEqual([]);
    vi.advanceTimersByTime(1);

    expect(fake.editsOf('setNotes')).toEqual([{ type: 'setNotes', stepId: step.id, notes: 'ab', base: '' }]);
  });

  it('saves pending notes before switching steps and when the journal closes', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    const [first, second] = journal.steps;

    state().setNotesDraft(first!.id, 'before switching');
    await state().selectStep(second!.id);
    expect(fake.editsOf('setNotes')).toEqual([{ type: 'setNotes', stepId: first!.id, notes: 'before switching', base: '' }]);
    expect(fake.log.map((entry) => entry.name).slice(-2)).toEqual(['journal.edit', 'journal.edit']);
    expect(fake.editsOf('setCurrentStep')).toEqual([{ type: 'setCurrentStep', stepId: second!.id }]);

    state().setNotesDraft(second!.id, 'before closing');
    await state().dispose();
    expect(fake.editsOf('setNotes')).toHaveLength(2);
    expect(fake.journal(journal.id).steps[1]!.notes).toBe('before closing');
  });
});

describe('journal store: running cells', () => {
  it('adds the command to the current step and runs it', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);

    expect(await state().runCommand('echo hi')).toBe(true);

    const [add] = fake.editsOf('addCell');
    expect(add).toMatchObject({ stepId: journal.steps[0]!.id, command: 'echo hi' });
    expect(fake.inputsOf('cell.run')).toEqual([{ journalId: journal.id, cellId: add!.cellId }]);
  });

  it('follows a run from the events: queued, running with live output, then finished', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    await state().runCommand('make test');
    const cellId = state().journal.steps[0]!.cells[0]!.id;
    const written: string[] = [];
    state().outputs.attach(cellId, { reset: () => written.splice(0), write: (data) => written.push(data) }, false);
    expect(state().queuedCellIds).toEqual([cellId]);

    const run = fake.startRun(journal.id, cellId);
    expect(state().runningCellId).toBe(cellId);
    expect(state().queuedCellIds).toEqual([]);
    expect(state().journal.steps[0]!.cells[0]!.lastRun?.runId).toBe(run.runId);

    fake.emit('cell.data', { journalId: journal.id, cellId, runId: run.runId, data: 'ok\r\n' });
    expect(written).toEqual(['ok\r\n']);

    fake.finishRun(journal.id, cellId, run, 'ok\r\n', { exitCode: 2 });
    expect(state().runningCellId).toBeNull();
    expect(state().journal.steps[0]!.cells[0]!.lastRun?.exitCode).toBe(2);
  });

  it('takes the running cell from the opened journal and clears it when the shell exits', async () => {
    const fake = new FakeApi();
    const journal = fake.addJournal('J', ['S']);
    const store = createJournalStore(fake, { journal, trusted: true, runningCellId: 'cell-1', version: 0 });
    expect(store.getState().runningCellId).toBe('cell-1');

    fake.emit('shell.exited', { journalId: journal.id, exitCode: 1 });

    expect(store.getState().runningCellId).toBeNull();
  });

  it('sends keystrokes to the shell only while a cell runs', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    await state().runCommand('read name');
    const cellId = state().journal.steps[0]!.cells[0]!.id;

    state().sendInput('too early');
    fake.startRun(journal.id, cellId);
    state().sendInput('Ada\r');

    expect(fake.inputsOf('cell.input')).toEqual([{ journalId: journal.id, data: 'Ada\r' }]);
  });

  it('forgets a run that main refused', async () => {
    const { fake, journal } = setup();
    const { state, errors } = await openJournalStore(fake, journal);
    fake.failNext('cell.run', 'shell is gone');

    await state().runCommand('ls');

    expect(state().queuedCellIds).toEqual([]);
    expect(String(errors[0])).toContain('shell is gone');
  });

  it('runs nothing in an untrusted journal until it is trusted', async () => {
    const { fake, journal } = setup(['S'], { trusted: false });
    const { state } = await openJournalStore(fake, journal);

    expect(state().runRefused).toBe(false);
    expect(await state().runCommand('rm -rf build')).toBe(false);
    expect(state().runRefused).toBe(true);
    expect(fake.editsOf('addCell')).toEqual([]);
    expect(fake.inputsOf('cell.run')).toEqual([]);

    await state().trust();
    expect(state().trusted).toBe(true);
    expect(await state().runCommand('ls')).toBe(true);
    expect(fake.inputsOf('cell.run')).toHaveLength(1);
  });

  it('forgets the output of a deleted cell', async () => {
    const { fake, journal } = setup();
    const { state } = await openJournalStore(fake, journal);
    await state().runCommand('ls');
    const cellId = state().journal.steps[0]!.cells[0]!.id;
    fake.runCell(journal.id, cellId, 'file.txt\r\n');
    fake.outputs.delete(cellId);

    await state().deleteCell(cellId);

    expect(state().journal.steps[0]!.cells).toEqual([]);
    expect(await state().outputs.plainText(cellId, false)).toBe('');
  });
});
