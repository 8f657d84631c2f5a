import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { exportJournalMarkdown } from '../../app/journal/export';
import { searchJournal } from '../../app/journal/search';
import { findAttachment, type Journal } from '../../app/journal/schema';
import type { WorkspaceInfo } from '../../app/ipc/contract';
import { Emitter, type Event } from '../../base/common/event';
import type { PtyHost } from '../pty/ptyHost';
import type { TrustStore } from '../storage/trustStore';
import { JournalLoadError, NotAFileError, UnsafePathError, WorkspaceStore } from '../storage/workspaceStore';
import { UserFacingError, type CallHandlers, type EventSink } from '../transport/dispatcher';
import type { CallName } from '../../app/ipc/contract';
import { describeAttachment, readFileForView, requireTrustToLoad } from './attachments';
import { JournalSession } from './journalSession';
import { readPackageDocs } from './packageDocs';
import { listWorkspaceFiles, resolveInsideWorkspace } from './workspaceFiles';

/** The calls the journal side answers. */
export type JournalCall = Extract<CallName, `workspace.${string}` | `journal.${string}` | `cell.${string}` | `attachment.${string}` | 'shell.openExternal'>;

export interface ServicesOptions {
  /** The workspace given on the command line, if any. */
  workspacePath: string | null;
  trust: TrustStore;
  ptyHost: PtyHost;
  emit: EventSink;
  /** Opens http(s) links outside the app; Electron's shell.openExternal, or a no-op in browser mode (the page opens them). */
  openExternal: (url: string) => Promise<void>;
}

/**
 * Everything main does for the renderer, behind the contract's handlers. The same object serves the
 * Electron window (IPC) and browser mode (WebSocket).
 */
export class SteerwayServices {
  private workspacePath: string | null = null;
  private store: WorkspaceStore | null = null;
  private readonly sessions = new Map<string, JournalSession>();
  private readonly journalChanged = new Emitter<string>();
  /** An open journal changed (by its id): an edit applied, a run or an attachment recorded. */
  readonly onJournalChanged: Event<string> = this.journalChanged.event;

  constructor(private readonly options: ServicesOptions) {}

  async init(): Promise<void> {
    if (this.options.workspacePath) await this.openWorkspace(this.options.workspacePath);
  }

  /** The open workspace folder, or null before one is chosen. */
  currentWorkspace(): string | null {
    return this.workspacePath;
  }

  /** An open journal's current state, or null when it is not open (read by the assistant's documents). */
  openJournal(journalId: string): Journal | null {
    return this.sessions.get(journalId)?.current() ?? null;
  }

  /** Whether an open journal is trusted (false when it is not open): its documents load only once it is. */
  isTrusted(journalId: string): boolean {
    return this.sessions.get(journalId)?.snapshot().trusted ?? false;
  }

  /** The stored text of a pasted-text attachment, or null when it is missing (or no workspace is open). */
  attachmentText(journalId: string, attachmentId: string): Promise<string | null> {
    return this.store ? this.store.readAttachmentText(journalId, attachmentId) : Promise.resolve(null);
  }

  private requireStore(): { store: WorkspaceStore; workspacePath: string } {
    if (!this.store || !this.workspacePath) throw new UserFacingError('no-workspace', 'Open a workspace folder first.');
    return { store: this.store, workspacePath: this.workspacePath };
  }

  private async openWorkspace(path: string): Promise<void> {
    const absolute = resolve(path);
    const info = await stat(absolute).catch(() => null);
    if (!info?.isDirectory()) throw new UserFacingError('not-found', `Not a folder: ${absolute}`);
    await this.closeAllSessions();
    this.workspacePath = absolute;
    this.store = new WorkspaceStore(absolute);
  }

  private async workspaceInfo(): Promise<WorkspaceInfo> {
    if (!this.store || !this.workspacePath) return { path: null, name: null, journals: [] };
    return { path: this.workspacePath, name: basename(this.workspacePath), journals: await this.store.listJournals() };
  }

  private sessionDeps() {
    const { store, workspacePath } = this.requireStore();
    return { store, workspacePath, trust: this.options.trust, ptyHost: this.options.ptyHost, emit: this.options.emit };
  }

  private adopt(session: JournalSession): JournalSession {
    this.sessions.set(session.id, session);
    session.onDidChange(() => this.journalChanged.fire(session.id));
    return session;
  }

  private session(journalId: string): JournalSession {
    const session = this.sessions.get(journalId);
    if (!session) throw new UserFacingError('not-open', 'That journal is not open.');
    return session;
  }

  private async openSession(journalId: string): Promise<JournalSession> {
    const existing = this.sessions.get(journalId);
    if (existing) return existing;
    try {
      return this.adopt(await JournalSession.open(journalId, this.sessionDeps()));
    } catch (error) {
      if (error instanceof JournalLoadError) throw new UserFacingError('journal-unreadable', error.message);
      throw error;
    }
  }

  /**
   * Stored outputs of every cell, for search and export (which need them all at once). One the store will not
   * read (behind a link, or a FIFO) is left out: it is not the journal's, and the rest still serves.
   */
  private async outputsOf(session: JournalSession): Promise<Map<string, string>> {
    const { store } = this.requireStore();
    const outputs = new Map<string, string>();
    for (const step of session.current().steps) {
      for (const cell of step.cells) {
        const stored = await store.readOutput(session.id, cell.id).catch((error: unknown) => {
          if (error instanceof UnsafePathError || error instanceof NotAFileError) return null;
          throw error;
        });
        if (stored) outputs.set(cell.id, stored.output);
      }
    }
    return outputs;
  }

  /**
   * The text of each pasted text attachment, for search and export. Only pasted text: it is the journal's own
   * (an untrusted journal's files and URLs are never read for these), and it is stored beside the journal.
   */
  private async pastedTextsOf(session: JournalSession): Promise<Map<string, string>> {
    const { store } = this.requireStore();
    const texts = new Map<string, string>();
    for (const step of session.current().steps) {
      for (const attachment of step.attachments) {
        if (attachment.kind !== 'text') continue;
        const text = await store.readAttachmentText(session.id, attachment.id).catch((error: unknown) => {
          if (error instanceof UnsafePathError || error instanceof NotAFileError) return null;
          throw error;
        });
        if (text !== null) texts.set(attachment.id, text);
      }
    }
    return texts;
  }

  readonly handlers: Pick<CallHandlers, JournalCall> = {
    'workspace.info': () => this.workspaceInfo(),
    'workspace.open': async ({ path }) => {
      await this.openWorkspace(path);
      return this.workspaceInfo();
    },
    'workspace.files': ({ query }) => listWorkspaceFiles(this.requireStore().workspacePath, query),
    'journal.create': async ({ title }) => {
      return this.adopt(await JournalSession.create(title, this.sessionDeps())).snapshot();
    },
    'journal.open': async ({ journalId }) => (await this.openSession(journalId)).snapshot(),
    'journal.close': async ({ journalId }) => {
      await this.sessions.get(journalId)?.dispose();
      this.sessions.delete(journalId);
      return {};
    },
    'journal.edit': ({ journalId, edit }) => this.session(journalId).edit(edit),
    'journal.trust': ({ journalId }) => this.session(journalId).markTrusted(),
    'journal.search': async ({ journalId, query }) => {
      const session = this.session(journalId);
      const [outputs, texts] = await Promise.all([this.outputsOf(session), this.pastedTextsOf(session)]);
      return searchJournal(session.current(), query, (cellId) => outputs.get(cellId) ?? null, (id) => texts.get(id) ?? null);
    },
    'journal.export': async ({ journalId }) => {
      const session = this.session(journalId);
      const { store } = this.requireStore();
      const [outputs, texts] = await Promise.all([this.outputsOf(session), this.pastedTextsOf(session)]);
      const markdown = exportJournalMarkdown(session.current(), (cellId) => outputs.get(cellId) ?? null, (id) => texts.get(id) ?? null);
      try {
        return { path: await store.writeExport(session.current().title, markdown), markdown };
      } catch (error) {
        if (error instanceof UnsafePathError) throw new UserFacingError('bad-path', `Not exported: ${error.message}`);
        throw error;
      }
    },
    'cell.run': async ({ journalId, cellId }) => this.session(journalId).run(cellId),
    'cell.interrupt': async ({ journalId }) => {
      this.session(journalId).interrupt();
      return {};
    },
    'cell.input': async ({ journalId, data }) => {
      this.session(journalId).input(data);
      return {};
    },
    'cell.resize': async ({ journalId, cols, rows }) => {
      this.session(journalId).resize(cols, rows);
      return {};
    },
    'cell.output': async ({ journalId, cellId }) => {
      this.session(journalId);
      return (await this.requireStore().store.readOutput(journalId, cellId)) ?? { output: '', truncated: false };
    },
    'attachment.add': async ({ journalId, stepId, attachment: request }) => {
      const session = this.session(journalId);
      const { store, workspacePath } = this.requireStore();
      const { attachment, text } = await describeAttachment(workspacePath, request, new Date());
      if (text !== null) await store.writeAttachmentText(journalId, attachment.id, text);
      return session.attach(stepId, attachment);
    },
    'attachment.read': async ({ journalId, attachmentId }) => {
      const session = this.session(journalId);
      const found = findAttachment(session.current(), attachmentId);
      if (!found) throw new UserFacingError('not-found', `No attachment ${attachmentId}`);
      const { attachment } = found;
      requireTrustToLoad(attachment, session.snapshot().trusted);
      const { store, workspacePath } = this.requireStore();
      const base = { kind: attachment.kind, title: attachment.title };
      switch (attachment.kind) {
        case 'text': {
          const text = await store.readAttachmentText(journalId, attachmentId);
          if (text === null) throw new UserFacingError('not-found', `The text of "${attachment.title}" is missing from the journal folder.`);
          return { ...base, text, truncated: false };
        }
        case 'url':
          return { ...base, text: attachment.source, truncated: false };
        case 'file':
          return { ...base, ...(await readFileForView(attachment.source)) };
        case 'workspace-file':
          return { ...base, ...(await readFileForView(await resolveInsideWorkspace(workspacePath, attachment.source))) };
        case 'package-docs':
          return { ...base, ...(await readPackageDocs(workspacePath, attachment.source)) };
      }
    },
    'shell.openExternal': async ({ url }) => {
      await this.options.openExternal(url);
      return {};
    },
  };

  private async closeAllSessions(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map((session) => session.dispose()));
  }

  /** On quit: every shell ended, every save flushed. */
  async dispose(): Promise<void> {
    await this.closeAllSessions();
  }
}
