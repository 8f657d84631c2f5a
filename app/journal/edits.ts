import { z } from 'zod';
import { Attachment, Cell, CellRun, Id, Journal, MAX_NOTES_CHARS, Step, StepStatus, newStep } from './schema';

/** How long a deleted step, cell or attachment can be put back (the Undo toast); main keeps their files as long. */
export const UNDO_WINDOW_MS = 10_000;

/**
 * Every change a user makes to a journal, as data: the renderer sends one, main validates it,
 * applies it with `applyEdit` and saves. Keeping edits as values makes undo and tests simple.
 */
export const JournalEdit = z.discriminatedUnion('type', [
  z.object({ type: z.literal('setTitle'), title: z.string().min(1).max(500) }),
  z.object({ type: z.literal('addStep'), stepId: Id, title: z.string().max(500), index: z.number().int().nonnegative().optional() }),
  z.object({ type: z.literal('renameStep'), stepId: Id, title: z.string().max(500) }),
  z.object({ type: z.literal('moveStep'), stepId: Id, toIndex: z.number().int().nonnegative() }),
  z.object({ type: z.literal('deleteStep'), stepId: Id }),
  /** Undo of deleteStep: puts the step back where it was. */
  z.object({ type: z.literal('restoreStep'), step: Step, index: z.number().int().nonnegative() }),
  z.object({ type: z.literal('setStepStatus'), stepId: Id, status: StepStatus }),
  /**
   * `base` is the saved notes the new text was written over, as the tab last saw them: when the notes moved on
   * since (another tab saved them), the edit is refused with a NotesConflictError instead of overwriting them.
   */
  z.object({ type: z.literal('setNotes'), stepId: Id, notes: z.string().max(MAX_NOTES_CHARS), base: z.string().max(MAX_NOTES_CHARS).optional() }),
  /** The step selected last in any tab: where a new tab starts, and the step the assistant's context follows. Each tab keeps its own selection. */
  z.object({ type: z.literal('setCurrentStep'), stepId: Id }),
  z.object({ type: z.literal('addCell'), stepId: Id, cellId: Id, command: z.string().max(100_000) }),
  z.object({ type: z.literal('setCellCommand'), cellId: Id, command: z.string().max(100_000) }),
  z.object({ type: z.literal('setCellCollapsed'), cellId: Id, collapsed: z.boolean() }),
  z.object({ type: z.literal('deleteCell'), cellId: Id }),
  /** Undo of deleteCell: the cell, with its last run, back at its place in the step. */
  z.object({ type: z.literal('restoreCell'), stepId: Id, cell: Cell, index: z.number().int().nonnegative() }),
  z.object({ type: z.literal('removeAttachment'), attachmentId: Id }),
  /** Undo of removeAttachment: back in its step, and pinned again by the later steps that pinned it. */
  z.object({
    type: z.literal('restoreAttachment'), stepId: Id, attachment: Attachment, index: z.number().int().nonnegative(),
    pinnedBy: z.array(Id).max(10_000),
  }),
  /** Keeps an attachment of an earlier step in this step's context. */
  z.object({ type: z.literal('pinAttachment'), stepId: Id, attachmentId: Id }),
  z.object({ type: z.literal('unpinAttachment'), stepId: Id, attachmentId: Id }),
]);
export type JournalEdit = z.infer<typeof JournalEdit>;

export class JournalEditError extends Error {
  override readonly name = 'JournalEditError';
}

/** What a tab is told when its notes save lost to another tab's. */
export const NOTES_CHANGED_ELSEWHERE = 'These notes changed in another tab';

/** A notes save written over notes that have changed since (in another tab); nothing was changed. */
export class NotesConflictError extends Error {
  override readonly name = 'NotesConflictError';
  constructor() {
    super(`${NOTES_CHANGED_ELSEWHERE}.`);
  }
}

/** The code a refused notes save carries to the renderer. */
export const NOTES_CONFLICT = 'notes-conflict';

function mapSteps(journal: Journal, stepId: string, change: (step: Step) => Step): Journal {
  if (!journal.steps.some((step) => step.id === stepId)) throw new JournalEditError(`no step ${stepId}`);
  return { ...journal, steps: journal.steps.map((step) => (step.id === stepId ? change(step) : step)) };
}

function mapCell(journal: Journal, cellId: string, change: (cell: Cell) => Cell | null): Journal {
  let found = false;
  const steps = journal.steps.map((step) => {
    if (!step.cells.some((cell) => cell.id === cellId)) return step;
    found = true;
    const cells = step.cells.flatMap((cell) => {
      if (cell.id !== cellId) return [cell];
      const changed = change(cell);
      return changed ? [changed] : [];
    });
    return { ...step, cells };
  });
  if (!found) throw new JournalEditError(`no cell ${cellId}`);
  return { ...journal, steps };
}

function assertFreshId(journal: Journal, id: string): void {
  const taken = journal.steps.some(
    (step) => step.id === id || step.cells.some((c) => c.id === id) || step.attachments.some((a) => a.id === id),
  );
  if (taken) throw new JournalEditError(`id ${id} is already used`);
}

function insertAt<T>(items: readonly T[], index: number, item: T): T[] {
  const at = Math.min(index, items.length);
  return [...items.slice(0, at), item, ...items.slice(at)];
}

/** Applies one edit and returns the new journal; the input is never mutated. */
export function applyEdit(journal: Journal, edit: JournalEdit): Journal {
  switch (edit.type) {
    case 'setTitle':
      return { ...journal, title: edit.title };
    case 'addStep': {
      assertFreshId(journal, edit.stepId);
      const steps = insertAt(journal.steps, edit.index ?? journal.steps.length, newStep(edit.stepId, edit.title));
      // The first step of a journal becomes current, so there is always somewhere to type a command.
      return { ...journal, steps, currentStepId: journal.currentStepId ?? edit.stepId };
    }
    case 'renameStep':
      return mapSteps(journal, edit.stepId, (step) => ({ ...step, title: edit.title }));
    case 'moveStep': {
      const from = journal.steps.findIndex((step) => step.id === edit.stepId);
      if (from < 0) throw new JournalEditError(`no step ${edit.stepId}`);
      const rest = journal.steps.filter((step) => step.id !== edit.stepId);
      return { ...journal, steps: insertAt(rest, edit.toIndex, journal.steps[from]!) };
    }
    case 'deleteStep': {
      const index = journal.steps.findIndex((step) => step.id === edit.stepId);
      if (index < 0) throw new JournalEditError(`no step ${edit.stepId}`);
      const removed = new Set(journal.steps[index]!.attachments.map((a) => a.id));
      const steps = withoutAttachments(journal, removed).steps.filter((step) => step.id !== edit.stepId);
      let currentStepId = journal.currentStepId;
      if (currentStepId === edit.stepId) currentStepId = (steps[index] ?? steps[index - 1])?.id ?? null;
      return { ...journal, steps, currentStepId };
    }
    case 'restoreStep': {
      const ids = [edit.step.id, ...edit.step.cells.map((c) => c.id), ...edit.step.attachments.map((a) => a.id)];
      ids.forEach((id) => assertFreshId(journal, id));
      // A step that repeats an id inside itself would make the journal fail validation on every later save.
      const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
      if (repeated !== undefined) throw new JournalEditError(`id ${repeated} is used twice in the restored step`);
      return { ...journal, steps: insertAt(journal.steps, edit.index, edit.step), currentStepId: journal.currentStepId ?? edit.step.id };
    }
    case 'setStepStatus':
      return mapSteps(journal, edit.stepId, (step) => ({ ...step, status: edit.status }));
    case 'setNotes':
      return mapSteps(journal, edit.stepId, (step) => {
        // Only one side changed the notes since `base`, or both made the same change: no conflict.
        if (edit.base !== undefined && step.notes !== edit.base && step.notes !== edit.notes) {
          throw new NotesConflictError();
        }
        return { ...step, notes: edit.notes };
      });
    case 'setCurrentStep':
      if (!journal.steps.some((step) => step.id === edit.stepId)) throw new JournalEditError(`no step ${edit.stepId}`);
      return { ...journal, currentStepId: edit.stepId };
    case 'addCell':
      assertFreshId(journal, edit.cellId);
      return mapSteps(journal, edit.stepId, (step) => ({
        ...step,
        cells: [...step.cells, { id: edit.cellId, command: edit.command, collapsed: false, lastRun: null }],
      }));
    case 'setCellCommand':
      return mapCell(journal, edit.cellId, (cell) => ({ ...cell, command: edit.command }));
    case 'setCellCollapsed':
      return mapCell(journal, edit.cellId, (cell) => ({ ...cell, collapsed: edit.collapsed }));
    case 'deleteCell':
      return mapCell(journal, edit.cellId, () => null);
    case 'restoreCell':
      assertFreshId(journal, edit.cell.id);
      return mapSteps(journal, edit.stepId, (step) => ({ ...step, cells: insertAt(step.cells, edit.index, edit.cell) }));
    case 'restoreAttachment': {
      assertFreshId(journal, edit.attachment.id);
      const ownerIndex = journal.steps.findIndex((step) => step.id === edit.stepId);
      if (ownerIndex < 0) throw new JournalEditError(`no step ${edit.stepId}`);
      const pinners = new Set(edit.pinnedBy);
      return {
        ...journal,
        steps: journal.steps.map((step, i) => {
          if (i === ownerIndex) return { ...step, attachments: insertAt(step.attachments, edit.index, edit.attachment) };
          // Only later steps can pin it (the steps may have moved since the removal).
          if (i > ownerIndex && pinners.has(step.id) && !step.pinnedAttachmentIds.includes(edit.attachment.id)) {
            return { ...step, pinnedAttachmentIds: [...step.pinnedAttachmentIds, edit.attachment.id] };
          }
          return step;
        }),
      };
    }
    case 'removeAttachment': {
      if (!journal.steps.some((step) => step.attachments.some((a) => a.id === edit.attachmentId))) {
        throw new JournalEditError(`no attachment ${edit.attachmentId}`);
      }
      return withoutAttachments(journal, new Set([edit.attachmentId]));
    }
    case 'pinAttachment': {
      const stepIndex = journal.steps.findIndex((step) => step.id === edit.stepId);
      const ownerIndex = journal.steps.findIndex((step) => step.attachments.some((a) => a.id === edit.attachmentId));
      if (stepIndex < 0) throw new JournalEditError(`no step ${edit.stepId}`);
      if (ownerIndex < 0) throw new JournalEditError(`no attachment ${edit.attachmentId}`);
      if (ownerIndex >= stepIndex) throw new JournalEditError('only an attachment of an earlier step can be pinned');
      return mapSteps(journal, edit.stepId, (step) =>
        step.pinnedAttachmentIds.includes(edit.attachmentId) ? step : { ...step, pinnedAttachmentIds: [...step.pinnedAttachmentIds, edit.attachmentId] },
      );
    }
    case 'unpinAttachment':
      return mapSteps(journal, edit.stepId, (step) => ({
        ...step,
        pinnedAttachmentIds: step.pinnedAttachmentIds.filter((id) => id !== edit.attachmentId),
      }));
  }
}

/** Removes attachments and every pin that names them, so no step keeps a pin to nothing. */
function withoutAttachments(journal: Journal, ids: ReadonlySet<string>): Journal {
  return {
    ...journal,
    steps: journal.steps.map((step) => ({
      ...step,
      attachments: step.attachments.filter((a) => !ids.has(a.id)),
      pinnedAttachmentIds: step.pinnedAttachmentIds.filter((id) => !ids.has(id)),
    })),
  };
}

/** Records a cell's run; main calls this as a run starts, streams, and finishes. */
export function withCellRun(journal: Journal, cellId: string, run: CellRun): Journal {
  return mapCell(journal, cellId, (cell) => ({ ...cell, lastRun: run }));
}

/** Adds an attachment that main has already read and sized. */
export function withAttachment(journal: Journal, stepId: string, attachment: Attachment): Journal {
  assertFreshId(journal, attachment.id);
  return mapSteps(journal, stepId, (step) => ({ ...step, attachments: [...step.attachments, attachment] }));
}

/**
 * What `journal.changed` carries: one change to the journal, which a copy of the version before applies
 * with `applyChange` to reach the same journal as main. The user's edits, plus the two changes main makes
 * itself (a cell's run recorded, an attachment it read and sized), so an edit sends a change, never the journal.
 */
export const JournalChange = z.union([
  JournalEdit,
  z.object({ type: z.literal('recordRun'), cellId: Id, run: CellRun }),
  z.object({ type: z.literal('attach'), stepId: Id, attachment: Attachment }),
]);
export type JournalChange = z.infer<typeof JournalChange>;

/** Applies one change; like `applyEdit`, pure. */
export function applyChange(journal: Journal, change: JournalChange): Journal {
  switch (change.type) {
    case 'recordRun':
      return withCellRun(journal, change.cellId, change.run);
    case 'attach':
      return withAttachment(journal, change.stepId, change.attachment);
    default:
      return applyEdit(journal, change);
  }
}
