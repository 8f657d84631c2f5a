import { useId, useState, type FormEvent } from 'react';
import { showInvisibles } from '../../app/text/invisibles';
import { useApp } from './context';

export function JournalPicker() {
  const journals = useApp((s) => s.workspace?.journals ?? NO_JOURNALS);
  const selectedJournalId = useApp((s) => s.selectedJournalId);
  const selectJournal = useApp((s) => s.selectJournal);
  const creating = useApp((s) => s.creatingJournal);
  const setCreating = useApp((s) => s.setCreatingJournal);
  const selectId = useId();

  if (journals.length === 0) return null;
  return (
    <div className="journal-picker">
      <label htmlFor={selectId}>Journal</label>
      <select id={selectId} value={selectedJournalId ?? ''} onChange={(e) => void selectJournal(e.target.value)}>
        {selectedJournalId === null && <option value="" disabled />}
        {journals.map((journal) => (
          <option key={journal.id} value={journal.id}>
            {showInvisibles(journal.title)}
          </option>
        ))}
      </select>
      {creating ? (
        <CreateJournalForm onCancel={() => setCreating(false)} />
      ) : (
        <button type="button" onClick={() => setCreating(true)}>
          New journal
        </button>
      )}
    </div>
  );
}

const NO_JOURNALS: never[] = [];

/** Journals whose files cannot be opened, named with their problem, so a damaged file is never silently skipped. */
export function UnavailableJournals() {
  const journals = useApp((s) => s.workspace?.journals ?? NO_JOURNALS);
  const selectedJournalId = useApp((s) => s.selectedJournalId);
  // The selected one has its own message in the main area.
  const unavailable = journals.filter((journal) => journal.problem && journal.id !== selectedJournalId);
  if (unavailable.length === 0) return null;
  return (
    <ul className="unavailable-journals">
      {unavailable.map((journal) => (
        <li key={journal.id}>
          Journal “{journal.title}” cannot be opened. {journal.problem}
        </li>
      ))}
    </ul>
  );
}

export function CreateJournalForm({ onCancel }: { onCancel?: () => void }) {
  const createJournal = useApp((s) => s.createJournal);
  const [title, setTitle] = useState('');
  const inputId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (title.trim()) void createJournal(title.trim());
  };

  return (
    <form className="inline-form" onSubmit={submit}>
      <label htmlFor={inputId}>Journal title</label>
      <input
        id={inputId}
        value={title}
        autoFocus
        placeholder="What is this task?"
        onChange={(e) => setTitle(e.target.value)}
        onKeyDown={(e) => e.key === 'Escape' && onCancel?.()}
      />
      <button type="submit" className="primary">
        Create
      </button>
      {onCancel && (
        <button type="button" className="quiet" onClick={onCancel}>
          Cancel
        </button>
      )}
    </form>
  );
}
