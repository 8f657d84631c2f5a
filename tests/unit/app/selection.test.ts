import { describe, expect, it } from 'vitest';
import { applyEdit } from '../../../app/journal/edits';
import { createJournal, newStep, type Journal } from '../../../app/journal/schema';
import { initialSelection, keepSelection } from '../../../app/journal/selection';

function three(): Journal {
  return { ...createJournal('j', 'J', new Date('2026-01-01T00:00:00Z')), currentStepId: 's1', steps: ['s1', 's2', 's3'].map((id) => newStep(id, id)) };
}

describe('a tab keeps its own selected step', () => {
  it('stays on its step when another tab adds, selects or changes steps', () => {
    const before = three();
    const added = applyEdit(before, { type: 'addStep', stepId: 's4', title: 'Added in tab two' });
    const selected = applyEdit(added, { type: 'setCurrentStep', stepId: 's4' });
    expect(keepSelection(before, added, 's2')).toBe('s2');
    expect(keepSelection(added, selected, 's2')).toBe('s2');
    expect(keepSelection(selected, applyEdit(selected, { type: 'moveStep', stepId: 's2', toIndex: 0 }), 's2')).toBe('s2');
  });

  it('moves to the step now at its place when its step is deleted, or the one before at the end', () => {
    const before = three();
    expect(keepSelection(before, applyEdit(before, { type: 'deleteStep', stepId: 's2' }), 's2')).toBe('s3');
    expect(keepSelection(before, applyEdit(before, { type: 'deleteStep', stepId: 's3' }), 's3')).toBe('s2');
    const one = applyEdit(applyEdit(before, { type: 'deleteStep', stepId: 's2' }), { type: 'deleteStep', stepId: 's3' });
    expect(keepSelection(one, applyEdit(one, { type: 'deleteStep', stepId: 's1' }), 's1')).toBeNull();
  });

  it('starts a tab on the step selected last, else the first; an empty journal selects its first new step', () => {
    expect(initialSelection({ ...three(), currentStepId: 's3' })).toBe('s3');
    expect(initialSelection({ ...three(), currentStepId: null })).toBe('s1');
    const empty = createJournal('j', 'J', new Date('2026-01-01T00:00:00Z'));
    expect(initialSelection(empty)).toBeNull();
    expect(keepSelection(empty, applyEdit(empty, { type: 'addStep', stepId: 'first', title: '' }), null)).toBe('first');
  });
});
