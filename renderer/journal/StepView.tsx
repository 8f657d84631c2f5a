import { useId } from 'react';
import { StepStatus, type Step } from '../../app/journal/schema';
import { CellList } from './cells/CellList';
import { Composer } from './cells/Composer';
import { useJournal } from './context';
import { Notes } from './notes/Notes';
import { VisibleText } from './VisibleText';

/** The current step: its title and controls, notes, command cells and the command box. */
export function StepView() {
  const step = useJournal((s) => s.journal.steps.find((candidate) => candidate.id === s.journal.currentStepId));
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

function StepHeader({ step }: { step: Step }) {
  const index = useJournal((s) => s.journal.steps.findIndex((candidate) => candidate.id === step.id));
  const stepCount = useJournal((s) => s.journal.steps.length);
  const edit = useJournal((s) => s.edit);
  const startRename = useJournal((s) => s.startRename);
  const moveStep = useJournal((s) => s.moveStep);
  const deleteStep = useJournal((s) => s.deleteStep);
  const statusId = useId();

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
        <button type="button" className="danger" onClick={() => void deleteStep(step.id)}>
          Delete step
        </button>
      </div>
    </header>
  );
}
