import { findCell, type AttachmentKind, type Cell, type Journal, type StepStatus } from '../../app/journal/schema';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.floor((ms % 60_000) / 1000)} s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export type CellPhase = 'running' | 'queued' | 'idle';

/** The short status a cell shows: what its last run did, or what it is doing now. */
export function cellStatusText(cell: Cell, phase: CellPhase): string {
  if (phase !== 'idle') return phase;
  const run = cell.lastRun;
  if (!run) return 'not run';
  if (run.interrupted) return 'interrupted';
  return run.exitCode === null ? 'did not finish' : `exit ${run.exitCode}`;
}

const WAITING_COMMAND_CHARS = 60;

/** What a queued cell waits for: the command running now and its step, so the user can go there or interrupt it. */
export function queuedReason(journal: Journal, runningCellId: string | null): { text: string; stepId: string; stepNumber: number; cellId: string } | null {
  const found = runningCellId ? findCell(journal, runningCellId) : undefined;
  if (!found) return null;
  const firstLine = found.cell.command.split('\n')[0]!;
  const command = firstLine.length > WAITING_COMMAND_CHARS || found.cell.command.includes('\n') ? `${firstLine.slice(0, WAITING_COMMAND_CHARS)}…` : firstLine;
  const stepNumber = journal.steps.indexOf(found.step) + 1;
  return { text: `waiting for \`${command}\` in step ${stepNumber}`, stepId: found.step.id, stepNumber, cellId: found.cell.id };
}

export const STATUS_MARK: Record<StepStatus, string> = { todo: '○', doing: '◐', done: '●' };

export const KIND_LABEL: Record<AttachmentKind, string> = {
  file: 'File',
  'workspace-file': 'Workspace file',
  url: 'URL',
  text: 'Text',
  'package-docs': 'Library docs',
};
