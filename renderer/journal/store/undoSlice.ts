import { UNDO_WINDOW_MS, type JournalEdit } from '../../../app/journal/edits';
import type { Deleted, JournalSliceCreator, UndoSlice } from './types';

/** The edit that puts a deleted thing back. */
function restoreEdit(deleted: Deleted): JournalEdit {
  switch (deleted.kind) {
    case 'step':
      return { type: 'restoreStep', step: deleted.step, index: deleted.index };
    case 'cell':
      return { type: 'restoreCell', stepId: deleted.stepId, cell: deleted.cell, index: deleted.index };
    case 'attachment':
      return { type: 'restoreAttachment', stepId: deleted.stepId, attachment: deleted.attachment, index: deleted.index, pinnedBy: deleted.pinnedBy };
  }
}

/** Delete step, delete cell and remove attachment: each can be undone for a while (the toast), the last one only. */
export function createUndoSlice(): JournalSliceCreator<UndoSlice> {
  let expiry: ReturnType<typeof setTimeout> | undefined;

  return (set, get) => {
    const offerUndo = (deleted: Deleted) => {
      clearTimeout(expiry);
      set({ deleted });
      expiry = setTimeout(() => get().dismissUndo(), UNDO_WINDOW_MS);
    };

    return {
      deleted: null,
      deleteStep: async (stepId) => {
        // Save the notes first so the step kept for undo is the one the user saw.
        await get().flushNotes();
        const { journal, edit } = get();
        const index = journal.steps.findIndex((step) => step.id === stepId);
        const step = journal.steps[index];
        if (!step || !(await edit({ type: 'deleteStep', stepId }))) return;
        offerUndo({ kind: 'step', step, index });
        // Main skips queued cells that are gone; none of them waits here any more.
        const gone = new Set(step.cells.map((cell) => cell.id));
        set((s) => ({ queuedCellIds: s.queuedCellIds.filter((id) => !gone.has(id)) }));
        if (get().renamingStepId === stepId) set({ renamingStepId: null });
      },
      deleteCell: async (cellId) => {
        const step = get().journal.steps.find((s) => s.cells.some((cell) => cell.id === cellId));
        const index = step?.cells.findIndex((cell) => cell.id === cellId) ?? -1;
        if (!step || !(await get().edit({ type: 'deleteCell', cellId }))) return;
        // Main keeps the output file while undo is offered; a restored cell reads it again.
        get().outputs.forget(cellId);
        offerUndo({ kind: 'cell', stepId: step.id, cell: step.cells[index]!, index });
      },
      removeAttachment: async (attachmentId) => {
        const { journal, edit } = get();
        const step = journal.steps.find((s) => s.attachments.some((a) => a.id === attachmentId));
        const index = step?.attachments.findIndex((a) => a.id === attachmentId) ?? -1;
        if (!step || !(await edit({ type: 'removeAttachment', attachmentId }))) return;
        const pinnedBy = journal.steps.filter((s) => s.pinnedAttachmentIds.includes(attachmentId)).map((s) => s.id);
        offerUndo({ kind: 'attachment', stepId: step.id, attachment: step.attachments[index]!, index, pinnedBy });
      },
      undoDelete: async () => {
        const deleted = get().deleted;
        if (!deleted) return;
        get().dismissUndo();
        if ((await get().edit(restoreEdit(deleted))) && deleted.kind === 'step') await get().selectStep(deleted.step.id);
      },
      dismissUndo: () => {
        clearTimeout(expiry);
        set({ deleted: null });
      },
    };
  };
}
