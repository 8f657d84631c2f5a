import { useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { highlightRuns } from '../../app/text/fuzzy';

export interface PickerDialogProps<T> {
  /** The dialog's accessible name, e.g. "Quick open". */
  label: string;
  className: string;
  inputLabel: string;
  placeholder: string;
  listLabel: string;
  query: string;
  onQuery(query: string): void;
  items: readonly T[];
  keyOf(item: T): string;
  /** The option's whole text for screen readers (its marked letters are separate elements). */
  optionLabel(item: T): string;
  renderItem(item: T): ReactNode;
  onChoose(item: T): void;
  onClose(): void;
  /** Shown when nothing matches. */
  empty: string;
  problem?: string | null;
}

/**
 * The list dialogs of the page (quick open, the command palette): a combobox over a listbox, ↑/↓ wrap, Enter chooses,
 * Esc or a click outside closes, focus goes back where it was.
 */
export function PickerDialog<T>(props: PickerDialogProps<T>) {
  const { items, onChoose, onClose } = props;
  const [selected, setSelected] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  const current = Math.min(selected, Math.max(0, items.length - 1));

  useLayoutEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    input.current?.focus();
    return () => previous?.focus();
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (step !== undefined && items.length) {
      event.preventDefault();
      setSelected((current + step + items.length) % items.length);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const item = items[current];
      if (item !== undefined) onChoose(item);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    }
  };

  const optionId = (index: number) => `${listId}-${index}`;
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div role="dialog" aria-modal="true" aria-label={props.label} className={`dialog ${props.className}`} onKeyDown={onKeyDown}>
        <input
          ref={input}
          role="combobox"
          aria-label={props.inputLabel}
          aria-expanded={items.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={items.length ? optionId(current) : undefined}
          placeholder={props.placeholder}
          value={props.query}
          onChange={(e) => {
            props.onQuery(e.target.value);
            setSelected(0);
          }}
        />
        {props.problem && <p className="problem">{props.problem}</p>}
        <ul role="listbox" id={listId} aria-label={props.listLabel} className="quick-open-list">
          {items.map((item, index) => (
            <li
              key={props.keyOf(item)}
              id={optionId(index)}
              role="option"
              aria-label={props.optionLabel(item)}
              aria-selected={index === current}
              className={index === current ? 'selected' : undefined}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => onChoose(item)}
            >
              {props.renderItem(item)}
            </li>
          ))}
        </ul>
        {!props.problem && items.length === 0 && <p className="muted">{props.empty}</p>}
      </div>
    </div>
  );
}

/** `text` with the letters at `positions` marked (a fuzzy match). */
export function MarkedText({ text, positions }: { text: string; positions: readonly number[] }) {
  return (
    <>
      {highlightRuns(text, positions).map((run, index) => (
        <span key={index} className={run.matched ? 'fuzzy-match' : undefined}>
          {run.text}
        </span>
      ))}
    </>
  );
}
