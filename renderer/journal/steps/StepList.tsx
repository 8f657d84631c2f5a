import { memo, useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import type { Step } from '../../../app/journal/schema';
import { showInvisibles } from '../../../app/text/invisibles';
import { useCommands } from '../../app/commands';
import { useJournal, useJournalActions } from '../context';
import { STATUS_MARK } from '../format';
import { VisibleText } from '../VisibleText';
import { StepTitleInput } from './StepTitleInput';

const DRAG_TYPE = 'application/x-steerway-step';
/** Steps put in the page with the list; the rest follow this many at a time, a task each, so a long journal shows at once. */
export const FIRST_STEP_ITEMS = 200;
const MORE_STEP_ITEMS = 500;

/** Where a dragged step would land: the target's place, shown above or below it by drag direction. */
interface DropTarget {
  stepId: string;
  edge: 'before' | 'after';
}

/** What every item shares; made once per list, so an item re-renders only when its own step or place changes. */
interface ListControls {
  register(stepId: string, element: HTMLLIElement | null): void;
  keyDown(event: KeyboardEvent<HTMLLIElement>, step: Step, index: number): void;
  dragStart(event: DragEvent, step: Step): void;
  dragOver(event: DragEvent, step: Step, index: number): void;
  dragLeave(): void;
  drop(event: DragEvent, step: Step, index: number): void;
  dragEnd(): void;
  select(stepId: string): void;
  rename(stepId: string): void;
}

export const ADD_STEP_KEYS = ['Alt+N'];

/**
 * The steps, every one in the DOM (search, focus and screen readers see them all). A journal of 5,000
 * steps stays quick: the first FIRST_STEP_ITEMS show with the journal and the others follow in slices
 * while the page stays responsive; items are memoized, so an edit re-renders the steps it changed; and
 * the browser skips laying out items scrolled out of view (`content-visibility` on `.step-item`).
 */
export function StepList() {
  const steps = useJournal((s) => s.journal.steps);
  const currentStepId = useJournal((s) => s.selectedStepId);
  const renamingStepId = useJournal((s) => s.renamingStepId);
  const { addStepAfterCurrent, moveStep, selectStep, startRename } = useJournalActions();
  const [dropTarget, setDropTarget] = useState<DropTarget | null>(null);
  const [mounted, setMounted] = useState(FIRST_STEP_ITEMS);
  useEffect(() => {
    if (mounted >= steps.length) return;
    const next = setTimeout(() => setMounted((count) => count + MORE_STEP_ITEMS));
    return () => clearTimeout(next);
  }, [mounted, steps.length]);
  // The controls read the latest steps through this, so they never change identity.
  const latestSteps = useRef(steps);
  latestSteps.current = steps;

  const controls = useMemo((): ListControls => {
    const items = new Map<string, HTMLLIElement>();
    let draggedStepId: string | null = null;
    const dropTargetFor = (event: DragEvent, step: Step, index: number): DropTarget | null => {
      if (!draggedStepId || draggedStepId === step.id) return null;
      const from = latestSteps.current.findIndex((s) => s.id === draggedStepId);
      event.preventDefault();
      event.dataTransfer.dropEffect = 'move';
      return { stepId: step.id, edge: from < index ? 'after' : 'before' };
    };
    const sameTarget = (a: DropTarget | null, b: DropTarget | null) => a?.stepId === b?.stepId && a?.edge === b?.edge;
    const showDropTarget = (target: DropTarget | null) => setDropTarget((shown) => (sameTarget(shown, target) ? shown : target));
    return {
      register: (stepId, element) => {
        if (element) items.set(stepId, element);
        else items.delete(stepId);
      },
      keyDown: (event, step, index) => {
        if (event.target !== event.currentTarget) return;
        if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
          event.preventDefault();
          void moveStep(step.id, index + (event.key === 'ArrowUp' ? -1 : 1));
        } else if (event.key === 'ArrowUp' || event.key === 'ArrowDown') {
          event.preventDefault();
          const neighbour = latestSteps.current[index + (event.key === 'ArrowUp' ? -1 : 1)];
          if (neighbour) items.get(neighbour.id)?.focus();
        } else if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          void selectStep(step.id);
        } else if (event.key === 'F2') {
          event.preventDefault();
          startRename(step.id);
        }
      },
      dragStart: (event, step) => {
        draggedStepId = step.id;
        event.dataTransfer.setData(DRAG_TYPE, step.id);
        event.dataTransfer.effectAllowed = 'move';
      },
      dragOver: (event, step, index) => showDropTarget(dropTargetFor(event, step, index)),
      dragLeave: () => showDropTarget(null),
      drop: (event, step, index) => {
        event.preventDefault();
        const dragged = draggedStepId;
        showDropTarget(null);
        // The dragged step takes the target's place: below it when moving down, above it when moving up.
        if (dragged && dragged !== step.id) void moveStep(dragged, index);
      },
      dragEnd: () => {
        draggedStepId = null;
        showDropTarget(null);
      },
      select: (stepId) => void selectStep(stepId),
      rename: (stepId) => startRename(stepId),
    };
  }, [moveStep, selectStep, startRename]);

  useCommands([
    { id: 'journal.addStep', title: 'Add a step', keys: ADD_STEP_KEYS, run: () => void addStepAfterCurrent() },
    {
      id: 'journal.renameStep',
      title: 'Rename the current step (F2 in the step list)',
      run: () => {
        if (currentStepId) startRename(currentStepId);
      },
    },
  ]);

  return (
    <div className="sidebar">
      <h2 className="panel-title">Steps</h2>
      <ul aria-label="Steps" className="step-list">
        {(mounted < steps.length ? steps.slice(0, mounted) : steps).map((step, index) => (
          <StepItem
            key={step.id}
            step={step}
            index={index}
            current={step.id === currentStepId}
            renaming={step.id === renamingStepId}
            drop={dropTarget?.stepId === step.id ? dropTarget.edge : null}
            controls={controls}
          />
        ))}
      </ul>
      {steps.length === 0 && <p className="muted sidebar-empty">No steps yet.</p>}
      <button type="button" className="add-step" title={`Add step (${ADD_STEP_KEYS.join(', ')})`} onClick={() => void addStepAfterCurrent()}>
        Add step
      </button>
    </div>
  );
}

interface StepItemProps {
  step: Step;
  index: number;
  current: boolean;
  renaming: boolean;
  drop: DropTarget['edge'] | null;
  controls: ListControls;
}

const StepItem = memo(function StepItem({ step, index, current, renaming, drop, controls }: StepItemProps) {
  const element = useRef<HTMLLIElement | null>(null);
  return (
    <li
      ref={(li) => {
        element.current = li;
        controls.register(step.id, li);
      }}
      aria-label={showInvisibles(step.title)}
      aria-current={current ? 'step' : undefined}
      tabIndex={0}
      draggable={!renaming}
      data-status={step.status}
      className={['step-item', current && 'current', drop && `drop-${drop}`].filter(Boolean).join(' ')}
      onClick={() => controls.select(step.id)}
      onDoubleClick={(event) => {
        // Not from the rename field itself (a double-click there selects a word).
        if (!renaming && event.target !== event.currentTarget.querySelector('input')) controls.rename(step.id);
      }}
      onKeyDown={(event) => controls.keyDown(event, step, index)}
      onDragStart={(event) => controls.dragStart(event, step)}
      onDragOver={(event) => controls.dragOver(event, step, index)}
      onDragLeave={controls.dragLeave}
      onDrop={(event) => controls.drop(event, step, index)}
      onDragEnd={controls.dragEnd}
    >
      <span className={`status-mark status-${step.status}`} title={`Status: ${step.status}`} aria-hidden="true">
        {STATUS_MARK[step.status]}
      </span>
      <span className="step-number" aria-hidden="true">
        {index + 1}
      </span>
      {renaming ? (
        <StepTitleInput step={step} onDone={() => element.current?.focus()} />
      ) : (
        <span className="step-title">{step.title ? <VisibleText text={step.title} /> : 'Untitled step'}</span>
      )}
    </li>
  );
});
