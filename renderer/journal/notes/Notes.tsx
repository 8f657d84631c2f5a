import { useDeferredValue, useEffect, useId, useMemo, useRef, useState, type MouseEvent } from 'react';
import type { Step } from '../../../app/journal/schema';
import { useReportingCall } from '../../app/context';
import { useJournal, useJournalStore } from '../context';
import { externalUrl, renderMarkdown } from './markdown';

/** Markdown notes of one step; saved as the user types (mount it keyed by step id). */
export function Notes({ step }: { step: Step }) {
  const store = useJournalStore();
  const setNotesDraft = useJournal((s) => s.setNotesDraft);
  const flushNotes = useJournal((s) => s.flushNotes);
  const [text, setText] = useState(step.notes);
  const editing = useRef(false);
  const textareaId = useId();

  // Notes changed elsewhere (another window, an undo) show up unless the user is typing here.
  useEffect(() => {
    if (!editing.current && !store.getState().hasPendingNotes(step.id)) setText(step.notes);
  }, [store, step.id, step.notes]);

  return (
    <section className="notes">
      <label htmlFor={textareaId} className="section-label">
        Notes
      </label>
      <div className="notes-panes">
        <textarea
          id={textareaId}
          value={text}
          placeholder="Markdown: what to do, what you found…"
          onChange={(e) => {
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
  const call = useReportingCall();
  // Rendering a long note on every keystroke would make typing lag.
  const deferred = useDeferredValue(markdown);
  const html = useMemo(() => renderMarkdown(deferred), [deferred]);

  const openLink = (event: MouseEvent) => {
    const link = (event.target as Element).closest('a');
    if (!link) return;
    // The app window never navigates: links open in the system browser, and only http(s) ones.
    event.preventDefault();
    const url = externalUrl(link.getAttribute('href'));
    if (url) void call('shell.openExternal', { url });
  };

  return (
    <div
      role="region"
      aria-label="Notes preview"
      className="markdown"
      onClick={openLink}
      onAuxClick={openLink}
      dangerouslySetInnerHTML={{ __html: html || '<p class="muted">Nothing written yet.</p>' }}
    />
  );
}
