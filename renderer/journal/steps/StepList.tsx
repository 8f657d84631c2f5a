import { useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import type { Step } from '../../../app/journal/schema';
import { showInvisibles } from '../../../app/text/invisibles';
import { useJournal } from '../context';
import { STATUS_MARK } from '../format';
import { VisibleText } from '../VisibleText';
import { StepTitleInput } from './StepTitleInput';

const DRAG_TYPE = 'application/x-steerway-step';

/** Where a dragged step would land: the target's place, shown above or below it by drag direction. */
interface DropTarget {
  stepId: string;
  edge: 'before' | 'after';
}

export function StepList() {
  const steps = useJournal((s) => s.journal.steps);
  const currentStepId = useJournal((s) => s.journal.currentStepId);
  const renamingStepId = useJournal((s) => s.renamingStepId);
  const addStepAfterCurrent = useJournal((s) => s.addStepAfterCurrent);
  const moveStep = useJournal((s) => s.moveStep);
  const selectStep = useJournal((s) => s.selectStep);
  const startRename = useJournal((s) => s.startRename);
  const items = useRef(new Map<string, HTMLLIElement>());
  const draggedStepId = useRef<string | null>(null);
  const [dropTarget, setDropTarget] = useState<DropTarget | null>(null);

  const onItemKeyDown = (event: KeyboardEvent<HTMLLIElement>, step: Step, index: number) => {
    if (event.target !== event.currentTarget) return;
    if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
      event.preventDefault();
      void moveStep(step.id, index + (event.key === 'ArrowUp' ? -1 : 1));
    } else if (event.key === 'ArrowUp' || event.key === 'ArrowDown') {
      event.preventDefault();
      const neighbour = steps[index + (event.key === 'ArrowUp' ? -1 : 1)];
      if (neighbour) items.current.get(neighbour.id)?.focus();
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      void selectStep(step.id);
    } else if (event.key === 'F2') {
      event.preventDefault();
      startRename(step.id);
    }
  };

  const dropTargetFor = (event: DragEvent, step: Step): DropTarget | null => {
    const dragged = draggedStepId.current;
    if (!dragged || dragged === step.id) return null;
    const from = steps.findIndex((s) => s.id === dragged);
    const to = steps.findIndex((s) => s.id === step.id);
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    return { stepId: step.id, edge: from < to ? 'after' : 'before' };
  };

  return (
    <div className="sidebar">
      <h2 className="panel-title">Steps</h2>
      <ul aria-label="Steps" className="step-list">
        {steps.map((step, index) => {
          const current = step.id === currentStepId;
          const renaming = step.id === renamingStepId;
          const drop = dropTarget?.stepId === step.id ? dropTarget.edge : null;
          return (
            <li
              key={step.id}
              ref={(element) => {
                if (element) items.current.set(step.id, element);
                else items.current.delete(step.id);
              }}
              aria-label={showInvisibles(step.title)}
              aria-current={current ? 'step' : undefined}
              tabIndex={0}
              draggable={!renaming}
              data-status={step.status}
              className={['step-item', current && 'current', drop && `drop-${drop}`].filter(Boolean).join(' ')}
              onClick={() => void selectStep(step.id)}
              onKeyDown={(event) => onItemKeyDown(event, step, index)}
              onDragStart={(event) => {
                draggedStepId.current = step.id;
                event.dataTransfer.setData(DRAG_TYPE, step.id);
                event.dataTransfer.effectAllowed = 'move';
              }}
              onDragOver={(event) => setDropTarget(dropTargetFor(event, step))}
              onDragLeave={() => setDropTarget(null)}
              onDrop={(event) => {
                event.preventDefault();
                const dragged = draggedStepId.current;
                setDropTarget(null);
                // The dragged step takes the target's place: below it when moving down, above it when moving up.
                if (dragged && dragged !== step.id) void moveStep(dragged, index);
              }}
              onDragEnd={() => {
                draggedStepId.current = null;
                setDropTarget(null);
              }}
            >
              <span className={`status-mark status-${step.status}`} title={`Status: ${step.status}`} aria-hidden="true">
                {STATUS_MARK[step.status]}
              </span>
              <span className="step-number" aria-hidden="true">
                {index + 1}
              </span>
              {renaming ? (
                <StepTitleInput step={step} onDone={() => items.current.get(step.id)?.focus()} />
              ) : (
                <span className="step-title">{step.title ? <VisibleText text={step.title} /> : 'Untitled step'}</span>
              )}
            </li>
          );
        })}
      </ul>
      {steps.length === 0 && <p className="muted sidebar-empty">No steps yet.</p>}
      <button type="button" className="add-step" onClick={() => void addStepAfterCurrent()}>
        Add step
      </button>
    </div>
  );
}
