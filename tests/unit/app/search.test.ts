import { describe, expect, it } from 'vitest';
import { searchJournal } from '../../../app/journal/search';
import { sampleJournal } from './journalFixtures';

const outputs: Record<string, string> = {
  c1: '\x1b[32mBuild OK\x1b[0m\r\nwrote dist/Logs.txt\r\n',
  c2: 'total 0\nbuild.log\n',
};
const outputOf = (cellId: string) => outputs[cellId] ?? null;

describe('searchJournal', () => {
  it('finds matches in titles, notes, commands and outputs, in journal order', () => {
    const none = { cellId: null, attachmentId: null, matchLength: 5 };
    expect(searchJournal(sampleJournal(), 'build', outputOf)).toEqual([
      { stepId: 's1', stepTitle: 'Build', field: 'title', ...none, snippet: 'Build', matchStart: 0, line: 1 },
      { stepId: 's1', stepTitle: 'Build', field: 'notes', ...none, snippet: 'Run the build', matchStart: 8, line: 1 },
      { stepId: 's1', stepTitle: 'Build', field: 'command', ...none, cellId: 'c1', snippet: 'npm run build', matchStart: 8, line: 1 },
      { stepId: 's1', stepTitle: 'Build', field: 'output', ...none, cellId: 'c1', snippet: 'Build OK', matchStart: 0, line: 1 },
      { stepId: 's1', stepTitle: 'Build', field: 'output', ...none, cellId: 'c2', snippet: 'build.log', matchStart: 0, line: 2 },
    ]);
  });

  it('finds text in attachments the caller can read, and says which attachment', () => {
    const texts: Record<string, string> = { a1: 'Ticket\r\nTICKET-123: parse fails on empty .csv' };
    const hits = searchJournal(sampleJournal(), 'ticket-123', outputOf, (id) => texts[id] ?? null);
    expect(hits).toEqual([
      { stepId: 's1', stepTitle: 'Build', field: 'attachment', cellId: null, attachmentId: 'a1', snippet: 'TICKET-123: parse fails on empty .csv', matchStart: 0, matchLength: 10, line: 2 },
    ]);
    expect(searchJournal(sampleJournal(), 'ticket-123', outputOf)).toEqual([]);
  });

  it('gives where the match is in the snippet, after trimming and the leading ellipsis', () => {
    const journal = sampleJournal();
    journal.steps[1]!.notes = `   spaced Needle`;
    const [spaced] = searchJournal(journal, 'needle', () => null);
    expect(spaced!.snippet.slice(spaced!.matchStart, spaced!.matchStart + spaced!.matchLength)).toBe('Needle');
    journal.steps[1]!.notes = `${'a'.repeat(100)}   NEEDLE`;
    const [far] = searchJournal(journal, 'needle', () => null);
    expect(far!.snippet.slice(far!.matchStart, far!.matchStart + far!.matchLength)).toBe('NEEDLE');
    journal.steps[1]!.notes = 'İstanbul needle';
    const [turkish] = searchJournal(journal, 'needle', () => null);
    expect(turkish!.snippet.slice(turkish!.matchStart, turkish!.matchStart + 6)).toBe('needle');
  });

  it('is case-insensitive, ignores surrounding spaces, and numbers lines from 1', () => {
    const hits = searchJournal(sampleJournal(), '  LOGS ', outputOf);
    expect(hits.map((h) => [h.field, h.line, h.snippet])).toEqual([
      ['notes', 2, 'then check the logs'],
      ['output', 2, 'wrote dist/Logs.txt'],
    ]);
  });

  it('searches output as plain text, without escape sequences', () => {
    expect(searchJournal(sampleJournal(), '[32m', outputOf)).toEqual([]);
  });

  it('returns nothing for an empty query', () => {
    expect(searchJournal(sampleJournal(), '   ', outputOf)).toEqual([]);
  });

  it('trims a long line to a snippet around the match', () => {
    const journal = sampleJournal();
    journal.steps[1]!.notes = `${'a'.repeat(200)} needle ${'b'.repeat(200)}`;
    const [hit] = searchJournal(journal, 'needle', () => null);
    expect(hit!.snippet).toBe(`…${'a'.repeat(59)} needle ${'b'.repeat(59)}…`);
  });

  it('stops at 200 hits', () => {
    const journal = sampleJournal();
    journal.steps[1]!.notes = 'x\n'.repeat(500);
    expect(searchJournal(journal, 'x', () => null)).toHaveLength(200);
  });
});
