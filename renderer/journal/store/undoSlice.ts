import type { JournalSliceCreator, UndoSlice } from './types';

export const UNDO_WINDOW_MS = 10_000;

export function createUndoSlice(): JournalSliceCreator<UndoSlice> {
  let expiry: ReturnType<typeof setTimeout> | undefined;

  return (set, get) => ({
    deletedStep: null,
    deleteStep: async (stepId) => {
      // Save the notes first so the step kept for undo is the one the user saw.
      await get().flushNotes();
      const { journal, edit } = get();
      const index = journal.steps.findIndex((step) => step.id === stepId);
      const step = journal.steps[index];
      if (!step || !(await edit({ type: 'deleteStep', stepId }))) return;
      clearTimeout(expiry);
      set({ deletedStep: { step, index }, renamingStepId: get().renamingStepId === stepId ? null : get().renamingStepId });
      expiry = setTimeout(() => get().dismissUndo(), UNDO_WINDOW_MS);
    },
    undoDelete: async () => {
      const deleted = get().deletedStep;
      if (!deleted) return;
      get().dismissUndo();
      if (await get().edit({ type: 'restoreStep', step: deleted.step, index: deleted.index })) {
        await get().selectStep(deleted.step.id);
      }
    },
    dismissUndo: () => {
      clearTimeout(expiry);
      set({ deletedStep: null });
    },
  });
}
