import type { Attachment, Step } from '../../../app/journal/schema';
import { showInvisibles } from '../../../app/text/invisibles';
import { useJournal } from '../context';
import { KIND_LABEL } from '../format';
import { VisibleText } from '../VisibleText';

interface EarlierAttachment {
  attachment: Attachment;
  /** 1-based, as the step list numbers steps. */
  stepNumber: number;
}

/**
 * Attachments of earlier steps that this step keeps in its context (the `pinAttachment` edit): the pinned
 * ones with **Unpin**, and under "Pin from earlier steps" the others, each with **Pin**.
 */
export function PinnedAttachments({ step }: { step: Step }) {
  const steps = useJournal((s) => s.journal.steps);
  const edit = useJournal((s) => s.edit);
  const index = steps.findIndex((s) => s.id === step.id);
  const earlier: EarlierAttachment[] = steps
    .slice(0, Math.max(0, index))
    .flatMap((s, i) => s.attachments.map((attachment) => ({ attachment, stepNumber: i + 1 })));
  const pinned = new Set(step.pinnedAttachmentIds);
  const shownPinned = earlier.filter((e) => pinned.has(e.attachment.id));
  const pinnable = earlier.filter((e) => !pinned.has(e.attachment.id));
  if (earlier.length === 0) return null;

  return (
    <div className="pinned-attachments">
      {shownPinned.length > 0 && (
        <>
          <h3 className="panel-subtitle">Pinned from earlier steps</h3>
          <ul aria-label="Pinned attachments" className="attachment-list">
            {shownPinned.map((e) => (
              <EarlierItem key={e.attachment.id} entry={e} action="Unpin" onAction={() => void edit({ type: 'unpinAttachment', stepId: step.id, attachmentId: e.attachment.id })} />
            ))}
          </ul>
        </>
      )}
      {pinnable.length > 0 && (
        <details className="pin-from-earlier">
          <summary>Pin from earlier steps ({pinnable.length})</summary>
          <ul aria-label="Earlier steps' attachments" className="attachment-list">
            {pinnable.map((e) => (
              <EarlierItem key={e.attachment.id} entry={e} action="Pin" onAction={() => void edit({ type: 'pinAttachment', stepId: step.id, attachmentId: e.attachment.id })} />
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function EarlierItem({ entry, action, onAction }: { entry: EarlierAttachment; action: 'Pin' | 'Unpin'; onAction: () => void }) {
  const { attachment, stepNumber } = entry;
  return (
    // Named by title, not aria-label, as the step's own attachments are.
    <li title={showInvisibles(attachment.title)} className="attachment">
      <div className="attachment-title">
        <VisibleText text={attachment.title} />
      </div>
      <div className="attachment-meta">
        <span className={`kind kind-${attachment.kind}`}>{KIND_LABEL[attachment.kind]}</span>
        <span>from step {stepNumber}</span>
      </div>
      <div className="attachment-actions">
        <button type="button" onClick={onAction}>
          {action}
        </button>
      </div>
    </li>
  );
}
