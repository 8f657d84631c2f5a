import type { JournalUpdate, OpenedJournal } from '../../../app/ipc/contract';
import { applyChange } from '../../../app/journal/edits';
import type { Journal } from '../../../app/journal/schema';
import { initialSelection, keepSelection } from '../../../app/journal/selection';
import type { JournalDataSlice, JournalDeps, JournalSliceCreator } from './types';

export function createJournalDataSlice(deps: JournalDeps, opened: OpenedJournal): JournalSliceCreator<JournalDataSlice> {
  const { api, journalId, outputs, reportError } = deps;
  return (set, get) => {
    let resyncing: Promise<void> | null = null;
    /** Every new journal passes here, so the tab's selection follows only deletes of its own step. */
    const show = (journal: Journal, version: number, trusted = get().trusted) =>
      set({ journal, version, trusted, selectedStepId: keepSelection(get().journal, journal, get().selectedStepId) });
    const showOpened = (o: OpenedJournal) => show(o.journal, o.version, o.trusted);

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
          show(applyChange(journal, update.change), update.version);
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
      selectedStepId: initialSelection(opened.journal),
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
      refresh: resync,
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
