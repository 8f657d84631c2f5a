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
    expect(searchJournal(sampleJournal(), 'build', outputOf)).toEqual([
      { stepId: 's1', stepTitle: 'Build', field: 'title', cellId: null, snippet: 'Build', line: 1 },
      { stepId: 's1', stepTitle: 'Build', field: 'notes', cellId: null, snippet: 'Run the build', line: 1 },
      { stepId: 's1', stepTitle: 'Build', field: 'command', cellId: 'c1', snippet: 'npm run build', line: 1 },
      { stepId: 's1', stepTitle: 'Build', field: 'output', cellId: 'c1', snippet: 'Build OK', line: 1 },
      { stepId: 's1', stepTitle: 'Build', field: 'output', cellId: 'c2', snippet: 'build.log', line: 2 },
    ]);
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
