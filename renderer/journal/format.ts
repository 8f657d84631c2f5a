import type { AttachmentKind, Cell, StepStatus } from '../../app/journal/schema';

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

export const STATUS_MARK: Record<StepStatus, string> = { todo: '○', doing: '◐', done: '●' };

export const KIND_LABEL: Record<AttachmentKind, string> = {
  file: 'File',
  'workspace-file': 'Workspace file',
  url: 'URL',
  text: 'Text',
  'package-docs': 'Library docs',
};
