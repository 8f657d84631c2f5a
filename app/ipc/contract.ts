import { z } from 'zod';
import { JournalChange, JournalEdit } from '../journal/edits';
import { SearchHit } from '../journal/search';
import { AttachmentKind, CellRun, Id, Journal, JournalSummary } from '../journal/schema';
import {
  AssistantSettingsChange, AssistantSettingsView, AssistantStatus, CompressType, DownloadState, EncodingProgress, ModelCatalog, SuggestionPartial, SuggestionReport,
} from '../completion/schemas';
import { HeadProfileView } from '../completion/headProfile';
import { ServeApiStatus } from '../completion/serveApi';
import { EditorBackup, FileContent, TreeEntry, WorkspacePath } from '../editor/schemas';
import { EXTERNAL_LINK_SCHEMES } from '../text/links';
import { MAX_ATTACHMENT_TEXT_BYTES, MAX_SAVED_FILE_BYTES, attachmentTooLarge, boundedText, fileTooLargeToSave } from './limits';

/**
 * The one contract between renderer and main, as GitHub Desktop keeps it: every call and event by name,
 * with schemas that main checks at the boundary. The Electron preload and the browser-mode WebSocket
 * both carry exactly this; nothing else crosses.
 */

const Empty = z.object({});
const JournalRef = z.object({ journalId: Id });

export const WorkspaceInfo = z.object({
  /** Absolute path of the open workspace folder, or null before one is chosen. */
  path: z.string().nullable(),
  name: z.string().nullable(),
  journals: z.array(JournalSummary),
});
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>;

export const OpenedJournal = z.object({
  journal: Journal,
  /** False for a journal not created (or trusted) on this machine: its cells do not run until the user trusts it. */
  trusted: z.boolean(),
  /** Id of the cell whose command is running now, if any. */
  runningCellId: z.string().nullable(),
  /** How many changes main has made since it opened the journal; each `journal.changed` carries the next one. */
  version: z.number().int().nonnegative(),
});
export type OpenedJournal = z.infer<typeof OpenedJournal>;

/**
 * One change to an open journal and the version it makes: what `journal.changed` carries and what an edit
 * answers, so a 5,000-step journal is never sent whole per edit. A copy at `version - 1` applies `change`
 * with `applyChange`; a copy further behind asks `journal.open` for the whole journal.
 */
export const JournalUpdate = z.object({ version: z.number().int().positive(), change: JournalChange });
export type JournalUpdate = z.infer<typeof JournalUpdate>;

export const NewAttachment = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), path: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal('workspace-file'), path: z.string().min(1).max(4096) }),
  z.object({ kind: z.literal('url'), url: z.url({ protocol: /^https?$/ }), title: z.string().max(500).optional() }),
  z.object({ kind: z.literal('text'), title: z.string().min(1).max(500), text: boundedText(MAX_ATTACHMENT_TEXT_BYTES, attachmentTooLarge) }),
  /** An npm package installed in the workspace: its README and type declarations. */
  z.object({ kind: z.literal('package-docs'), packageName: z.string().regex(/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i, 'an npm package name') }),
]);
export type NewAttachment = z.infer<typeof NewAttachment>;

export const AttachmentContent = z.object({
  kind: AttachmentKind,
  title: z.string(),
  /** The text to show; for a URL, the URL itself (fetching comes with the assistant). */
  text: z.string(),
  truncated: z.boolean(),
});

export const StoredOutput = z.object({ output: z.string(), truncated: z.boolean() });

/** The most editor tabs a workspace's window state remembers. */
export const MAX_REMEMBERED_TABS = 100;

/**
 * What the window showed last in a workspace, kept by main (per workspace, in the user data folder) so a restart,
 * a new port or Electron brings it back: the journal used last and the editor's tabs, in order, with the active one.
 */
export const WindowState = z.object({
  lastJournalId: Id.nullable(),
  editorTabs: z.array(WorkspacePath).max(MAX_REMEMBERED_TABS),
  activeTab: WorkspacePath.nullable(),
});
export type WindowState = z.infer<typeof WindowState>;

export const calls = {
  'workspace.info': { input: Empty, output: WorkspaceInfo },
  'workspace.open': { input: z.object({ path: z.string().min(1).max(4096) }), output: WorkspaceInfo },
  /** Workspace files (relative paths), for attaching one to a step. Bounded; ignores .git, node_modules, .steerway. */
  'workspace.files': { input: z.object({ query: z.string().max(500) }), output: z.array(z.string()) },
  'journal.create': { input: z.object({ title: z.string().min(1).max(500) }), output: OpenedJournal },
  'journal.open': { input: JournalRef, output: OpenedJournal },
  'journal.close': { input: JournalRef, output: Empty },
  'journal.edit': { input: z.object({ journalId: Id, edit: JournalEdit }), output: JournalUpdate },
  'journal.trust': { input: JournalRef, output: OpenedJournal },
  'journal.search': { input: z.object({ journalId: Id, query: z.string().max(1000) }), output: z.array(SearchHit) },
  'journal.export': { input: JournalRef, output: z.object({ path: z.string(), markdown: z.string() }) },
  /** Runs a cell in the journal's persistent shell; queued behind a running one. */
  'cell.run': { input: z.object({ journalId: Id, cellId: Id }), output: z.object({ runId: Id }) },
  'cell.interrupt': { input: JournalRef, output: Empty },
  /** Keys typed into the running cell's terminal: its stdin. */
  'cell.input': { input: z.object({ journalId: Id, data: z.string().max(65_536) }), output: Empty },
  'cell.resize': { input: z.object({ journalId: Id, cols: z.number().int().min(10).max(1000), rows: z.number().int().min(2).max(500) }), output: Empty },
  'cell.output': { input: z.object({ journalId: Id, cellId: Id }), output: StoredOutput },
  'attachment.add': { input: z.object({ journalId: Id, stepId: Id, attachment: NewAttachment }), output: JournalUpdate },
  'attachment.read': { input: z.object({ journalId: Id, attachmentId: Id }), output: AttachmentContent },
  /** Opens a link in the system browser (Electron; browser mode opens a tab itself); only EXTERNAL_LINK_SCHEMES. */
  'shell.openExternal': { input: z.object({ url: z.url({ protocol: new RegExp(`^(${EXTERNAL_LINK_SCHEMES.join('|')})$`) }) }), output: Empty },

  // Editor: workspace files.
  /** One folder's entries (lazy tree); '' is the workspace root. Skips .git and .steerway. */
  'file.list': { input: z.object({ dir: z.string().max(4096) }), output: z.array(TreeEntry) },
  'file.read': { input: z.object({ path: WorkspacePath }), output: FileContent },
  /** Atomic save. With `baseMtimeMs`, refuses with code `conflict` when the file changed on disk since. */
  'file.write': { input: z.object({ path: WorkspacePath, text: boundedText(MAX_SAVED_FILE_BYTES, fileTooLargeToSave), baseMtimeMs: z.number().nullable() }), output: z.object({ mtimeMs: z.number() }) },
  /** The files this window has open: main watches them and sends `file.changed`. Replaces the previous set. */
  'file.watch': { input: z.object({ paths: z.array(WorkspacePath).max(500) }), output: Empty },
  /** The editor's live text of a file (null: closed, or saved and clean); documents use it over the disk. */
  /** `keepBackup`: the editor went away (another workspace opened), not the edits: main drops the buffer, not its backup. */
  'editor.buffer': {
    input: z.object({
      path: WorkspacePath, text: boundedText(MAX_SAVED_FILE_BYTES, fileTooLargeToSave).nullable(),
      baseMtimeMs: z.number().nullable().optional(), keepBackup: z.boolean().optional(),
    }),
    output: Empty,
  },
  /**
   * Hot exit: the unsaved buffers of this workspace kept from an earlier page or run (main backs up every
   * `editor.buffer` to the user data folder), with the file's mtime when the edits began.
   */
  'editor.backups': { input: Empty, output: z.array(EditorBackup) },
  /** The open workspace's window state (all empty before one is open or anything was kept). */
  'window.state': { input: Empty, output: WindowState },
  /** Keeps the parts given; each store of the page saves its own (the journal, the editor's tabs). */
  'window.saveState': { input: WindowState.partial(), output: Empty },

  // Assistant: suggestions, models, settings.
  'assistant.status': { input: Empty, output: AssistantStatus },
  /** A suggestion at the cursor of `path`, conditioned on the current step's documents. */
  'assistant.complete': {
    input: z.object({
      requestId: Id,
      journalId: Id.nullable(),
      /** The step whose documents condition it: the page's selected step (tabs select their own); else the journal's current one. */
      stepId: Id.nullable().optional(),
      path: WorkspacePath,
      prefix: z.string().max(200_000),
      suffix: z.string().max(200_000),
      /** Multi-line suggestions end at a block boundary; single-line ones at the end of the line. */
      multiline: z.boolean(),
    }),
    output: z.object({ requestId: Id, text: z.string(), report: SuggestionReport }),
  },
  /** Cancels a request in flight (each keystroke does); its call rejects with code `cancelled`. */
  'assistant.cancel': { input: z.object({ requestId: Id }), output: Empty },
  /**
   * An attachment's tokens as the budget rule counts them, and the loaded model's document budget (null while none is
   * loaded): the attachment card says when the document can never fit.
   */
  'assistant.documentFit': {
    input: z.object({ journalId: Id, attachmentId: Id }),
    output: z.object({ tokens: z.number().int().nonnegative(), budgetTokens: z.number().int().nonnegative().nullable() }),
  },
  /**
   * The loaded model's head profile (`steerway heads` writes it to the engine's cache folder, by the model's identity)
   * and the heads attention injection's `auto` replaces; `profile` null when none was written. Refused while no model
   * is loaded, and with a clear error for a broken file.
   */
  'heads.profile': { input: Empty, output: HeadProfileView },
  'models.list': { input: Empty, output: ModelCatalog },
  /** Adds a GGUF file from disk; a file that is not a valid GGUF is refused with a clear error. */
  'models.addLocal': { input: z.object({ path: z.string().min(1).max(4096) }), output: ModelCatalog },
  'models.select': { input: z.object({ id: Id }), output: ModelCatalog },
  'models.remove': { input: z.object({ id: Id }), output: ModelCatalog },
  /** Writes a quantized copy of an installed model into the app's models folder and lists it (the selection stays). */
  'models.compress': { input: z.object({ id: Id, type: CompressType }), output: ModelCatalog },
  'models.download': { input: z.object({ recommendedId: Id }), output: DownloadState },
  'models.pause': { input: z.object({ id: Id }), output: DownloadState },
  'models.resume': { input: z.object({ id: Id }), output: DownloadState },
  'models.cancel': { input: z.object({ id: Id }), output: DownloadState },
  // The view never carries a remote engine's token (only whether one is set).
  'settings.get': { input: Empty, output: AssistantSettingsView },
  'settings.update': { input: AssistantSettingsChange, output: AssistantSettingsView },
  // Serving the model to editors: where they reach it and the token they send.
  'serveApi.status': { input: Empty, output: ServeApiStatus },
} as const;

export const events = {
  'journal.changed': JournalUpdate.extend({ journalId: Id }),
  'cell.started': z.object({ journalId: Id, cellId: Id, run: CellRun }),
  /** Live output of the running cell, batched; raw terminal text for xterm.js. */
  'cell.data': z.object({ journalId: Id, cellId: Id, runId: Id, data: z.string() }),
  'cell.finished': z.object({ journalId: Id, cellId: Id, run: CellRun }),
  /** The journal's shell ended (exit or crash); the next run starts a new one. */
  'shell.exited': z.object({ journalId: Id, exitCode: z.number().int().nullable() }),
  /** An open file changed on disk (mtimeMs null: deleted). */
  'file.changed': z.object({ path: WorkspacePath, mtimeMs: z.number().nullable() }),
  'assistant.status': AssistantStatus,
  /** Background encoding of the current step's documents. */
  'assistant.encoding': EncodingProgress,
  /** A suggestion's text so far, for the request `assistant.complete` answers when the engine is done. */
  'assistant.partial': SuggestionPartial,
  'models.download': DownloadState,
} as const;

export type CallName = keyof typeof calls;
export type EventName = keyof typeof events;
export type CallInput<K extends CallName> = z.input<(typeof calls)[K]['input']>;
export type CallOutput<K extends CallName> = z.output<(typeof calls)[K]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(calls, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}
