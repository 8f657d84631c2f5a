import { z } from 'zod';

/** Bump when the stored shape changes, and add a migration from the previous version in `migrate.ts`. */
export const JOURNAL_SCHEMA_VERSION = 2;

export const Id = z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/, 'ids are letters, digits, - and _');
const IsoTime = z.iso.datetime();

export const StepStatus = z.enum(['todo', 'doing', 'done']);
export type StepStatus = z.infer<typeof StepStatus>;

/** What happened the last time a cell ran. A run that never finished (crash, quit) keeps exitCode and durationMs null. */
export const CellRun = z.object({
  runId: Id,
  startedAt: IsoTime,
  durationMs: z.number().int().nonnegative().nullable(),
  exitCode: z.number().int().nullable(),
  cwd: z.string().nullable(),
  interrupted: z.boolean(),
  outputBytes: z.number().int().nonnegative(),
  outputTruncated: z.boolean(),
});
export type CellRun = z.infer<typeof CellRun>;

export const Cell = z.object({
  id: Id,
  command: z.string().max(100_000),
  collapsed: z.boolean(),
  lastRun: CellRun.nullable(),
});
export type Cell = z.infer<typeof Cell>;

export const AttachmentKind = z.enum(['file', 'workspace-file', 'url', 'text', 'package-docs']);
export type AttachmentKind = z.infer<typeof AttachmentKind>;

/**
 * A document attached to a step. `source` is an absolute path (file), a workspace-relative path
 * (workspace-file), a URL (url), a package name in the workspace's node_modules (package-docs: its README
 * and type declarations), or empty for pasted text, whose content is stored beside the journal.
 */
export const Attachment = z.object({
  id: Id,
  kind: AttachmentKind,
  title: z.string().min(1).max(500),
  source: z.string().max(10_000),
  sizeBytes: z.number().int().nonnegative(),
  addedAt: IsoTime,
});
export type Attachment = z.infer<typeof Attachment>;

/** The longest notes a step keeps (characters); the notes editor refuses a paste past it. */
export const MAX_NOTES_CHARS = 1_000_000;

export const Step = z.object({
  id: Id,
  title: z.string().max(500),
  status: StepStatus,
  notes: z.string().max(MAX_NOTES_CHARS),
  cells: z.array(Cell),
  attachments: z.array(Attachment),
  /** Attachments of earlier steps that this step keeps in its context (version 2). */
  pinnedAttachmentIds: z.array(Id),
});
export type Step = z.infer<typeof Step>;

export const Journal = z.object({
  schemaVersion: z.literal(JOURNAL_SCHEMA_VERSION),
  id: Id,
  title: z.string().min(1).max(500),
  createdAt: IsoTime,
  currentStepId: Id.nullable(),
  steps: z.array(Step),
}).superRefine((journal, ctx) => {
  const seen = new Set<string>();
  const check = (id: string, path: (string | number)[]) => {
    if (seen.has(id)) ctx.addIssue({ code: 'custom', message: `duplicate id ${id}`, path });
    seen.add(id);
  };
  journal.steps.forEach((step, s) => {
    check(step.id, ['steps', s, 'id']);
    step.cells.forEach((cell, c) => check(cell.id, ['steps', s, 'cells', c, 'id']));
    step.attachments.forEach((a, i) => check(a.id, ['steps', s, 'attachments', i, 'id']));
  });
  const attachmentIds = new Set(journal.steps.flatMap((step) => step.attachments.map((a) => a.id)));
  journal.steps.forEach((step, s) =>
    step.pinnedAttachmentIds.forEach((id, p) => {
      if (!attachmentIds.has(id)) ctx.addIssue({ code: 'custom', message: `pin of unknown attachment ${id}`, path: ['steps', s, 'pinnedAttachmentIds', p] });
    }),
  );
  if (journal.currentStepId !== null && !journal.steps.some((step) => step.id === journal.currentStepId)) {
    ctx.addIssue({ code: 'custom', message: 'currentStepId names no step', path: ['currentStepId'] });
  }
});
export type Journal = z.infer<typeof Journal>;

/** What the journal picker lists without opening every journal. */
export const JournalSummary = z.object({
  /** The journal's folder name: an id, except where `problem` says the name is none (`Aux`, `my notes`). */
  id: z.string().min(1),
  title: z.string(),
  createdAt: z.string(),
  stepCount: z.number().int(),
  /** Set when the journal file cannot be opened; the rest of the app keeps working. */
  problem: z.string().nullable(),
});
export type JournalSummary = z.infer<typeof JournalSummary>;

export function createJournal(id: string, title: string, now: Date): Journal {
  return { schemaVersion: JOURNAL_SCHEMA_VERSION, id, title, createdAt: now.toISOString(), currentStepId: null, steps: [] };
}

export function newStep(id: string, title: string): Step {
  return { id, title, status: 'todo', notes: '', cells: [], attachments: [], pinnedAttachmentIds: [] };
}

export function findStep(journal: Journal, stepId: string): Step | undefined {
  return journal.steps.find((step) => step.id === stepId);
}

export function findCell(journal: Journal, cellId: string): { step: Step; cell: Cell } | undefined {
  for (const step of journal.steps) {
    const cell = step.cells.find((c) => c.id === cellId);
    if (cell) return { step, cell };
  }
  return undefined;
}

export function findAttachment(journal: Journal, attachmentId: string): { step: Step; attachment: Attachment } | undefined {
  for (const step of journal.steps) {
    const attachment = step.attachments.find((a) => a.id === attachmentId);
    if (attachment) return { step, attachment };
  }
  return undefined;
}
