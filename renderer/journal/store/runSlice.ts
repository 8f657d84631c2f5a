import { newId } from '../../../app/ids';
import type { JournalDeps, JournalSliceCreator, RunSlice } from './types';

export function createRunSlice(deps: JournalDeps, runningCellId: string | null): JournalSliceCreator<RunSlice> {
  const { api, journalId, outputs, reportError } = deps;
  return (set, get) => ({
    runningCellId,
    queuedCellIds: [],
    runRefused: false,
    runCommand: async (command) => {
      const { journal, trusted, edit } = get();
      if (!trusted) set({ runRefused: true });
      if (!trusted || !journal.currentStepId || !command.trim()) return false;
      const cellId = newId();
      if (!(await edit({ type: 'addCell', stepId: journal.currentStepId, cellId, command }))) return false;
      await get().runCell(cellId);
      return true;
    },
    runCell: async (cellId) => {
      if (!get().trusted) {
        set({ runRefused: true });
        return;
      }
      // Queued before the call: main may announce the start before its reply arrives.
      set((s) => ({ queuedCellIds: [...s.queuedCellIds, cellId] }));
      try {
        await api.call('cell.run', { journalId, cellId });
      } catch (error) {
        set((s) => ({ queuedCellIds: s.queuedCellIds.filter((id) => id !== cellId) }));
        reportError(error);
      }
    },
    interrupt: () => api.call('cell.interrupt', { journalId }).then(() => undefined, reportError),
    sendInput: (data) => {
      if (get().runningCellId) api.call('cell.input', { journalId, data }).catch(reportError);
    },
    resizeShell: (cols, rows) => {
      api.call('cell.resize', { journalId, cols, rows }).catch(reportError);
    },
    // The cell's lastRun comes as a journal change just before each of these events.
    cellStarted: (cellId) => {
      outputs.started(cellId);
      set((s) => ({
        runningCellId: cellId,
        queuedCellIds: s.queuedCellIds.filter((id) => id !== cellId),
      }));
    },
    cellFinished: (cellId) => {
      set((s) => ({
        runningCellId: s.runningCellId === cellId ? null : s.runningCellId,
      }));
    },
    shellExited: () => set({ runningCellId: null }),
  });
}
