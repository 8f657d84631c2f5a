import { newId } from '../../app/ids';
import { Emitter, type Event } from '../../base/common/event';
import { applyChange, NOTES_CONFLICT, NotesConflictError, UNDO_WINDOW_MS, type JournalChange, type JournalEdit } from '../../app/journal/edits';
import { findCell, findStep, type Attachment, type CellRun, type Journal } from '../../app/journal/schema';
import type { JournalUpdate, OpenedJournal } from '../../app/ipc/contract';
import type { PtyHost, ShellSession } from '../pty/ptyHost';
import { UnsafePathError, type JournalSaver, type OutputWriter, type WorkspaceStore } from '../storage/workspaceStore';
import type { TrustStore } from '../storage/trustStore';
import { UserFacingError, type EventSink } from '../transport/dispatcher';

const SHELL_RESTARTED_NOTE =
  '[steerway] The shell was restarted after it stopped unexpectedly: the working directory and variables of earlier cells are gone.\r\n';

/**
 * One open journal: its state (main is authoritative), its autosave, its trust, and its persistent shell.
 * Cells run one at a time, in the order asked, in the same shell, so state carries from cell to cell.
 */
/** An Undo clicked as the toast goes still reaches main after a round trip. */
const UNDO_GRACE_MS = 5_000;

export class JournalSession {
  private readonly changed = new Emitter<void>();
  /** Main's own services hear a change here, not through the events main sends the page. */
  readonly onDidChange: Event<void> = this.changed.event;
  private shell: ShellSession | null = null;
  private runQueue: Promise<void> = Promise.resolve();
  private runningCellId: string | null = null;
  private terminalSize = { cols: 120, rows: 30 };
  private disposed = false;
  /** Files of deleted cells and attachments, kept until their undo has passed. */
  private readonly pendingDeletes = new Map<string, { timer: ReturnType<typeof setTimeout>; run: () => Promise<void> }>();
  /** The shell died with the pty host: the next cell, in a fresh shell, says so first. */
  private shellRestarted = false;
  /** Stops re-signing saves; the saver outlives this session (a reopened journal gets the same one). */
  private readonly stopFollowingSaves: () => void;
  /** Changes made since the journal was opened: the renderer's copy follows them one by one. */
  private version = 0;

  private constructor(
    private journal: Journal,
    private trusted: boolean,
    private readonly saver: JournalSaver,
    private readonly store: WorkspaceStore,
    private readonly trust: TrustStore,
    private readonly ptyHost: PtyHost,
    private readonly workspacePath: string,
    private readonly emit: EventSink,
    onDisk: string,
  ) {
    // A trusted journal stays trusted across our own saves (as Jupyter does), even when a crash interrupts one.
    this.stopFollowingSaves = trust.followSaves(saver, onDisk, () => this.trusted);
  }

  static async open(
    journalId: string,
    deps: { store: WorkspaceStore; trust: TrustStore; ptyHost: PtyHost; workspacePath: string; emit: EventSink },
  ): Promise<JournalSession> {
    const { journal, text, path } = await deps.store.readJournal(journalId);
    const trusted = await deps.trust.isTrusted(path, text);
    return new JournalSession(journal, trusted, deps.store.openSaver(journal), deps.store, deps.trust, deps.ptyHost, deps.workspacePath, deps.emit, text);
  }

  /** A journal created here is trusted from the start. */
  static async create(
    title: string,
    deps: { store: WorkspaceStore; trust: TrustStore; ptyHost: PtyHost; workspacePath: string; emit: EventSink },
  ): Promise<JournalSession> {
    const { journal, text } = await deps.store.createJournal(title, (path, written) => deps.trust.trust(path, written));
    return new JournalSession(journal, true, deps.store.openSaver(journal), deps.store, deps.trust, deps.ptyHost, deps.workspacePath, deps.emit, text);
  }

  get id(): string {
    return this.journal.id;
  }

  snapshot(): OpenedJournal {
    return { journal: this.journal, trusted: this.trusted, runningCellId: this.runningCellId, version: this.version };
  }

  current(): Journal {
    return this.journal;
  }

  /** Applies a change, broadcasts the change alone (not the journal: see `JournalUpdate`) and saves. */
  private async commit(change: JournalChange, next = applyChange(this.journal, change)): Promise<JournalUpdate> {
    this.journal = next;
    const update: JournalUpdate = { version: ++this.version, change };
    this.emit('journal.changed', { journalId: next.id, ...update });
    this.changed.fire();
    await this.saver.save(next);
    return update;
  }

  async edit(edit: JournalEdit): Promise<JournalUpdate> {
    if (edit.type === 'deleteStep' && this.runningCellId && findStep(this.journal, edit.stepId)?.cells.some((c) => c.id === this.runningCellId)) {
      // Deleting it would leave the command running out of sight, holding up every later one.
      throw new UserFacingError('busy', 'A command in this step is running: interrupt it before deleting the step.');
    }
    let next: Journal;
    try {
      next = applyChange(this.journal, edit);
    } catch (error) {
      if (error instanceof NotesConflictError) throw new UserFacingError(NOTES_CONFLICT, error.message);
      throw new UserFacingError('bad-edit', (error as Error).message);
    }
    const journalId = this.journal.id;
    // The other tabs apply the new notes as they are: the base was this tab's to check.
    if (edit.type === 'setNotes') return this.commit({ type: 'setNotes', stepId: edit.stepId, notes: edit.notes }, next);
    if (edit.type === 'deleteCell') {
      if (edit.cellId === this.runningCellId) throw new UserFacingError('busy', 'Interrupt the cell before deleting it.');
      // An output behind a link is not the journal's to delete (the store refuses to follow it); the cell still goes.
      this.deleteLater(edit.cellId, () => this.store.deleteOutput(journalId, edit.cellId).catch((error: unknown) => {
        if (!(error instanceof UnsafePathError)) throw error;
      }));
    }
    if (edit.type === 'removeAttachment') this.deleteLater(edit.attachmentId, () => this.store.deleteAttachmentText(journalId, edit.attachmentId));
    if (edit.type === 'restoreCell') this.keepFiles(edit.cell.id);
    if (edit.type === 'restoreAttachment') this.keepFiles(edit.attachment.id);
    return this.commit(edit, next);
  }

  /**
   * A deleted cell's output (or a removed attachment's text) stays on disk while Undo can bring it back, a little
   * longer than the toast shows, then goes; closing the journal deletes what is still waiting.
   */
  private deleteLater(id: string, remove: () => Promise<void>): void {
    const run = () => {
      this.pendingDeletes.delete(id);
      return remove().catch((error: unknown) => console.error(`Could not delete the files of ${id}: ${(error as Error).message}`));
    };
    this.pendingDeletes.set(id, { timer: setTimeout(() => void run(), UNDO_WINDOW_MS + UNDO_GRACE_MS), run });
  }

  private keepFiles(id: string): void {
    clearTimeout(this.pendingDeletes.get(id)?.timer);
    this.pendingDeletes.delete(id);
  }

  async attach(stepId: string, attachment: Attachment): Promise<JournalUpdate> {
    const change: JournalChange = { type: 'attach', stepId, attachment };
    let next: Journal;
    try {
      next = applyChange(this.journal, change);
    } catch (error) {
      throw new UserFacingError('bad-edit', (error as Error).message);
    }
    return this.commit(change, next);
  }

  async markTrusted(): Promise<OpenedJournal> {
    const text = await this.saver.save(this.journal);
    await this.trust.trust(this.store.journalPath(this.journal.id), text);
    this.trusted = true;
    return this.snapshot();
  }

  /** Queues a run of the cell; resolves with its run id once it is queued, not when it ends. */
  run(cellId: string): { runId: string } {
    if (!this.trusted) {
      throw new UserFacingError('untrusted', 'This journal was not created on this machine: trust it before running its cells.');
    }
    if (!findCell(this.journal, cellId)) throw new UserFacingError('not-found', `No cell ${cellId}`);
    const runId = newId();
    this.runQueue = this.runQueue.then(() => this.runNow(cellId, runId)).catch(() => undefined);
    return { runId };
  }

  private async ensureShell(): Promise<ShellSession> {
    if (this.shell) return this.shell;
    const shell = await this.ptyHost.createShell({ cwd: this.workspacePath, ...this.terminalSize });
    shell.onExit((exitCode, cause) => {
      if (this.shell === shell) this.shell = null;
      if (cause === 'hostDied') this.shellRestarted = true;
      this.emit('shell.exited', { journalId: this.journal.id, exitCode });
    });
    this.shell = shell;
    return shell;
  }

  private async runNow(cellId: string, runId: string): Promise<void> {
    const found = findCell(this.journal, cellId);
    if (!found || this.disposed) return;
    const journalId = this.journal.id;
    const startedAt = new Date();
    const started: CellRun = {
      runId, startedAt: startedAt.toISOString(), durationMs: null, exitCode: null, cwd: null,
      interrupted: false, outputBytes: 0, outputTruncated: false,
    };
    this.runningCellId = cellId;
    await this.commit({ type: 'recordRun', cellId, run: started });
    this.emit('cell.started', { journalId, cellId, run: started });
    let output: OutputWriter | null = null;
    let finished: CellRun = started;
    try {
      // Inside the try: an output file that cannot be written (a link, EACCES, ENOSPC) fails the run visibly.
      output = await this.store.openOutput(journalId, cellId);
      const shell = await this.ensureShell();
      if (this.shellRestarted) {
        this.shellRestarted = false;
        output.write(SHELL_RESTARTED_NOTE);
        this.emit('cell.data', { journalId, cellId, runId, data: SHELL_RESTARTED_NOTE });
      }
      const result = await shell.run(found.cell.command, (data) => {
        output?.write(data);
        this.emit('cell.data', { journalId, cellId, runId, data });
      });
      const written = await output.close();
      finished = { ...started, durationMs: Math.round(result.durationMs), exitCode: result.exitCode, cwd: result.cwd,
        interrupted: result.interrupted, outputBytes: written.bytes, outputTruncated: written.truncated };
    } catch (error) {
      const message = `\r\n[steerway] ${(error as Error).message}\r\n`;
      output?.write(message);
      this.emit('cell.data', { journalId, cellId, runId, data: message });
      // close() repeats a failed write's error, which the message above already shows.
      const written = await output?.close().catch(() => null);
      finished = { ...started, durationMs: Date.now() - startedAt.getTime(), outputBytes: written?.bytes ?? 0, outputTruncated: written?.truncated ?? false };
    } finally {
      this.runningCellId = null;
    }
    // The cell may have been deleted while it ran; then there is nothing to record.
    if (findCell(this.journal, cellId)) await this.commit({ type: 'recordRun', cellId, run: finished });
    this.emit('cell.finished', { journalId, cellId, run: finished });
  }

  interrupt(): void {
    this.shell?.interrupt();
  }

  input(data: string): void {
    if (!this.runningCellId) return;
    // Ctrl+C typed in the cell is an interrupt, so the run is recorded as interrupted.
    if (data === '\x03') this.shell?.interrupt();
    else this.shell?.input(data);
  }

  resize(cols: number, rows: number): void {
    this.terminalSize = { cols, rows };
    this.shell?.resize(cols, rows);
  }

  /** Ends the shell (and whatever it runs) and waits for the last save. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.changed.dispose();
    await Promise.all([...this.pendingDeletes.values()].map(({ timer, run }) => (clearTimeout(timer), run())));
    await this.shell?.dispose();
    this.shell = null;
    try {
      await this.saver.flush();
    } finally {
      // After the last save is signed: a later session of this journal signs with its own idea of trust.
      this.stopFollowingSaves();
    }
  }
}
