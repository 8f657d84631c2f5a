import { newId } from '../../../app/ids';
import type { JournalSliceCreator, StepUiSlice } from './types';

export const NOTES_SAVE_DELAY_MS = 300;
const NEW_STEP_TITLE = 'New step';

export function createStepUiSlice(): JournalSliceCreator<StepUiSlice> {
  // Drafts live outside the state: typing must not re-render everything that reads the store.
  const pendingNotes = new Map<string, string>();
  let saveTimer: ReturnType<typeof setTimeout> | undefined;

  return (set, get) => ({
    renamingStepId: null,
    revealCellId: null,
    selectStep: async (stepId) => {
      if (get().journal.currentStepId === stepId) return;
      await get().flushNotes();
      await get().edit({ type: 'setCurrentStep', stepId });
    },
    addStepAfterCurrent: async () => {
      const { journal, edit } = get();
      const currentIndex = journal.steps.findIndex((step) => step.id === journal.currentStepId);
      const index = currentIndex < 0 ? journal.steps.length : currentIndex + 1;
      const stepId = newId();
      if (!(await edit({ type: 'addStep', stepId, title: NEW_STEP_TITLE, index }))) return;
      await get().selectStep(stepId);
      set({ renamingStepId: stepId });
    },
    startRename: (stepId) => set({ renamingStepId: stepId }),
    finishRename: async (stepId, title) => {
      if (get().renamingStepId === stepId) set({ renamingStepId: null });
      const step = get().journal.steps.find((s) => s.id === stepId);
      const trimmed = title?.trim();
      if (!step || !trimmed || trimmed === step.title) return;
      await get().edit({ type: 'renameStep', stepId, title: trimmed });
    },
    moveStep: async (stepId, toIndex) => {
      const steps = get().journal.steps;
      const from = steps.findIndex((step) => step.id === stepId);
      const to = Math.max(0, Math.min(toIndex, steps.length - 1));
      if (from < 0 || from === to) return false;
      return get().edit({ type: 'moveStep', stepId, toIndex: to });
    },
    reveal: async (stepId, cellId) => {
      await get().selectStep(stepId);
      set({ revealCellId: cellId });
    },
    clearReveal: () => set({ revealCellId: null }),
    setNotesDraft: (stepId, notes) => {
      pendingNotes.set(stepId, notes);
      clearTimeout(saveTimer);
      saveTimer = setTimeout(() => void get().flushNotes(), NOTES_SAVE_DELAY_MS);
    },
    hasPendingNotes: (stepId) => pendingNotes.has(stepId),
    flushNotes: async () => {
      clearTimeout(saveTimer);
      const drafts = [...pendingNotes];
      pendingNotes.clear();
      const { journal, edit } = get();
      await Promise.all(
        drafts
          .filter(([stepId, notes]) => journal.steps.find((step) => step.id === stepId)?.notes !== notes)
          .map(([stepId, notes]) => edit({ type: 'setNotes', stepId, notes })),
      );
    },
  });
}
