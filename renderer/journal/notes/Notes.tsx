import { useDeferredValue, useEffect, useId, useMemo, useRef, useState, type ClipboardEvent, type MouseEvent } from 'react';
import { MAX_NOTES_CHARS, type Step } from '../../../app/journal/schema';
import { useOpenLink } from '../../app/links';
import { useJournal, useJournalStore } from '../context';
import { renderMarkdown } from './markdown';
import { NotesConflictNotice } from './NotesConflictNotice';

const formatCount = (n: number) => n.toLocaleString('en-US');

/** Said instead of taking text past the limit: the notes keep what they had, nothing is half-saved. */
export function notesTooLong(length: number): string {
  return `Not added: the notes would be ${formatCount(length)} characters, over the limit of ${formatCount(MAX_NOTES_CHARS)}. ` +
    'Your notes are unchanged; attach long text to the step instead.';
}

/** Markdown notes of one step; saved as the user types (mount it keyed by step id). */
export function Notes({ step }: { step: Step }) {
  const store = useJournalStore();
  const setNotesDraft = useJournal((s) => s.setNotesDraft);
  const flushNotes = useJournal((s) => s.flushNotes);
  const [text, setText] = useState(step.notes);
  const editing = useRef(false);
  const textareaId = useId();
  const [refused, setRefused] = useState<string | null>(null);

  // A reload or a closed tab right after typing: send the draft now, not after the save pause.
  useEffect(() => {
    const flush = () => void flushNotes();
    const flushIfHidden = () => document.visibilityState === 'hidden' && flush();
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', flushIfHidden);
    return () => {
      window.removeEventListener('pagehide', flush);
      document.removeEventListener('visibilitychange', flushIfHidden);
    };
  }, [flushNotes]);

  // Refused before the browser inserts it: a megabyte in a textarea stalls the page, and the save would fail anyway.
  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const area = event.currentTarget;
    const length = area.value.length - (area.selectionEnd - area.selectionStart) + event.clipboardData.getData('text/plain').length;
    if (length <= MAX_NOTES_CHARS) return;
    event.preventDefault();
    setRefused(notesTooLong(length));
  };

  // Notes changed elsewhere (another tab, an undo) show up unless the user is typing here; what is shown is
  // what the next save is written over, so a save over notes another tab changed meanwhile is refused, not lost.
  const conflict = useJournal((s) => (s.notesConflict?.stepId === step.id ? s.notesConflict : null));
  const conflictShown = useRef<typeof conflict>(null);
  useEffect(() => {
    // A refused save shows the saved text once, even while the user is in the notes; typing after that is theirs.
    const newConflict = conflict !== null && conflict !== conflictShown.current;
    conflictShown.current = conflict;
    if (newConflict || (!editing.current && !store.getState().hasPendingNotes(step.id))) {
      setText(step.notes);
      store.getState().notesShown(step.id, step.notes);
    }
  }, [store, step.id, step.notes, conflict]);

  return (
    <section className="notes">
      <label htmlFor={textareaId} className="section-label">
        Notes
      </label>
      {conflict && (
        <NotesConflictNotice
          mine={conflict.mine}
          reapply={() => {
            setText(conflict.mine);
            setNotesDraft(step.id, conflict.mine);
          }}
        />
      )}
      {refused && (
        <p role="alert" id={`${textareaId}-refused`} className="alert error">
          {refused}
        </p>
      )}
      <div className="notes-panes">
        <textarea
          id={textareaId}
          value={text}
          placeholder="Markdown: what to do, what you found…"
          aria-describedby={refused ? `${textareaId}-refused` : undefined}
          onPaste={onPaste}
          onChange={(e) => {
            // Typing or a drop past the limit: the old text stays (this is a controlled textarea).
            if (e.target.value.length > MAX_NOTES_CHARS) return setRefused(notesTooLong(e.target.value.length));
            setRefused(null);
            setText(e.target.value);
            setNotesDraft(step.id, e.target.value);
          }}
          onFocus={() => (editing.current = true)}
          onBlur={() => {
            editing.current = false;
            void flushNotes();
          }}
        />
        <NotesPreview markdown={text} />
      </div>
    </section>
  );
}

function NotesPreview({ markdown }: { markdown: string }) {
  const openLink = useOpenLink();
  // Rendering a long note on every keystroke would make typing lag.
  const deferred = useDeferredValue(markdown);
  const html = useMemo(() => renderMarkdown(deferred), [deferred]);

  const onLinkClick = (event: MouseEvent) => {
    const link = (event.target as Element).closest('a');
    if (!link) return;
    // The app's page never navigates: a link opens outside it (renderMarkdown made only allowed ones links).
    event.preventDefault();
    openLink(link.getAttribute('href') ?? '');
  };

  return (
    <div
      role="region"
      aria-label="Notes preview"
      className="markdown"
      onClick={onLinkClick}
      onAuxClick={onLinkClick}
      dangerouslySetInnerHTML={{ __html: html || '<p class="muted">Nothing written yet.</p>' }}
    />
  );
}
