import type { StateCreator } from 'zustand/vanilla';
import type { SteerwayApi } from '../../../app/ipc/api';
import type { JournalUpdate, NewAttachment } from '../../../app/ipc/contract';
import type { JournalEdit } from '../../../app/journal/edits';
import type { Attachment, Cell, Journal, Step } from '../../../app/journal/schema';
import type { OutputHub } from './outputHub';

/** What every slice of one open journal's store is built from. */
export interface JournalDeps {
  api: SteerwayApi;
  journalId: string;
  outputs: OutputHub;
  /** Shows a failed call to the user; the store carries on. */
  reportError(error: unknown): void;
}

/** The journal as main last sent it, and the calls that change it. */
export interface JournalDataSlice {
  journalId: string;
  journal: Journal;
  /** Main's version of `journal`: changes from main apply only in order (see `JournalUpdate`). */
  version: number;
  /** This tab's selected step: UI state of the tab, not synced (another tab selects its own; see `keepSelection`). */
  selectedStepId: string | null;
  trusted: boolean;
  outputs: OutputHub;
  /** Sends one edit; main answers with the change it made. False when it failed (already reported). */
  edit(edit: JournalEdit): Promise<boolean>;
  /** A change from main (`journal.changed`, or an edit's reply); out of order, it takes main's whole journal instead. */
  receive(update: JournalUpdate): Promise<void>;
  /** Takes main's whole journal (a change this copy missed, or a refused edit that says this copy is behind). */
  refresh(): Promise<void>;
  trust(): Promise<void>;
  addAttachment(stepId: string, attachment: NewAttachment): Promise<boolean>;
}

/** Which cell runs or waits, from the calls made here and the events main sends. */
export interface RunSlice {
  runningCellId: string | null;
  /** Cells asked to run that have not started yet: the shell runs one command at a time. */
  queuedCellIds: string[];
  /** The user tried to run something in this untrusted journal; the trust banner says nothing ran. */
  runRefused: boolean;
  /** Adds a cell with `command` to the current step and runs it; false when nothing was added. */
  runCommand(command: string): Promise<boolean>;
  runCell(cellId: string): Promise<void>;
  interrupt(): Promise<void>;
  sendInput(data: string): void;
  resizeShell(cols: number, rows: number): void;
  /** Interrupts the command running in this step, if one is, and resolves once it stopped (false: it did not stop in time). */
  stopCommandIn(stepId: string): Promise<boolean>;
  cellStarted(cellId: string): void;
  cellFinished(cellId: string): void;
  shellExited(): void;
}

/** A notes save refused because another tab saved those notes first: the editor shows the saved text, and this. */
export interface NotesConflict {
  stepId: string;
  /** The text this tab tried to save, offered to copy or apply again. */
  mine: string;
}

/** What the step UI is doing: which step is being renamed, which cell to scroll to, notes not yet saved. */
export interface StepUiSlice {
  renamingStepId: string | null;
  revealCellId: string | null;
  notesConflict: NotesConflict | null;
  /** Shows the step in this tab (and makes it where a new tab starts). */
  selectStep(stepId: string): Promise<void>;
  addStepAfterCurrent(): Promise<void>;
  startRename(stepId: string): void;
  /** Saves `title` (null cancels) and ends the rename. */
  finishRename(stepId: string, title: string | null): Promise<void>;
  moveStep(stepId: string, toIndex: number): Promise<boolean>;
  /** Selects the step and asks its cell (if any) to scroll into view. */
  reveal(stepId: string, cellId: string | null): Promise<void>;
  clearReveal(): void;
  /** Notes typed but not yet sent; saved after a short pause, on blur, on step switch and on close. */
  setNotesDraft(stepId: string, notes: string): void;
  hasPendingNotes(stepId: string): boolean;
  /** The notes editor shows these saved notes: the next save of the step is written over them (its base). */
  notesShown(stepId: string, notes: string): void;
  dismissNotesConflict(): void;
  flushNotes(): Promise<void>;
}

/** What the last delete took, with where it was, so the Undo toast can put it back. */
export type Deleted =
  | { kind: 'step'; step: Step; index: number }
  | { kind: 'cell'; stepId: string; cell: Cell; index: number }
  | { kind: 'attachment'; stepId: string; attachment: Attachment; index: number; pinnedBy: string[] };

/** The last deleted step, cell or attachment, for a while, so it can be put back. */
export interface UndoSlice {
  deleted: Deleted | null;
  deleteStep(stepId: string): Promise<void>;
  deleteCell(cellId: string): Promise<void>;
  removeAttachment(attachmentId: string): Promise<void>;
  undoDelete(): Promise<void>;
  dismissUndo(): void;
}

export type JournalState = JournalDataSlice &
  RunSlice &
  StepUiSlice &
  UndoSlice & {
    /** Saves pending notes and stops listening to main; the store is not used afterwards. */
    dispose(): Promise<void>;
  };

export type JournalSliceCreator<T> = StateCreator<JournalState, [], [], T>;
