import { useRef, useState } from 'react';
import type { CallOutput } from '../../../app/ipc/contract';
import type { Attachment } from '../../../app/journal/schema';
import { loadsBeforeTrust, NOT_LOADED_UNTIL_TRUSTED } from '../../../app/journal/trust';
import { showInvisibles } from '../../../app/text/invisibles';
import { useReportingCall } from '../../app/context';
import { useOpenLink } from '../../app/links';
import { useJournal } from '../context';
import { formatBytes, KIND_LABEL } from '../format';
import { VisibleText } from '../VisibleText';
import { AttachForm } from './AttachForm';
import { AttachmentDialog } from './AttachmentDialog';
import { DocumentFit } from './DocumentFit';
import { PinnedAttachments } from './PinnedAttachments';

/** Documents attached to the current step. */
export function AttachmentsPanel() {
  const step = useJournal((s) => s.journal.steps.find((candidate) => candidate.id === s.selectedStepId));
  const journalId = useJournal((s) => s.journalId);
  const trusted = useJournal((s) => s.trusted);
  // Main refuses to read these too; the list says why they cannot be opened yet.
  const notLoaded = (attachment: Attachment) => !trusted && !loadsBeforeTrust(attachment.kind);
  const removeAttachment = useJournal((s) => s.removeAttachment);
  const call = useReportingCall();
  const openLink = useOpenLink();
  const [attaching, setAttaching] = useState(false);
  const [shown, setShown] = useState<CallOutput<'attachment.read'> | null>(null);
  const openedFrom = useRef<HTMLElement | null>(null);

  const open = async (attachment: Attachment, button: HTMLElement) => {
    if (attachment.kind === 'url') return openLink(attachment.source);
    const content = await call('attachment.read', { journalId, attachmentId: attachment.id });
    if (!content) return;
    openedFrom.current = button;
    setShown(content);
  };

  return (
    <aside aria-label="Attachments" className="attachments">
      <div className="panel-head">
        <h2 className="panel-title">Attachments</h2>
        {step && !attaching && (
          <button type="button" onClick={() => setAttaching(true)}>
            Attach
          </button>
        )}
      </div>
      {!step && <p className="muted">Select a step to see its documents.</p>}
      {step && attaching && <AttachForm key={step.id} stepId={step.id} onClose={() => setAttaching(false)} />}
      {step && step.attachments.length === 0 && !attaching && <p className="muted">Nothing attached to this step.</p>}
      {step && step.attachments.length > 0 && (
        <ul className="attachment-list">
          {step.attachments.map((attachment) => (
            // Named by title, not aria-label, so words in user-chosen titles never answer label lookups.
            <li key={attachment.id} title={showInvisibles(attachment.title)} className="attachment">
              <div className="attachment-title" title={showInvisibles(attachment.source || attachment.title)}>
                <VisibleText text={attachment.title} />
              </div>
              <div className="attachment-meta">
                <span className={`kind kind-${attachment.kind}`}>{KIND_LABEL[attachment.kind]}</span>
                {attachment.kind !== 'url' && <span>{formatBytes(attachment.sizeBytes)}</span>}
                {notLoaded(attachment) && <span className="not-loaded">{NOT_LOADED_UNTIL_TRUSTED}</span>}
                {/* A URL is fetched only for a suggestion, not to size its card. */}
                {attachment.kind !== 'url' && !notLoaded(attachment) && <DocumentFit journalId={journalId} attachmentId={attachment.id} />}
              </div>
              <div className="attachment-actions">
                <button type="button" disabled={notLoaded(attachment)} onClick={(e) => void open(attachment, e.currentTarget)}>
                  Open
                </button>
                <button type="button" onClick={() => void removeAttachment(attachment.id)}>
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {step && <PinnedAttachments step={step} />}
      {shown && (
        <AttachmentDialog
          content={shown}
          onClose={() => {
            setShown(null);
            openedFrom.current?.focus();
          }}
        />
      )}
    </aside>
  );
}
