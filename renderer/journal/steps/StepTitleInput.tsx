import { useEffect, useRef, useState } from 'react';
import type { Step } from '../../../app/journal/schema';
import { useJournal } from '../context';

/** Inline rename: Enter or leaving the field saves, Escape cancels. */
export function StepTitleInput({ step, onDone }: { step: Step; onDone: () => void }) {
  const finishRename = useJournal((s) => s.finishRename);
  const [title, setTitle] = useState(step.title);
  const input = useRef<HTMLInputElement>(null);
  // Enter saves and then moves focus away, which blurs: save once.
  const finished = useRef(false);

  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);

  const finish = (newTitle: string | null) => {
    if (finished.current) return;
    finished.current = true;
    void finishRename(step.id, newTitle);
  };

  return (
    <input
      ref={input}
      className="step-title-input"
      aria-label="Step title"
      value={title}
      maxLength={500}
      onChange={(e) => setTitle(e.target.value)}
      onClick={(e) => e.stopPropagation()}
      onBlur={() => finish(title)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          finish(title);
          onDone();
        } else if (e.key === 'Escape') {
          e.preventDefault();
          finish(null);
          onDone();
        }
      }}
    />
  );
}
