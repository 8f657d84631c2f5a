import { useCommands } from '../app/commands';
import { useApp, useReportingCall } from '../app/context';
import { useJournal } from './context';

export function ExportButton() {
  const journalId = useJournal((s) => s.journalId);
  const showNotice = useApp((s) => s.showNotice);
  const call = useReportingCall();

  const exportJournal = async () => {
    const exported = await call('journal.export', { journalId });
    if (exported) showNotice(`Exported to ${exported.path}`);
  };
  useCommands([{ id: 'journal.export', title: 'Export the journal as Markdown', run: () => void exportJournal() }]);

  return (
    <button type="button" onClick={() => void exportJournal()}>
      Export
    </button>
  );
}
