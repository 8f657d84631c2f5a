import type { Journal } from '../../../app/journal/schema';

/**
 * The commands of one journal for ↑/↓ in the command box, newest first, each once: cells that never ran
 * (just added, waiting) count as newest, in reverse journal order, then the others by when they last ran.
 */
export function commandHistory(journal: Journal): string[] {
  const cells = journal.steps.flatMap((step) => step.cells);
  const waiting = cells.filter((cell) => !cell.lastRun).reverse();
  const ran = cells.filter((cell) => cell.lastRun).sort((a, b) => b.lastRun!.startedAt.localeCompare(a.lastRun!.startedAt));
  return [...new Set([...waiting, ...ran].map((cell) => cell.command))];
}

/** Where ↑/↓ are in the history: -1 is the user's own draft, 0 the newest command. */
export interface HistoryPosition {
  index: number;
  draft: string;
}

export const AT_DRAFT: HistoryPosition = { index: -1, draft: '' };

/**
 * One ↑ (older) or ↓ (newer) from `position` with `text` in the box: the text to show and the new position,
 * or null when there is nowhere to go. Leaving the draft keeps it, and coming back down restores it.
 */
export function moveInHistory(history: readonly string[], position: HistoryPosition, text: string, direction: 'older' | 'newer'): { text: string; position: HistoryPosition } | null {
  const draft = position.index === -1 ? text : position.draft;
  const index = position.index + (direction === 'older' ? 1 : -1);
  if (index < -1 || index >= history.length) return null;
  return { text: index === -1 ? draft : history[index]!, position: { index, draft } };
}
