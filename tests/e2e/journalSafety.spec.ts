import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { addStep, cell, createJournal, runCommand } from './journalActions';

test.use({ viewport: { width: 1400, height: 900 } });

test('a queued command says what it waits for; deleting the step of the running command stops it first', async ({ page, app }) => {
  // The shell starts in the workspace.
  const marker = join(app.workspace, 'marker');
  const sleeper = 'echo started; sleep 30; touch marker';
  await page.goto(app.url);
  await createJournal(page, 'Running');
  await addStep(page, 'Sleeper');
  await runCommand(page, sleeper);
  await expect(cell(page, sleeper).getByLabel('Output')).toContainText('started');
  await addStep(page, 'Next');
  // While a command runs, Enter answers it; Ctrl+Enter queues a new one.
  await page.getByRole('textbox', { name: 'Command' }).fill('echo next');
  await page.getByRole('textbox', { name: 'Command' }).press('Control+Enter');

  const next = cell(page, 'echo next');
  await expect(next).toContainText('queued');
  await expect(next).toContainText(`waiting for \`${sleeper}\` in step 1`);
  await next.getByRole('button', { name: 'Go to step 1' }).click();
  await expect(page.getByRole('listitem', { name: 'Sleeper' })).toHaveAttribute('aria-current', 'step');

  await page.getByRole('button', { name: 'Delete step' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Stop the running command and delete?' });
  await confirm.getByRole('button', { name: 'Stop and delete' }).click();
  await expect(page.getByRole('listitem', { name: 'Sleeper' })).toHaveCount(0);
  await page.getByRole('listitem', { name: 'Next' }).click();
  await expect(cell(page, 'echo next')).toContainText('exit 0');
  // The deleted step's command was stopped, not left running out of sight.
  await expect(access(marker)).rejects.toThrow();
});

test('search finds text in a pasted attachment, moves with the arrow keys and marks the match; export bounds long output', async ({ page, app }) => {
  await page.goto(app.url);
  await createJournal(page, 'Fix: parse fails on empty input');
  await addStep(page, 'Reproduce');
  const panel = page.getByRole('region', { name: 'Attachments' }).or(page.getByRole('complementary', { name: 'Attachments' }));
  await panel.getByRole('button', { name: 'Attach' }).click();
  await panel.getByLabel('Attachment kind').selectOption('text');
  await panel.getByLabel('Title').fill('Ticket');
  await panel.getByLabel('Text').fill('TICKET-123: parseCsv("") throws on an empty .csv\nExpected: an empty table');
  await panel.getByRole('button', { name: 'Add attachment' }).click();
  await expect(panel.getByRole('listitem', { name: 'Ticket' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Notes' }).fill('## Repro\nticket-123 seen in CI');
  await runCommand(page, 'seq 1 100000');
  await expect(cell(page, 'seq 1 100000')).toContainText('exit 0', { timeout: 60_000 });
  await addStep(page, 'Fix');

  const search = page.getByRole('searchbox', { name: 'Search journal' });
  await search.fill('ticket-123');
  const results = page.getByRole('list', { name: 'Search results' });
  const hits = results.getByRole('button');
  await expect(hits).toHaveCount(2);
  await expect(hits.nth(0)).toContainText('Reproduce · notes');
  await expect(hits.nth(1)).toContainText('Reproduce · attachment');
  await expect(hits.nth(1).locator('mark')).toHaveText('TICKET-123');
  await expect(hits.nth(0)).toHaveAttribute('aria-current', 'true');
  await search.press('ArrowDown');
  await expect(hits.nth(1)).toHaveAttribute('aria-current', 'true');
  await search.press('Enter');
  await expect(results).toBeHidden();
  await expect(page.getByRole('listitem', { name: 'Reproduce' })).toHaveAttribute('aria-current', 'step');

  await page.getByRole('button', { name: 'Export' }).click();
  await expect(page.getByText(/Exported to .*\.steerway\/exports\//)).toBeVisible();
  const exports = join(app.workspace, '.steerway', 'exports');
  const [file] = await readdir(exports);
  const markdown = await readFile(join(exports, file!), 'utf8');
  expect(markdown.length).toBeLessThan(5_000);
  expect(markdown).toContain('$ seq 1 100000\n1\n2\n');
  expect(markdown).toContain('\n50\n… 99,900 lines omitted …\n99951\n');
  expect(markdown).toContain('\n100000\n');
  expect(markdown).toContain('## 1. [ ] Reproduce\n\n#### Repro\nticket-123 seen in CI');
  expect(markdown).toContain('TICKET-123: parseCsv("") throws on an empty .csv');
  expect(markdown).not.toContain('(current)');
});
