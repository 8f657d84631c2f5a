import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyChange } from '../../../app/journal/edits';
import { serializeJournal } from '../../../app/journal/migrate';
import { createJournal, Journal, newStep, Step } from '../../../app/journal/schema';

afterEach(() => vi.restoreAllMocks());

function journalOf(steps: number): Journal {
  const all = Array.from({ length: steps }, (_, i) => newStep(`s${i}`, `Step ${i + 1}`));
  return { ...createJournal('j1', 'Long', new Date('2026-12-01T00:00:00Z')), steps: all, currentStepId: 's0' };
}

/** What a save wrote before steps were checked once: the whole journal validated, in the schema's key order. */
const wholeCheck = (journal: Journal) => JSON.stringify(Journal.parse(journal), null, 2) + '\n';

describe('serializeJournal', () => {
  it('checks again only the steps an edit made, and writes the same text as a whole check', () => {
    const checks = vi.spyOn(Step, 'safeParse');
    const before = journalOf(50);
    expect(serializeJournal(before)).toBe(wholeCheck(before));
    expect(checks).toHaveBeenCalledTimes(50);

    checks.mockClear();
    const after = applyChange(before, { type: 'renameStep', stepId: 's7', title: 'Renamed' });
    expect(serializeJournal(after)).toBe(wholeCheck(after));
    expect(checks).toHaveBeenCalledTimes(1);
  });

  it('still refuses a new step that is invalid, and breaks of the rules across steps', () => {
    const saved = journalOf(3);
    serializeJournal(saved);
    expect(() => serializeJournal({ ...saved, steps: [...saved.steps, { ...newStep('s9', 'x'), title: 'y'.repeat(501) }] })).toThrow();
    // Every step already checked alone, but the same step twice repeats its id.
    expect(() => serializeJournal({ ...saved, steps: [...saved.steps, saved.steps[0]!] })).toThrow(/duplicate id s0/);
    expect(() => serializeJournal({ ...saved, currentStepId: 'nowhere' })).toThrow(/currentStepId/);
  });
});
