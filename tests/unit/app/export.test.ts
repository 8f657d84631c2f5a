import { describe, expect, it } from 'vitest';
import { exportJournalMarkdown } from '../../../app/journal/export';
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
        '## 1. [~] Build (current)',
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
});
