import { useEffect, useId, useRef, type ReactNode } from 'react';

/**
 * A modal dialog over the app: labelled by its title, focus on Close when it opens, Escape, Close or a click
 * outside leaves.
 */
export function Dialog({ title, className, headerExtra, onClose, children }: {
  title: string;
  className?: string;
  /** Shown in the header between the title and Close. */
  headerExtra?: ReactNode;
  onClose: () => void;
  children: ReactNode;
}) {
  const titleId = useId();
  const closeButton = useRef<HTMLButtonElement>(null);

  useEffect(() => closeButton.current?.focus(), []);

  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        className={className ? `dialog ${className}` : 'dialog'}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <header className="dialog-head">
          <h2 id={titleId}>{title}</h2>
          {headerExtra}
          <button ref={closeButton} type="button" onClick={onClose}>
            Close
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}
