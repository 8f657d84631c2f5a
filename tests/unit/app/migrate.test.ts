import { describe, expect, it } from 'vitest';
import { JournalFormatError, migrateDocument, parseJournal, serializeJournal, type Migration } from '../../../app/journal/migrate';
import { JOURNAL_SCHEMA_VERSION, type Journal } from '../../../app/journal/schema';
import { sampleJournal } from './journalFixtures';

type Key = string | number;

/** The sample journal as JSON text, with the value at `path` replaced, to break it in one place. */
function withValue(path: Key[], value: unknown): string {
  const doc = JSON.parse(JSON.stringify(sampleJournal())) as Record<Key, unknown>;
  let target = doc;
  for (const key of path.slice(0, -1)) target = target[key] as Record<Key, unknown>;
  target[path[path.length - 1]!] = value;
  return JSON.stringify(doc);
}

function formatError(text: string): JournalFormatError {
  try {
    parseJournal(text);
  } catch (error) {
    expect(error).toBeInstanceOf(JournalFormatError);
    return error as JournalFormatError;
  }
  throw new Error('parseJournal accepted the text');
}

describe('parseJournal', () => {
  it('reads back what serializeJournal wrote', () => {
    expect(parseJournal(serializeJournal(sampleJournal()))).toEqual(sampleJournal());
  });

  it('rejects text that is not JSON', () => {
    const error = formatError('{"schemaVersion": 1, ');
    expect(error.kind).toBe('invalid');
    expect(error.message).toMatch(/^not valid JSON: /);
  });

  it('rejects a document without a usable schemaVersion', () => {
    for (const text of ['null', '[]', '"journal"', '{}', '{"schemaVersion": "1"}', '{"schemaVersion": 0}', '{"schemaVersion": 1.5}']) {
      const error = formatError(text);
      expect(error.kind, text).toBe('invalid');
      expect(error.message, text).toBe('missing or invalid schemaVersion');
    }
  });

  it('names the path of a field with the wrong type', () => {
    expect(formatError(withValue(['steps', 0, 'cells', 1, 'command'], 42)).message).toMatch(/^invalid at steps\.0\.cells\.1\.command: /);
    expect(formatError(withValue(['title'], '')).message).toMatch(/^invalid at title: /);
    expect(formatError(withValue(['steps', 1, 'status'], 'finished')).message).toMatch(/^invalid at steps\.1\.status: /);
    expect(formatError(withValue(['steps'], {})).message).toMatch(/^invalid at steps: /);
  });

  it('rejects an id used twice anywhere in the journal, naming where', () => {
    const cell = { id: 'c1', command: '', collapsed: false, lastRun: null };
    expect(formatError(withValue(['steps', 1, 'cells', 0], cell)).message).toBe('invalid at steps.1.cells.0.id: duplicate id c1');
    const attachment = { ...sampleJournal().steps[0]!.attachments[0]!, id: 's2' };
    expect(formatError(withValue(['steps', 1, 'attachments', 0], attachment)).message).toBe('invalid at steps.1.attachments.0.id: duplicate id s2');
  });

  it('rejects a current step that does not exist and an unsafe id', () => {
    expect(formatError(withValue(['currentStepId'], 'gone')).message).toBe('invalid at currentStepId: currentStepId names no step');
    expect(formatError(withValue(['steps', 0, 'cells', 0, 'id'], '../../etc')).message).toMatch(/^invalid at steps\.0\.cells\.0\.id: ids are letters/);
  });

  it('rejects a journal from a newer version as such, even if the rest is unreadable to this version', () => {
    const error = formatError(JSON.stringify({ schemaVersion: JOURNAL_SCHEMA_VERSION + 1, whatever: true }));
    expect(error.kind).toBe('newer-version');
    expect(error.message).toContain(`format version ${JOURNAL_SCHEMA_VERSION + 1}`);
  });
});

describe('migrateDocument', () => {
  // A synthetic history: v1 had `name`, v2 renamed it to `title`, v3 added `tags`.
  const migrations: Migration[] = [
    { from: 2, migrate: (doc) => ({ ...doc, tags: [] }) },
    { from: 1, migrate: ({ name, ...rest }) => ({ ...rest, title: name }) },
  ];

  it('runs every migration from the document version up to the target, in order', () => {
    expect(migrateDocument({ schemaVersion: 1, name: 'Old' }, migrations, 3)).toEqual({ schemaVersion: 3, title: 'Old', tags: [] });
    expect(migrateDocument({ schemaVersion: 2, title: 'Mid' }, migrations, 3)).toEqual({ schemaVersion: 3, title: 'Mid', tags: [] });
  });

  it('sets each version itself, whatever a migration returns', () => {
    const careless: Migration[] = [{ from: 1, migrate: (doc) => ({ ...doc, schemaVersion: 99 }) }];
    expect(migrateDocument({ schemaVersion: 1 }, careless, 2)).toEqual({ schemaVersion: 2 });
  });

  it('leaves a current document as it is, and does not modify its input', () => {
    const input = Object.freeze({ schemaVersion: 1, name: 'Old' });
    expect(migrateDocument(input, migrations, 1)).toEqual({ schemaVersion: 1, name: 'Old' });
    expect(migrateDocument(input, migrations, 3)).toEqual({ schemaVersion: 3, title: 'Old', tags: [] });
  });

  it('rejects a newer document, and a gap in the chain', () => {
    expect(() => migrateDocument({ schemaVersion: 4 }, migrations, 3)).toThrow(
      new JournalFormatError('written by a newer Steerway (format version 4, this version reads up to 3)', 'newer-version'),
    );
    const gap = [migrations[1]!];
    expect(() => migrateDocument({ schemaVersion: 1, name: 'x' }, gap, 3)).toThrow('no migration from format version 2');
  });
});

describe('serializeJournal', () => {
  /** The same value with every object's keys in reverse order. */
  function reverseKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(reverseKeys);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
    }
    return value;
  }

  it('writes 2-space indented JSON in the schema key order, ending with a newline', () => {
    const text = serializeJournal(sampleJournal());
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n').slice(0, 7)).toEqual([
      '{',
      `  "schemaVersion": ${JOURNAL_SCHEMA_VERSION},`,
      '  "id": "j1",',
      '  "title": "Deploy the thing",',
      '  "createdAt": "2025-01-02T03:04:05.000Z",',
      '  "currentStepId": "s1",',
      '  "steps": [',
    ]);
  });

  it('gives the same text for the same journal, whatever order its keys were built in', () => {
    const reordered = reverseKeys(sampleJournal()) as Journal;
    expect(Object.keys(reordered)[0]).toBe('steps');
    expect(serializeJournal(reordered)).toBe(serializeJournal(sampleJournal()));
    expect(serializeJournal(sampleJournal())).toBe(serializeJournal(parseJournal(serializeJournal(sampleJournal()))));
  });

  it('drops keys the schema does not know and refuses an invalid journal', () => {
    const extra = { ...sampleJournal(), secret: 'x' } as Journal;
    expect(serializeJournal(extra)).toBe(serializeJournal(sampleJournal()));
    expect(() => serializeJournal({ ...sampleJournal(), currentStepId: 'gone' })).toThrow();
  });
});
