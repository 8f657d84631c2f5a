import { useEffect, useId, useRef } from 'react';
import type { CallOutput } from '../../../app/ipc/contract';
import { KIND_LABEL } from '../format';

/** An attachment's content, read-only, over the app; Escape or Close leaves. */
export function AttachmentDialog({ content, onClose }: { content: CallOutput<'attachment.read'>; onClose: () => void }) {
  const titleId = useId();
  const closeButton = useRef<HTMLButtonElement>(null);

  useEffect(() => closeButton.current?.focus(), []);

  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        className="dialog"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <header className="dialog-head">
          <h2 id={titleId}>{content.title}</h2>
          <span className="kind">{KIND_LABEL[content.kind]}</span>
          <button ref={closeButton} type="button" onClick={onClose}>
            Close
          </button>
        </header>
        <pre className="dialog-body" tabIndex={0}>{content.text}</pre>
        {content.truncated && <p className="muted">Only the beginning is shown.</p>}
      </div>
    </div>
  );
}
