import { describe, expect, it } from 'vitest';
import { exportJournalMarkdown, headAndTail, nestHeadings } from '../../../app/journal/export';
import { sampleJournal, run } from './journalFixtures';

describe('exportJournalMarkdown', () => {
  it('writes steps with their status, notes, commands, outputs, runs and attachments', () => {
    const journal = sampleJournal();
    journal.steps[1]!.status = 'done';
    const markdown = exportJournalMarkdown(journal, (id) => (id === 'c1' ? '\x1b[32mBuild OK\x1b[0m\r\n\r\n' : null));
    expect(markdown).toBe(
      [
        '# Deploy the thing',
        '',
        '## 1. [~] Build',
        '',
        'Run the build\nthen check the logs',
        '',
        '```console',
        '$ npm run build\nBuild OK',
        '```',
        '<sub>exit 0, 1.50 s, in `/work`</sub>',
        '',
        '```console',
        '$ ls -la',
        '```',
        '',
        'Attachments:',
        '',
        '- text: Note a1',
        '',
        '## 2. [x] Ship',
        '',
      ].join('\n'),
    );
  });

  it('marks todo steps and untitled steps', () => {
    const journal = sampleJournal();
    journal.steps[1]!.title = '';
    expect(exportJournalMarkdown(journal, () => null)).toContain('## 2. [ ] Untitled step\n');
  });

  it('fences output with more backticks than it contains', () => {
    const journal = sampleJournal();
    const markdown = exportJournalMarkdown(journal, (id) => (id === 'c1' ? 'here is ```` a fence\n' : null));
    expect(markdown).toContain('`````console\n$ npm run build\nhere is ```` a fence\n`````\n');
  });

  it('says when a run was interrupted or did not finish', () => {
    const journal = sampleJournal();
    journal.steps[0]!.cells[0]!.lastRun = run({ exitCode: null, durationMs: null, interrupted: true, cwd: null });
    journal.steps[0]!.cells[1]!.lastRun = run({ exitCode: null, durationMs: null, interrupted: false, cwd: null });
    const markdown = exportJournalMarkdown(journal, () => null);
    expect(markdown).toContain('<sub>interrupted</sub>');
    expect(markdown).toContain('<sub>did not finish</sub>');
  });

  it('shows an attachment source when there is one', () => {
    const journal = sampleJournal();
    journal.steps[0]!.attachments[0] = { ...journal.steps[0]!.attachments[0]!, kind: 'url', title: 'Docs', source: 'https://example.com' };
    expect(exportJournalMarkdown(journal, () => null)).toContain('- url: Docs (https://example.com)\n');
  });

  it('keeps the first and last 50 lines of a long output, with a marker saying how many are left out', () => {
    const journal = sampleJournal();
    const seq = Array.from({ length: 100_000 }, (_, i) => `${i + 1}`).join('\n') + '\n';
    const markdown = exportJournalMarkdown(journal, (id) => (id === 'c1' ? seq : null));
    const lines = markdown.split('\n');
    const start = lines.indexOf('$ npm run build');
    expect(lines.slice(start + 1, start + 3)).toEqual(['1', '2']);
    expect(lines[start + 50]).toBe('50');
    expect(lines[start + 51]).toBe('… 99,900 lines omitted …');
    expect(lines[start + 52]).toBe('99951');
    expect(lines[start + 101]).toBe('100000');
    expect(markdown.length).toBeLessThan(2_000);
  });

  it('keeps a short output whole (leaving out one line would save nothing)', () => {
    const text = Array.from({ length: 101 }, (_, i) => `${i}`).join('\n');
    expect(headAndTail(text)).toBe(text);
    expect(headAndTail(`${text}\nx`)).toContain('… 2 lines omitted …');
  });

  it('nests note headings under the step heading, leaving code blocks alone', () => {
    const journal = sampleJournal();
    journal.steps[0]!.notes = '## Repro\ntext\n```sh\n# a comment\n```\n# Top\n###### Deep\n#nospace';
    const markdown = exportJournalMarkdown(journal, () => null);
    expect(markdown).toContain('#### Repro\ntext\n```sh\n# a comment\n```\n### Top\n###### Deep\n#nospace');
    expect(nestHeadings('~~~\n# in\n~~~\n# out', 2)).toBe('~~~\n# in\n~~~\n### out');
  });

  it('includes pasted text attachments, bounded, and not other kinds', () => {
    const journal = sampleJournal();
    journal.steps[0]!.attachments.push({ ...journal.steps[0]!.attachments[0]!, id: 'a2', kind: 'workspace-file', title: 'x.ts', source: 'x.ts' });
    const long = Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n');
    const texts: Record<string, string> = { a1: 'TICKET-123: parse fails on empty .csv\n\nSteps: ...', a2: 'secret file text' };
    const markdown = exportJournalMarkdown(journal, () => null, (id) => texts[id] ?? null);
    expect(markdown).toContain('- text: Note a1\n\n  ```text\n  TICKET-123: parse fails on empty .csv\n\n  Steps: ...\n  ```\n');
    expect(markdown).not.toContain('secret file text');
    const bounded = exportJournalMarkdown(journal, () => null, (id) => (id === 'a1' ? long : null));
    expect(bounded).toContain('  … 400 lines omitted …');
    expect(bounded).not.toContain('line 200\n');
  });

  it('shows spinner residue and carriage-return overwrites as the final line text', () => {
    const journal = sampleJournal();
    const markdown = exportJournalMarkdown(journal, (id) => (id === 'c1' ? '⠙\r\x1b[K⠹\r\x1b[K\r\nup to date\r\n50%\r100%\r\n' : null));
    expect(markdown).toContain('$ npm run build\n\nup to date\n100%\n```');
    expect(markdown).not.toContain('⠙');
  });

  it('says interrupted for an interrupted run even when the shell reported an exit code', () => {
    const journal = sampleJournal();
    journal.steps[0]!.cells[0]!.lastRun = run({ exitCode: 130, interrupted: true });
    expect(exportJournalMarkdown(journal, () => null)).toContain('<sub>interrupted, 1.50 s, in `/work`</sub>');
  });
});
