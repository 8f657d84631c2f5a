import { AttachmentsPanel } from './attachments/AttachmentsPanel';
import { StepView } from './StepView';
import { StepList } from './steps/StepList';
import { TrustBanner } from './TrustBanner';

/** The open journal: steps on the left, the current step in the centre, its attachments on the right. */
export function JournalView() {
  return (
    <>
      <TrustBanner />
      <div className="workbench">
        <StepList />
        <StepView />
        <AttachmentsPanel />
      </div>
    </>
  );
}
