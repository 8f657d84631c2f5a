import { newId } from '../../../app/ids';
import { RemoteError } from '../../../app/ipc/api';
import { NOTES_CONFLICT } from '../../../app/journal/edits';
import type { JournalDeps, JournalSliceCreator, StepUiSlice } from './types';

export const NOTES_SAVE_DELAY_MS = 300;
const NEW_STEP_TITLE = 'New step';

export function createStepUiSlice(deps: JournalDeps): JournalSliceCreator<StepUiSlice> {
  const { api, journalId, reportError } = deps;
  // Drafts live outside the state: typing must not re-render everything that reads the store.
  const pendingNotes = new Map<string, string>();
  /** Per step, the saved notes the editor's text was written over: main refuses a save when they moved on since. */
  const notesBase = new Map<string, string>();
  let saveTimer: ReturnType<typeof setTimeout> | undefined;

  return (set, get) => {
    const saveNotes = async (stepId: string, notes: string): Promise<void> => {
      const step = get().journal.steps.find((s) => s.id === stepId);
      if (!step) return;
      const base = notesBase.get(stepId) ?? step.notes;
      if (notes === base) return;
      // The next save of this step is written over this one, even before main answers.
      notesBase.set(stepId, notes);
      try {
        await get().receive(await api.call('journal.edit', { journalId, edit: { type: 'setNotes', stepId, notes, base } }));
      } catch (error) {
        if (!(error instanceof RemoteError && error.code === NOTES_CONFLICT)) {
          notesBase.set(stepId, base);
          return reportError(error);
        }
        // Another tab saved these notes first: show the saved text, and keep this tab's (with what was typed since).
        const mine = pendingNotes.get(stepId) ?? notes;
        pendingNotes.delete(stepId);
        await get().refresh();
        const saved = get().journal.steps.find((s) => s.id === stepId);
        if (saved) notesBase.set(stepId, saved.notes);
        set({ notesConflict: { stepId, mine } });
      }
    };

    return {
      renamingStepId: null,
      revealCellId: null,
      notesConflict: null,
      selectStep: async (stepId) => {
        if (get().selectedStepId === stepId) return;
        await get().flushNotes();
        set({ selectedStepId: stepId });
        // Remembered in the journal only as where a new tab starts (and what the assistant's context follows).
        await get().edit({ type: 'setCurrentStep', stepId });
      },
      addStepAfterCurrent: async () => {
        const { journal, selectedStepId, edit } = get();
        const currentIndex = journal.steps.findIndex((step) => step.id === selectedStepId);
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
      notesShown: (stepId, notes) => {
        notesBase.set(stepId, notes);
      },
      dismissNotesConflict: () => set({ notesConflict: null }),
      flushNotes: async () => {
        clearTimeout(saveTimer);
        const drafts = [...pendingNotes];
        pendingNotes.clear();
        await Promise.all(drafts.map(([stepId, notes]) => saveNotes(stepId, notes)));
      },
    };
  };
}
