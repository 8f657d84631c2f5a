/**
 * The resizable panes of the main area and the rules for their sizes, kept apart from the DOM so they can be
 * tested. A size is what the user chose (remembered per pane); what is shown is that size fitted to the room the
 * window has now, so a narrow window squeezes the panes and a wide one gives the chosen sizes back.
 */

export type PaneName = 'steps' | 'journal' | 'files' | 'attachments' | 'inspector';

export interface PaneSpec {
  /** x: a width, y: a height. */
  axis: 'x' | 'y';
  /** What a sash's aria-label calls it. */
  label: string;
  min: number;
  /** The size before the user chose one. */
  initial: (room: Room) => number;
}

export interface Room {
  /** The main area's size in CSS pixels. */
  width: number;
  height: number;
}

export type PaneSizes = Record<PaneName, number>;

/** What the current step keeps beside the steps list, and the editor beside the journal, however narrow the window. */
const STEP_VIEW_MIN = 340;
const EDITOR_MIN = 300;
/** The room the steps list keeps above the attachments, and the editor above the inspector. */
const ABOVE_MIN = 140;

export const PANES: Record<PaneName, PaneSpec> = {
  steps: { axis: 'x', label: 'Resize the steps list', min: 150, initial: (room) => (room.width < 1200 ? 190 : 220) },
  // The journal gets most of the window: its cells are where commands and their output are read. (The sash's
  // label says "editor": only the journal picker is labelled "Journal", see app.test.tsx.)
  journal: { axis: 'x', label: 'Resize the editor', min: 150 + STEP_VIEW_MIN, initial: (room) => Math.round(room.width * 0.6) },
  // A third of the editor column (the 40% the journal leaves), up to 180 px.
  files: { axis: 'x', label: 'Resize the file tree', min: 110, initial: (room) => Math.round(Math.min(180, room.width * 0.4 * 0.35)) },
  attachments: { axis: 'y', label: 'Resize the attachments', min: 90, initial: (room) => Math.round(room.height * 0.35) },
  inspector: { axis: 'y', label: 'Resize the context inspector', min: 80, initial: (room) => Math.round(room.height * 0.3) },
};

export const PANE_NAMES = Object.keys(PANES) as PaneName[];

/** How far one arrow key moves a focused sash; with Shift, four times that. */
export const KEY_STEP_PX = 16;

const clamp = (value: number, low: number, high: number) => Math.round(Math.min(Math.max(value, low), Math.max(low, high)));

/**
 * The sizes to show: each chosen size (or the initial one) kept within its pane's minimum and what its
 * neighbours need. The journal leaves the editor EDITOR_MIN; the steps list leaves the current step
 * STEP_VIEW_MIN; the file tree leaves the editor's text as much again; the bottom panes leave ABOVE_MIN.
 */
export function fitPanes(chosen: Partial<PaneSizes>, room: Room): PaneSizes {
  const want = (pane: PaneName) => chosen[pane] ?? PANES[pane].initial(room);
  const journal = clamp(want('journal'), PANES.journal.min, room.width - EDITOR_MIN);
  const editor = room.width - journal;
  return {
    journal,
    steps: clamp(want('steps'), PANES.steps.min, journal - STEP_VIEW_MIN),
    files: clamp(want('files'), PANES.files.min, editor / 2),
    attachments: clamp(want('attachments'), PANES.attachments.min, room.height - ABOVE_MIN),
    inspector: clamp(want('inspector'), PANES.inspector.min, room.height - ABOVE_MIN),
  };
}

/** The largest size a pane can be shown at in this room (a sash's aria-valuemax). */
export function maxSize(pane: PaneName, chosen: Partial<PaneSizes>, room: Room): number {
  return fitPanes({ ...chosen, [pane]: Number.MAX_SAFE_INTEGER }, room)[pane];
}

const storageKey = (pane: PaneName) => `steerway.pane.${pane}`;

/** The sizes the user chose earlier; anything unreadable counts as not chosen. */
export function loadChosenSizes(storage: Pick<Storage, 'getItem'>): Partial<PaneSizes> {
  const chosen: Partial<PaneSizes> = {};
  for (const pane of PANE_NAMES) {
    const value = Number(storage.getItem(storageKey(pane)) ?? NaN);
    if (Number.isFinite(value) && value > 0) chosen[pane] = Math.round(value);
  }
  return chosen;
}

export function saveChosenSize(storage: Pick<Storage, 'setItem'>, pane: PaneName, size: number): void {
  try {
    storage.setItem(storageKey(pane), String(Math.round(size)));
  } catch {
    // Storage full or refused (a private window): the size still applies until the page goes.
  }
}
