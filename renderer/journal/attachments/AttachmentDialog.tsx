import type { CallOutput } from '../../../app/ipc/contract';
import { Dialog } from '../../app/Dialog';
import { KIND_LABEL } from '../format';

/** An attachment's content, read-only, over the app; Escape or Close leaves. */
export function AttachmentDialog({ content, onClose }: { content: CallOutput<'attachment.read'>; onClose: () => void }) {
  return (
    <Dialog title={content.title} headerExtra={<span className="kind">{KIND_LABEL[content.kind]}</span>} onClose={onClose}>
      <pre className="dialog-body" tabIndex={0}>{content.text}</pre>
      {content.truncated && <p className="muted">Only the beginning is shown.</p>}
    </Dialog>
  );
}
