import type { JournalUpdate, OpenedJournal } from '../../../app/ipc/contract';
import { applyChange } from '../../../app/journal/edits';
import type { JournalDataSlice, JournalDeps, JournalSliceCreator } from './types';

export function createJournalDataSlice(deps: JournalDeps, opened: OpenedJournal): JournalSliceCreator<JournalDataSlice> {
  const { api, journalId, outputs, reportError } = deps;
  return (set, get) => {
    let resyncing: Promise<void> | null = null;
    const showOpened = (o: OpenedJournal) => set({ journal: o.journal, trusted: o.trusted, version: o.version });

    /** The full-journal path: this copy missed a change (or could not apply one), so it takes main's whole journal. */
    const resync = (): Promise<void> =>
      (resyncing ??= api
        .call('journal.open', { journalId })
        .then(showOpened, reportError)
        .finally(() => (resyncing = null)));

    /** Applies main's next change; an event and an edit's reply carry the same one, so the second is skipped. */
    const receive = async (update: JournalUpdate): Promise<void> => {
      const { journal, version } = get();
      if (update.version <= version) return;
      if (update.version === version + 1) {
        try {
          set({ journal: applyChange(journal, update.change), version: update.version });
          return;
        } catch {
          // Main applied it to its journal; this copy differs, so fall through to take main's.
        }
      }
      await resync();
    };

    return {
      journalId,
      journal: opened.journal,
      version: opened.version,
      trusted: opened.trusted,
      outputs,
      edit: async (edit) => {
        try {
          await receive(await api.call('journal.edit', { journalId, edit }));
          return true;
        } catch (error) {
          reportError(error);
          return false;
        }
      },
      receive,
      trust: async () => {
        try {
          showOpened(await api.call('journal.trust', { journalId }));
        } catch (error) {
          reportError(error);
        }
      },
      addAttachment: async (stepId, attachment) => {
        try {
          await receive(await api.call('attachment.add', { journalId, stepId, attachment }));
          return true;
        } catch (error) {
          reportError(error);
          return false;
        }
      },
    };
  };
}
