import { z } from 'zod';
import { Journal, JOURNAL_SCHEMA_VERSION, Step } from './schema';

/** One step of the stored format's history: turns a document of version `from` into version `from + 1`. */
export interface Migration {
  readonly from: number;
  migrate(document: Record<string, unknown>): Record<string, unknown>;
}

/** The stored format's history, oldest first. */
export const journalMigrations: readonly Migration[] = [
  {
    // Version 2: steps may pin attachments of earlier steps into their context.
    from: 1,
    migrate: (document) => ({
      ...document,
      steps: Array.isArray(document.steps)
        ? document.steps.map((step: unknown) =>
            typeof step === 'object' && step !== null ? { pinnedAttachmentIds: [], ...step } : step,
          )
        : document.steps,
    }),
  },
];

export class JournalFormatError extends Error {
  override readonly name = 'JournalFormatError';
  constructor(message: string, readonly kind: 'invalid' | 'newer-version') {
    super(message);
  }
}

const Versioned = z.object({ schemaVersion: z.number().int().positive() }).loose();

/** Brings a parsed document up to `target` by running the migrations in order. */
export function migrateDocument(
  document: unknown,
  migrations: readonly Migration[],
  target: number,
): Record<string, unknown> {
  const versioned = Versioned.safeParse(document);
  if (!versioned.success) throw new JournalFormatError('missing or invalid schemaVersion', 'invalid');
  let current: Record<string, unknown> = versioned.data;
  let version = versioned.data.schemaVersion;
  if (version > target) {
    throw new JournalFormatError(
      `written by a newer Steerway (format version ${version}, this version reads up to ${target})`,
      'newer-version',
    );
  }
  while (version < target) {
    const step = migrations.find((m) => m.from === version);
    if (!step) throw new JournalFormatError(`no migration from format version ${version}`, 'invalid');
    current = { ...step.migrate(current), schemaVersion: version + 1 };
    version += 1;
  }
  return current;
}

/**
 * Each step's validated copy, by the step object validated. Journals are values (an edit makes new objects for
 * what it changes and keeps the rest), so a save checks again only the steps an edit made: validating all 5,000
 * steps of a large journal on every edit took most of main's time per edit. The rules across steps still run whole.
 */
const validatedSteps = new WeakMap<object, Step>();

const SavedStep = z.custom<Step>().transform((step: unknown, ctx): Step => {
  const key = typeof step === 'object' && step !== null ? step : null;
  const known = key && validatedSteps.get(key);
  if (known) return known;
  const parsed = Step.safeParse(step);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  }
  if (key) validatedSteps.set(key, parsed.data);
  return parsed.data;
});

/** The journal as a save checks it: the same schema, its steps checked once per step object. */
const SavedJournal = Journal.safeExtend({ steps: z.array(SavedStep) });

/** Parses JSON text into a current, valid journal, or throws a JournalFormatError that says what is wrong and where. */
export function parseJournal(text: string): Journal {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new JournalFormatError(`not valid JSON: ${(error as Error).message}`, 'invalid');
  }
  const migrated = migrateDocument(raw, journalMigrations, JOURNAL_SCHEMA_VERSION);
  const parsed = Journal.safeParse(migrated);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : '(root)';
    throw new JournalFormatError(`invalid at ${where}: ${issue.message}`, 'invalid');
  }
  return parsed.data;
}

/** Stable text for a journal: fixed key order (the schema's) and indentation, so diffs stay small. */
export function serializeJournal(journal: Journal): string {
  return JSON.stringify(SavedJournal.parse(journal), null, 2) + '\n';
}
