import type { OpenedJournal } from '../../../app/ipc/contract';
import type { JournalDataSlice, JournalDeps, JournalSliceCreator } from './types';

export function createJournalDataSlice(deps: JournalDeps, opened: OpenedJournal): JournalSliceCreator<JournalDataSlice> {
  const { api, journalId, outputs, reportError } = deps;
  return (set) => ({
    journalId,
    journal: opened.journal,
    trusted: opened.trusted,
    outputs,
    edit: async (edit) => {
      try {
        set({ journal: await api.call('journal.edit', { journalId, edit }) });
        return true;
      } catch (error) {
        reportError(error);
        return false;
      }
    },
    replaceJournal: (journal) => set({ journal }),
    trust: async () => {
      try {
        const trusted = await api.call('journal.trust', { journalId });
        set({ journal: trusted.journal, trusted: trusted.trusted });
      } catch (error) {
        reportError(error);
      }
    },
    addAttachment: async (stepId, attachment) => {
      try {
        set({ journal: await api.call('attachment.add', { journalId, stepId, attachment }) });
        return true;
      } catch (error) {
        reportError(error);
        return false;
      }
    },
  });
}
