import { describe, expect, it } from 'vitest';
import { JournalEdit, JournalEditError, NotesConflictError, applyEdit, withAttachment, withCellRun } from '../../../app/journal/edits';
import { Journal as JournalSchema, type Journal } from '../../../app/journal/schema';
import { attachment, run, sampleJournal } from './journalFixtures';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** Applies an edit to a frozen journal (so any mutation throws) and checks the result is still a valid journal. */
function apply(journal: Journal, edit: JournalEdit): Journal {
  const next = applyEdit(deepFreeze(journal), JournalEdit.parse(edit));
  expect(JournalSchema.safeParse(next).success).toBe(true);
  return next;
}

const stepIds = (journal: Journal) => journal.steps.map((step) => step.id);

describe('applyEdit', () => {
  it('setTitle renames the journal', () => {
    expect(apply(sampleJournal(), { type: 'setTitle', title: 'New' }).title).toBe('New');
  });

  describe('addStep', () => {
    it('appends by default and inserts at an index', () => {
      const appended = apply(sampleJournal(), { type: 'addStep', stepId: 's3', title: 'Test' });
      expect(stepIds(appended)).toEqual(['s1', 's2', 's3']);
      expect(appended.steps[2]).toEqual({ id: 's3', title: 'Test', status: 'todo', notes: '', cells: [], attachments: [], pinnedAttachmentIds: [] });
      expect(stepIds(apply(sampleJournal(), { type: 'addStep', stepId: 's0', title: '', index: 0 }))).toEqual(['s0', 's1', 's2']);
    });

    it('makes the first step of an empty journal current, and leaves an existing current step alone', () => {
      const empty: Journal = { ...sampleJournal(), steps: [], currentStepId: null };
      expect(apply(empty, { type: 'addStep', stepId: 'first', title: '' }).currentStepId).toBe('first');
      expect(apply(sampleJournal(), { type: 'addStep', stepId: 's3', title: '' }).currentStepId).toBe('s1');
    });

    it('rejects an id already used by a step, a cell or an attachment', () => {
      for (const id of ['s1', 'c2', 'a1']) {
        expect(() => applyEdit(sampleJournal(), { type: 'addStep', stepId: id, title: '' })).toThrow(new JournalEditError(`id ${id} is already used`));
      }
    });
  });

  it('renameStep renames one step and rejects an unknown one', () => {
    const next = apply(sampleJournal(), { type: 'renameStep', stepId: 's2', title: 'Release' });
    expect(next.steps.map((s) => s.title)).toEqual(['Build', 'Release']);
    expect(() => applyEdit(sampleJournal(), { type: 'renameStep', stepId: 'nope', title: 'x' })).toThrow('no step nope');
  });

  describe('moveStep', () => {
    const three = () => apply(sampleJournal(), { type: 'addStep', stepId: 's3', title: '' });

    it('moves a step to an index among the others', () => {
      expect(stepIds(apply(three(), { type: 'moveStep', stepId: 's3', toIndex: 0 }))).toEqual(['s3', 's1', 's2']);
      expect(stepIds(apply(three(), { type: 'moveStep', stepId: 's1', toIndex: 1 }))).toEqual(['s2', 's1', 's3']);
      expect(stepIds(apply(three(), { type: 'moveStep', stepId: 's2', toIndex: 1 }))).toEqual(['s1', 's2', 's3']);
    });

    it('puts a step last when the index is past the end', () => {
      expect(stepIds(apply(three(), { type: 'moveStep', stepId: 's1', toIndex: 99 }))).toEqual(['s2', 's3', 's1']);
    });

    it('rejects a negative index at the boundary and an unknown step', () => {
      expect(JournalEdit.safeParse({ type: 'moveStep', stepId: 's1', toIndex: -1 }).success).toBe(false);
      expect(() => applyEdit(three(), { type: 'moveStep', stepId: 'nope', toIndex: 0 })).toThrow('no step nope');
    });
  });

  describe('deleteStep', () => {
    const three = () => apply(sampleJournal(), { type: 'addStep', stepId: 's3', title: '' });

    it('moves current to the next step when the current one is deleted', () => {
      const next = apply({ ...three(), currentStepId: 's2' }, { type: 'deleteStep', stepId: 's2' });
      expect(stepIds(next)).toEqual(['s1', 's3']);
      expect(next.currentStepId).toBe('s3');
    });

    it('moves current to the previous step when the last one is deleted, and to null when none is left', () => {
      expect(apply({ ...three(), currentStepId: 's3' }, { type: 'deleteStep', stepId: 's3' }).currentStepId).toBe('s2');
      const one = apply(sampleJournal(), { type: 'deleteStep', stepId: 's2' });
      expect(apply(one, { type: 'deleteStep', stepId: 's1' }).currentStepId).toBeNull();
    });

    it('keeps current when another step is deleted, and rejects an unknown step', () => {
      expect(apply(three(), { type: 'deleteStep', stepId: 's3' }).currentStepId).toBe('s1');
      expect(() => applyEdit(three(), { type: 'deleteStep', stepId: 'nope' })).toThrow('no step nope');
    });
  });

  describe('restoreStep', () => {
    it('puts a deleted step back at its index, with its cells and attachments', () => {
      const journal = sampleJournal();
      const deleted = apply(journal, { type: 'deleteStep', stepId: 's1' });
      const restored = apply(deleted, { type: 'restoreStep', step: journal.steps[0]!, index: 0 });
      expect(restored.steps).toEqual(journal.steps);
    });

    it('makes the restored step current when no step is', () => {
      const journal = sampleJournal();
      const empty = apply(apply(journal, { type: 'deleteStep', stepId: 's1' }), { type: 'deleteStep', stepId: 's2' });
      expect(apply(empty, { type: 'restoreStep', step: journal.steps[1]!, index: 0 }).currentStepId).toBe('s2');
    });

    it('rejects a step whose ids are in use again', () => {
      const journal = sampleJournal();
      const deleted = apply(journal, { type: 'deleteStep', stepId: 's1' });
      const reused = apply(deleted, { type: 'addCell', stepId: 's2', cellId: 'c1', command: '' });
      expect(() => applyEdit(reused, { type: 'restoreStep', step: journal.steps[0]!, index: 0 })).toThrow('id c1 is already used');
    });

    it('rejects a step that uses one id twice, which would make the journal unsavable', () => {
      const journal = sampleJournal();
      const deleted = apply(journal, { type: 'deleteStep', stepId: 's1' });
      const step = { ...journal.steps[0]!, cells: [journal.steps[0]!.cells[0]!, { ...journal.steps[0]!.cells[1]!, id: 'c1' }] };
      expect(() => applyEdit(deleted, { type: 'restoreStep', step, index: 0 })).toThrow(JournalEditError);
    });
  });

  it('setStepStatus, setNotes and setCurrentStep change one step, and reject an unknown one', () => {
    const journal = sampleJournal();
    expect(apply(journal, { type: 'setStepStatus', stepId: 's2', status: 'done' }).steps[1]!.status).toBe('done');
    expect(apply(journal, { type: 'setNotes', stepId: 's2', notes: 'hello' }).steps[1]!.notes).toBe('hello');
    expect(apply(journal, { type: 'setCurrentStep', stepId: 's2' }).currentStepId).toBe('s2');
    expect(() => applyEdit(journal, { type: 'setStepStatus', stepId: 'x', status: 'done' })).toThrow('no step x');
    expect(() => applyEdit(journal, { type: 'setNotes', stepId: 'x', notes: '' })).toThrow('no step x');
    expect(() => applyEdit(journal, { type: 'setCurrentStep', stepId: 'x' })).toThrow('no step x');
  });

  describe('cells', () => {
    it('addCell appends a new cell that has not run', () => {
      const next = apply(sampleJournal(), { type: 'addCell', stepId: 's2', cellId: 'c3', command: 'echo hi' });
      expect(next.steps[1]!.cells).toEqual([{ id: 'c3', command: 'echo hi', collapsed: false, lastRun: null }]);
    });

    it('addCell rejects a used id and an unknown step', () => {
      expect(() => applyEdit(sampleJournal(), { type: 'addCell', stepId: 's2', cellId: 's1', command: '' })).toThrow('id s1 is already used');
      expect(() => applyEdit(sampleJournal(), { type: 'addCell', stepId: 'x', cellId: 'c9', command: '' })).toThrow('no step x');
    });

    it('setCellCommand, setCellCollapsed and deleteCell change one cell', () => {
      const journal = sampleJournal();
      expect(apply(journal, { type: 'setCellCommand', cellId: 'c2', command: 'pwd' }).steps[0]!.cells[1]!.command).toBe('pwd');
      expect(apply(journal, { type: 'setCellCollapsed', cellId: 'c1', collapsed: true }).steps[0]!.cells[0]!.collapsed).toBe(true);
      expect(apply(journal, { type: 'deleteCell', cellId: 'c1' }).steps[0]!.cells.map((c) => c.id)).toEqual(['c2']);
    });

    it('restoreCell puts a deleted cell back at its place with its last run, once', () => {
      const journal = sampleJournal();
      const deleted = apply(journal, { type: 'deleteCell', cellId: 'c1' });
      expect(apply(deleted, { type: 'restoreCell', stepId: 's1', cell: journal.steps[0]!.cells[0]!, index: 0 })).toEqual(journal);
      expect(() => applyEdit(journal, { type: 'restoreCell', stepId: 's1', cell: journal.steps[0]!.cells[0]!, index: 0 })).toThrow('id c1 is already used');
      expect(() => applyEdit(deleted, { type: 'restoreCell', stepId: 'x', cell: journal.steps[0]!.cells[0]!, index: 0 })).toThrow('no step x');
    });

    it('rejects an unknown cell', () => {
      const journal = sampleJournal();
      expect(() => applyEdit(journal, { type: 'setCellCommand', cellId: 'x', command: '' })).toThrow('no cell x');
      expect(() => applyEdit(journal, { type: 'setCellCollapsed', cellId: 'x', collapsed: true })).toThrow('no cell x');
      expect(() => applyEdit(journal, { type: 'deleteCell', cellId: 'x' })).toThrow('no cell x');
    });

    it('withCellRun records a run on one cell', () => {
      const finished = run({ runId: 'r2', exitCode: 1 });
      expect(withCellRun(sampleJournal(), 'c2', finished).steps[0]!.cells[1]!.lastRun).toEqual(finished);
      expect(() => withCellRun(sampleJournal(), 'x', finished)).toThrow('no cell x');
    });
  });

  describe('attachments', () => {
    it('withAttachment adds one to a step, and rejects a used id', () => {
      expect(withAttachment(deepFreeze(sampleJournal()), 's2', attachment('a2')).steps[1]!.attachments).toEqual([attachment('a2')]);
      expect(() => withAttachment(sampleJournal(), 's2', attachment('c1'))).toThrow('id c1 is already used');
    });

    it('removeAttachment removes one and rejects an unknown one', () => {
      expect(apply(sampleJournal(), { type: 'removeAttachment', attachmentId: 'a1' }).steps[0]!.attachments).toEqual([]);
      expect(() => applyEdit(sampleJournal(), { type: 'removeAttachment', attachmentId: 'x' })).toThrow('no attachment x');
    });

    it('restoreAttachment undoes removeAttachment, pins of later steps included', () => {
      const pinned = apply(sampleJournal(), { type: 'pinAttachment', stepId: 's2', attachmentId: 'a1' });
      const removed = apply(pinned, { type: 'removeAttachment', attachmentId: 'a1' });
      expect(removed.steps[1]!.pinnedAttachmentIds).toEqual([]);
      const restored = apply(removed, { type: 'restoreAttachment', stepId: 's1', attachment: attachment('a1'), index: 0, pinnedBy: ['s2'] });
      expect(restored).toEqual(pinned);
      // Moved before its owner meanwhile, s2 can no longer pin it; and a restore twice is refused.
      const moved = apply(removed, { type: 'moveStep', stepId: 's2', toIndex: 0 });
      expect(apply(moved, { type: 'restoreAttachment', stepId: 's1', attachment: attachment('a1'), index: 0, pinnedBy: ['s2'] }).steps[0]!.pinnedAttachmentIds).toEqual([]);
      expect(() => applyEdit(pinned, { type: 'restoreAttachment', stepId: 's1', attachment: attachment('a1'), index: 0, pinnedBy: [] })).toThrow('id a1 is already used');
    });
  });

  it('JournalEdit rejects malformed edits at the boundary', () => {
    expect(JournalEdit.safeParse({ type: 'addStep', stepId: '../x', title: '' }).success).toBe(false);
    expect(JournalEdit.safeParse({ type: 'setTitle', title: '' }).success).toBe(false);
    expect(JournalEdit.safeParse({ type: 'explode' }).success).toBe(false);
  });
});

describe('setNotes with the base the tab wrote over', () => {
  const withNotes = (notes: string) => apply(sampleJournal(), { type: 'setNotes', stepId: 's2', notes });

  it('saves when the notes are still the base, or already the new text', () => {
    expect(apply(withNotes('[t1-a]'), { type: 'setNotes', stepId: 's2', notes: '[t1-a] [t2-b]', base: '[t1-a]' }).steps[1]!.notes).toBe('[t1-a] [t2-b]');
    expect(apply(withNotes('same'), { type: 'setNotes', stepId: 's2', notes: 'same', base: 'old' }).steps[1]!.notes).toBe('same');
  });

  it('refuses, changing nothing, when another tab saved the notes since the base', () => {
    const saved = withNotes('[t1-a] [t2-b]');
    expect(() => applyEdit(saved, { type: 'setNotes', stepId: 's2', notes: '[t1-a] [t1-c]', base: '[t1-a]' })).toThrow(NotesConflictError);
    expect(saved.steps[1]!.notes).toBe('[t1-a] [t2-b]');
  });
});
