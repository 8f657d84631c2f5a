import type { Journal } from './schema';

/**
 * The step a tab shows, after a change to the journal. Selection belongs to the tab (two tabs on one journal
 * each keep their own): it stays while its step exists; when its step goes, the step now at its place (or the
 * one before) takes over, as after a delete; with nothing selected, a new tab's start (the journal's current step).
 */
export function keepSelection(before: Journal, after: Journal, selected: string | null): string | null {
  if (selected !== null) {
    if (after.steps.some((step) => step.id === selected)) return selected;
    const index = before.steps.findIndex((step) => step.id === selected);
    if (index >= 0) return (after.steps[index] ?? after.steps[index - 1])?.id ?? null;
  }
  return initialSelection(after);
}

/** Where a tab that opens the journal starts: the step selected last in any tab, or the first. */
export function initialSelection(journal: Journal): string | null {
  return journal.currentStepId ?? journal.steps[0]?.id ?? null;
}
