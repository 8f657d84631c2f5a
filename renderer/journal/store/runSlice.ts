import { newId } from '../../../app/ids';
import type { JournalDeps, JournalSliceCreator, RunSlice } from './types';

/** How long Stop waits for an interrupted command to end (generous: a loaded machine, a program tidying up). */
export const STOP_WAIT_MS = 10_000;

export function createRunSlice(deps: JournalDeps, runningCellId: string | null): JournalSliceCreator<RunSlice> {
  const { api, journalId, outputs, reportError } = deps;
  let shellSize = { cols: 0, rows: 0 };
  return (set, get, store) => ({
    runningCellId,
    queuedCellIds: [],
    runRefused: false,
    runCommand: async (command) => {
      const { selectedStepId, trusted, edit } = get();
      if (!trusted) set({ runRefused: true });
      if (!trusted || !selectedStepId || !command.trim()) return false;
      const cellId = newId();
      if (!(await edit({ type: 'addCell', stepId: selectedStepId, cellId, command }))) return false;
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
    stopCommandIn: async (stepId) => {
      const runsHere = () => {
        const { runningCellId, journal } = get();
        return runningCellId !== null && !!journal.steps.find((s) => s.id === stepId)?.cells.some((c) => c.id === runningCellId);
      };
      if (!runsHere()) return true;
      await get().interrupt();
      return new Promise<boolean>((resolve) => {
        const done = (stopped: boolean) => {
          clearTimeout(timer);
          unsubscribe();
          resolve(stopped);
        };
        const timer = setTimeout(() => done(!runsHere()), STOP_WAIT_MS);
        const unsubscribe = store.subscribe(() => !runsHere() && done(true));
        if (!runsHere()) done(true);
      });
    },
    sendInput: (data) => {
      if (get().runningCellId) api.call('cell.input', { journalId, data }).catch(reportError);
    },
    resizeShell: (cols, rows) => {
      // Every step's cell list reports its width; the shell hears only a change.
      if (cols === shellSize.cols && rows === shellSize.rows) return;
      shellSize = { cols, rows };
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
