import { useId } from 'react';
import { NOTES_CHANGED_ELSEWHERE } from '../../../app/journal/edits';
import { useApp } from '../../app/context';
import { useJournal } from '../context';

/** Said when this tab's notes save lost to another tab's: the saved text is shown, and this tab's text is kept here. */
export function NotesConflictNotice({ mine, reapply }: { mine: string; reapply: () => void }) {
  const dismiss = useJournal((s) => s.dismissNotesConflict);
  const showNotice = useApp((s) => s.showNotice);
  const reportError = useApp((s) => s.reportError);
  const id = useId();

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(mine);
      showNotice('Copied your text');
    } catch (error) {
      reportError(error);
    }
  };

  return (
    <div role="alert" aria-labelledby={`${id}-message`} className="alert notes-conflict">
      <p id={`${id}-message`}>{NOTES_CHANGED_ELSEWHERE}: showing the saved text; your text is below.</p>
      <textarea readOnly aria-label="Your text" value={mine} rows={Math.min(6, mine.split('\n').length + 1)} />
      <div className="notes-conflict-actions">
        <button type="button" onClick={() => void copy()}>
          Copy your text
        </button>
        <button
          type="button"
          onClick={() => {
            reapply();
            dismiss();
          }}
        >
          Use your text
        </button>
        <button type="button" className="quiet" onClick={dismiss}>
          Dismiss
        </button>
      </div>
    </div>
  );
}
