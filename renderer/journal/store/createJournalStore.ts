import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Disposable, SteerwayApi } from '../../../app/ipc/api';
import type { OpenedJournal } from '../../../app/ipc/contract';
import { createJournalDataSlice } from './journalSlice';
import { OutputHub } from './outputHub';
import { createRunSlice } from './runSlice';
import { createStepUiSlice } from './stepUiSlice';
import type { JournalDeps, JournalState } from './types';
import { createUndoSlice } from './undoSlice';

export type JournalStore = StoreApi<JournalState>;

/** One store per open journal, built from small slices; it listens to main's events for this journal only. */
export function createJournalStore(
  api: SteerwayApi,
  opened: OpenedJournal,
  reportError: (error: unknown) => void = console.error,
): JournalStore {
  const journalId = opened.journal.id;
  const outputs = new OutputHub((cellId) => api.call('cell.output', { journalId, cellId }), reportError);
  const deps: JournalDeps = { api, journalId, outputs, reportError };
  const subscriptions: Disposable[] = [];

  const store = createStore<JournalState>()((...args) => ({
    ...createJournalDataSlice(deps, opened)(...args),
    ...createRunSlice(deps, opened.runningCellId)(...args),
    ...createStepUiSlice(deps)(...args),
    ...createUndoSlice()(...args),
    dispose: async () => {
      subscriptions.splice(0).forEach((subscription) => subscription.dispose());
      store.getState().dismissUndo();
      await store.getState().flushNotes();
    },
  }));

  const state = () => store.getState();
  const mine = (payload: { journalId: string }) => payload.journalId === journalId;
  subscriptions.push(
    api.on('journal.changed', (e) => mine(e) && void state().receive(e)),
    api.on('cell.started', (e) => mine(e) && state().cellStarted(e.cellId)),
    api.on('cell.data', (e) => mine(e) && outputs.data(e.cellId, e.data)),
    api.on('cell.finished', (e) => mine(e) && state().cellFinished(e.cellId)),
    api.on('shell.exited', (e) => mine(e) && state().shellExited()),
  );
  return store;
}
