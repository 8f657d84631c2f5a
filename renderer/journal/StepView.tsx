import { useId, useState } from 'react';
import { StepStatus, type Step } from '../../app/journal/schema';
import { useApp } from '../app/context';
import { CellList } from './cells/CellList';
import { Composer } from './cells/Composer';
import { useJournal } from './context';
import { Notes } from './notes/Notes';
import { VisibleText } from './VisibleText';

/** This tab's selected step: its title and controls, notes, command cells and the command box. */
export function StepView() {
  const step = useJournal((s) => s.journal.steps.find((candidate) => candidate.id === s.selectedStepId));
  if (!step) {
    return (
      <main className="step-view empty">
        <p className="muted">Add a step to start: each step holds notes, commands and their output.</p>
      </main>
    );
  }
  return (
    <main className="step-view">
      <div className="step-scroll">
        <StepHeader step={step} />
        <Notes key={step.id} step={step} />
        <CellList step={step} />
      </div>
      <Composer key={step.id} />
    </main>
  );
}

const STOP_AND_DELETE = 'Stop the running command and delete?';
const COMMAND_DID_NOT_STOP = 'The running command did not stop after Interrupt, so the step was kept. Interrupt it again, or wait for it to end.';

function StepHeader({ step }: { step: Step }) {
  const index = useJournal((s) => s.journal.steps.findIndex((candidate) => candidate.id === step.id));
  const stepCount = useJournal((s) => s.journal.steps.length);
  const edit = useJournal((s) => s.edit);
  const startRename = useJournal((s) => s.startRename);
  const moveStep = useJournal((s) => s.moveStep);
  const deleteStep = useJournal((s) => s.deleteStep);
  const stopCommandIn = useJournal((s) => s.stopCommandIn);
  const reportError = useApp((s) => s.reportError);
  const runsHere = useJournal((s) => s.runningCellId !== null && step.cells.some((cell) => cell.id === s.runningCellId));
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const statusId = useId();
  const confirmId = useId();

  // No command keeps running out of sight: a step with a running command is deleted only after it stopped.
  const stopAndDelete = async () => {
    setConfirmingDelete(false);
    if (await stopCommandIn(step.id)) await deleteStep(step.id);
    else reportError(new Error(COMMAND_DID_NOT_STOP));
  };

  return (
    <header className="step-header">
      <div className="step-heading">
        <span className="step-position">
          Step {index + 1} of {stepCount}
        </span>
        <h1>{step.title ? <VisibleText text={step.title} /> : 'Untitled step'}</h1>
      </div>
      <div className="step-controls">
        <label htmlFor={statusId}>Status</label>
        <select
          id={statusId}
          value={step.status}
          data-status={step.status}
          onChange={(e) => void edit({ type: 'setStepStatus', stepId: step.id, status: StepStatus.parse(e.target.value) })}
        >
          {StepStatus.options.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => startRename(step.id)}>
          Rename step
        </button>
        <button type="button" aria-label="Move step up" title="Move step up" disabled={index === 0} onClick={() => void moveStep(step.id, index - 1)}>
          ↑
        </button>
        <button
          type="button"
          aria-label="Move step down"
          title="Move step down"
          disabled={index === stepCount - 1}
          onClick={() => void moveStep(step.id, index + 1)}
        >
          ↓
        </button>
        <button type="button" className="danger" onClick={() => (runsHere ? setConfirmingDelete(true) : void deleteStep(step.id))}>
          Delete step
        </button>
      </div>
      {confirmingDelete && (
        <div role="alertdialog" aria-labelledby={confirmId} className="alert confirm-delete">
          <span id={confirmId}>{STOP_AND_DELETE}</span>
          <button type="button" className="danger" autoFocus onClick={() => void stopAndDelete()}>
            Stop and delete
          </button>
          <button type="button" onClick={() => setConfirmingDelete(false)}>
            Cancel
          </button>
        </div>
      )}
    </header>
  );
}
