import { describe, expect, it } from 'vitest';
import { applyEdit, JournalEditError } from '../../../app/journal/edits';
import { parseJournal, serializeJournal } from '../../../app/journal/migrate';
import { Journal, JOURNAL_SCHEMA_VERSION } from '../../../app/journal/schema';
import { attachment, sampleJournal } from './journalFixtures';

const version1 = {
  schemaVersion: 1,
  id: 'j1',
  title: 'Written by version 1',
  createdAt: '2026-01-01T00:00:00.000Z',
  currentStepId: 's1',
  steps: [{ id: 's1', title: 'One', status: 'todo', notes: 'n', cells: [], attachments: [] }],
};

describe('journal format version 2: pinned attachments and library docs', () => {
  it('reads a version 1 journal, giving every step an empty pin list, and writes it as the current version', () => {
    const journal = parseJournal(JSON.stringify(version1));
    expect(journal.steps[0]!.pinnedAttachmentIds).toEqual([]);
    expect(JSON.parse(serializeJournal(journal)).schemaVersion).toBe(JOURNAL_SCHEMA_VERSION);
    expect(JOURNAL_SCHEMA_VERSION).toBe(2);
  });

  it('accepts package-docs attachments', () => {
    const journal = sampleJournal();
    journal.steps[1]!.attachments.push(attachment('a2', { kind: 'package-docs', title: 'zod docs', source: 'zod' }));
    expect(Journal.safeParse(journal).success).toBe(true);
  });

  it('pins an attachment of an earlier step, once, and unpins it', () => {
    const pinned = applyEdit(sampleJournal(), { type: 'pinAttachment', stepId: 's2', attachmentId: 'a1' });
    expect(pinned.steps[1]!.pinnedAttachmentIds).toEqual(['a1']);
    expect(applyEdit(pinned, { type: 'pinAttachment', stepId: 's2', attachmentId: 'a1' }).steps[1]!.pinnedAttachmentIds).toEqual(['a1']);
    expect(applyEdit(pinned, { type: 'unpinAttachment', stepId: 's2', attachmentId: 'a1' }).steps[1]!.pinnedAttachmentIds).toEqual([]);
  });

  it('refuses to pin a step’s own attachment, a later step’s, or an unknown one', () => {
    expect(() => applyEdit(sampleJournal(), { type: 'pinAttachment', stepId: 's1', attachmentId: 'a1' })).toThrow(JournalEditError);
    expect(() => applyEdit(sampleJournal(), { type: 'pinAttachment', stepId: 's2', attachmentId: 'nope' })).toThrow(/no attachment/);
  });

  it('drops pins when the attachment or its step goes, so no pin points at nothing', () => {
    const pinned = applyEdit(sampleJournal(), { type: 'pinAttachment', stepId: 's2', attachmentId: 'a1' });
    const removed = applyEdit(pinned, { type: 'removeAttachment', attachmentId: 'a1' });
    expect(removed.steps[1]!.pinnedAttachmentIds).toEqual([]);
    const deleted = applyEdit(pinned, { type: 'deleteStep', stepId: 's1' });
    expect(deleted.steps[0]!.pinnedAttachmentIds).toEqual([]);
    expect(Journal.safeParse(deleted).success).toBe(true);
  });

  it('rejects a stored pin that names no attachment', () => {
    const broken = { ...version1, schemaVersion: 2, steps: [{ ...version1.steps[0], pinnedAttachmentIds: ['ghost'] }] };
    expect(() => parseJournal(JSON.stringify(broken))).toThrow(/pinnedAttachmentIds.*unknown attachment ghost/);
  });
});
