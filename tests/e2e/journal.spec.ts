import type { Page } from '@playwright/test';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { addStep, cell, createJournal, runCommand } from './journalActions';

const stepTitles = (page: Page) => page.getByRole('list', { name: 'Steps' }).getByRole('listitem').evaluateAll((items) => items.map((item) => item.getAttribute('aria-label')));

test('a journal from scratch: steps, notes, cells, reload, reorder, search', async ({ page, app }) => {
  await page.goto(app.url);
  await createJournal(page, 'Fix the parser');

  await addStep(page, 'Reproduce the bug');
  await expect(page.getByRole('listitem', { name: 'Reproduce the bug' })).toHaveAttribute('aria-current', 'step');
  await page.getByRole('textbox', { name: 'Notes' }).fill('# Plan\n\nRun the **failing** test. <img src=x onerror="window.pwned=1">');
  const preview = page.getByRole('region', { name: 'Notes preview' });
  await expect(preview.getByRole('heading', { name: 'Plan' })).toBeVisible();
  await expect(preview).toContainText('<img src=x');
  await expect(preview.locator('img')).toHaveCount(0);

  await runCommand(page, 'echo hello-steerway');
  await expect(cell(page, 'echo hello-steerway').getByLabel('Output')).toContainText('hello-steerway');
  await expect(cell(page, 'echo hello-steerway')).toContainText('exit 0');

  await runCommand(page, "sh -c 'echo oops >&2; exit 3'");
  await expect(cell(page, "sh -c 'echo oops >&2; exit 3'").getByLabel('Output')).toContainText('oops');
  await expect(cell(page, "sh -c 'echo oops >&2; exit 3'")).toContainText('exit 3');

  await addStep(page, 'Write a regression test');
  expect(await stepTitles(page)).toEqual(['Reproduce the bug', 'Write a regression test']);

  await page.reload();
  await expect(page.getByRole('listitem', { name: 'Write a regression test' })).toBeVisible();
  expect(await stepTitles(page)).toEqual(['Reproduce the bug', 'Write a regression test']);
  await page.getByRole('listitem', { name: 'Reproduce the bug' }).click();
  await expect(page.getByRole('textbox', { name: 'Notes' })).toHaveValue(/Run the \*\*failing\*\* test/);
  await expect(cell(page, 'echo hello-steerway').getByLabel('Output')).toContainText('hello-steerway');
  await expect(cell(page, "sh -c 'echo oops >&2; exit 3'")).toContainText('exit 3');

  // Keyboard reorder, then it survives another reload.
  await page.getByRole('listitem', { name: 'Write a regression test' }).focus();
  await page.keyboard.press('Alt+ArrowUp');
  await expect.poll(() => stepTitles(page)).toEqual(['Write a regression test', 'Reproduce the bug']);
  await page.reload();
  await expect.poll(() => stepTitles(page)).toEqual(['Write a regression test', 'Reproduce the bug']);

  await page.getByRole('searchbox', { name: 'Search journal' }).fill('hello-steerway');
  const results = page.getByRole('list', { name: 'Search results' });
  await expect(results).toContainText('hello-steerway');
  await page.getByRole('searchbox', { name: 'Search journal' }).fill('regression');
  await expect(results).toContainText('Write a regression test');
  expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
});

test('the shell persists between cells; stdin is answered in the cell; Ctrl+C interrupts', async ({ page, app }) => {
  await page.goto(app.url);
  await createJournal(page, 'Shell');
  await addStep(page, 'Try the shell');

  await runCommand(page, 'cd /tmp && export GREETING=persisted');
  await expect(cell(page, 'cd /tmp && export GREETING=persisted')).toContainText('exit 0');
  await runCommand(page, 'echo "$GREETING in $(pwd)"');
  await expect(cell(page, 'echo "$GREETING in $(pwd)"').getByLabel('Output')).toContainText('persisted in /tmp');

  await runCommand(page, 'read answer; echo "got:$answer"');
  const reader = cell(page, 'read answer; echo "got:$answer"');
  await expect(reader).toContainText('running');
  await reader.getByLabel('Output').click();
  await page.keyboard.type('forty-two');
  await page.keyboard.press('Enter');
  await expect(reader.getByLabel('Output')).toContainText('got:forty-two');
  await expect(reader).toContainText('exit 0');

  await runCommand(page, 'sleep 30');
  const sleeper = cell(page, 'sleep 30');
  await expect(sleeper).toContainText('running');
  await sleeper.getByRole('button', { name: 'Interrupt' }).click();
  await expect(sleeper).toContainText('interrupted', { timeout: 5_000 });

  await runCommand(page, 'echo still-alive');
  await expect(cell(page, 'echo still-alive').getByLabel('Output')).toContainText('still-alive');
});

test('100k lines of output stream, are kept whole, and come back after a reload', async ({ page, app }) => {
  await page.goto(app.url);
  await createJournal(page, 'Long output');
  await addStep(page, 'Flood');
  await runCommand(page, 'seq 1 100000');
  const flood = cell(page, 'seq 1 100000');
  await expect(flood).toContainText('exit 0', { timeout: 30_000 });
  await expect(flood.getByLabel('Output')).toContainText('100000');
  // The page stays responsive: the next cell runs and shows its output.
  await runCommand(page, 'echo after-flood');
  await expect(cell(page, 'echo after-flood').getByLabel('Output')).toContainText('after-flood');
  const { readdir, readFile } = await import('node:fs/promises');
  const [journalId] = await readdir(join(app.workspace, '.steerway', 'journals'));
  const outputs = join(app.workspace, '.steerway', 'journals', journalId!, 'outputs');
  const logs = (await readdir(outputs)).filter((name) => name.endsWith('.log'));
  const stored = await Promise.all(logs.map((name) => readFile(join(outputs, name), 'utf8')));
  const lines = stored.find((text) => text.includes('99999'))!.split('\r\n').filter(Boolean);
  expect(lines.length).toBe(100_000);
  expect(lines.at(-1)).toBe('100000');
  await page.reload();
  await expect(cell(page, 'seq 1 100000').getByLabel('Output')).toContainText('100000', { timeout: 30_000 });
});

test('delete a step and undo it', async ({ page, app }) => {
  await page.goto(app.url);
  await createJournal(page, 'Undo');
  await addStep(page, 'First');
  await addStep(page, 'Second');
  await page.getByRole('listitem', { name: 'First' }).click();
  await page.getByRole('button', { name: 'Delete step' }).click();
  await expect(page.getByRole('listitem', { name: 'First' })).toHaveCount(0);
  await page.getByRole('status').getByRole('button', { name: 'Undo' }).click();
  await expect.poll(() => stepTitles(page)).toEqual(['First', 'Second']);
});

const foreignJournal = {
  schemaVersion: 1,
  id: 'from-a-clone',
  title: 'Cloned journal',
  createdAt: '2026-01-01T00:00:00.000Z',
  currentStepId: 'step-1',
  steps: [{
    id: 'step-1', title: 'Imported step', status: 'todo', notes: '',
    cells: [{ id: 'cell-1', command: 'touch pwned-by-journal', collapsed: false, lastRun: null }],
    attachments: [],
  }],
};

test('a journal from elsewhere runs nothing until trusted; a broken one is reported and the rest works', async ({ page, app }) => {
  const journals = join(app.workspace, '.steerway', 'journals');
  await mkdir(join(journals, 'from-a-clone'), { recursive: true });
  await writeFile(join(journals, 'from-a-clone', 'journal.json'), JSON.stringify(foreignJournal, null, 2));
  await mkdir(join(journals, 'broken'), { recursive: true });
  await writeFile(join(journals, 'broken', 'journal.json'), '{"schemaVersion": 1, "id": "broken", "title": ');
  await page.goto(await app.restart());

  await expect(page.getByText(/broken.*journal\.json/).first()).toBeVisible();
  await page.getByLabel('Journal').selectOption({ label: 'Cloned journal' });
  await expect(page.getByRole('alert').filter({ hasText: /untrusted/i })).toBeVisible();
  const imported = cell(page, 'touch pwned-by-journal');
  await expect(imported).toBeVisible();
  await imported.getByRole('button', { name: 'Re-run' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /trust/i }).first()).toBeVisible();
  const { existsSync } = await import('node:fs');
  expect(existsSync(join(app.workspace, 'pwned-by-journal'))).toBe(false);

  await page.getByRole('button', { name: 'Trust this journal' }).click();
  await expect(page.getByRole('alert').filter({ hasText: /untrusted/i })).toHaveCount(0);
  await imported.getByRole('button', { name: 'Re-run' }).click();
  await expect(imported).toContainText('exit 0');
  expect(existsSync(join(app.workspace, 'pwned-by-journal'))).toBe(true);
});

test('attachments: pasted text and a workspace file are listed and viewable; export writes one Markdown file', async ({ page, app }) => {
  await writeFile(join(app.workspace, 'parser.ts'), 'export function parse(input: string) { return input.trim(); }\n');
  await page.goto(app.url);
  await createJournal(page, 'Attach');
  await addStep(page, 'Read the ticket');
  const panel = page.getByRole('region', { name: 'Attachments' }).or(page.getByRole('complementary', { name: 'Attachments' }));

  await panel.getByRole('button', { name: 'Attach' }).click();
  await panel.getByLabel('Attachment kind').selectOption('text');
  await panel.getByLabel('Title').fill('TICKET-42');
  await panel.getByLabel('Text').fill('The parser drops trailing whitespace.');
  await panel.getByRole('button', { name: 'Add attachment' }).click();
  await expect(panel.getByRole('listitem', { name: 'TICKET-42' })).toBeVisible();

  await panel.getByRole('button', { name: 'Attach' }).click();
  await panel.getByLabel('Attachment kind').selectOption('workspace-file');
  await panel.getByLabel('Path').fill('parser.ts');
  await panel.getByRole('button', { name: 'Add attachment' }).click();
  await expect(panel.getByRole('listitem', { name: 'parser.ts' })).toBeVisible();

  await panel.getByRole('listitem', { name: 'TICKET-42' }).getByRole('button', { name: 'Open' }).click();
  await expect(page.getByRole('dialog')).toContainText('The parser drops trailing whitespace.');
  await page.keyboard.press('Escape');

  await page.reload();
  await expect(panel.getByRole('listitem', { name: 'parser.ts' })).toBeVisible();
  await runCommand(page, 'echo exported-output');
  await expect(cell(page, 'echo exported-output')).toContainText('exit 0');
  await page.getByRole('button', { name: 'Export' }).click();
  await expect(page.getByText(/\.steerway\/exports\/attach\.md/)).toBeVisible();
  const { readFile } = await import('node:fs/promises');
  const markdown = await readFile(join(app.workspace, '.steerway', 'exports', 'attach.md'), 'utf8');
  expect(markdown).toContain('# Attach');
  expect(markdown).toContain('$ echo exported-output\nexported-output');
  expect(markdown).toContain('text: TICKET-42');
});
