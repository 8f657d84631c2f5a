import type { Page } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_NOTES_CHARS } from '../../app/journal/schema';
import { expect, test } from './fixtures';
import { addStep, cell, createJournal, runCommand } from './journalActions';

test.use({ viewport: { width: 1400, height: 900 } });

const tabs = (page: Page) => page.getByRole('tablist', { name: 'Open files' });
const editorText = (page: Page) => page.locator('.monaco-editor .view-lines');
const notes = (page: Page) => page.getByRole('textbox', { name: 'Notes' });

/** Accepts the "leave site?" prompt of the next navigation and resolves with whether there was one. */
function acceptLeavePrompt(page: Page): () => boolean {
  let asked = false;
  page.once('dialog', (dialog) => {
    asked = dialog.type() === 'beforeunload';
    void dialog.accept();
  });
  return () => asked;
}

test('hot exit: a dirty tab asks before a reload and comes back dirty with its text, after a reload and after a restart', async ({ page, app }) => {
  await writeFile(join(app.workspace, 'parser.ts'), 'export const parse = 1;\n');
  await page.goto(app.url);
  await createJournal(page, 'Hot exit');
  await page.getByRole('tree', { name: 'Files' }).getByRole('treeitem', { name: 'parser.ts' }).click();
  await expect(editorText(page)).toContainText('export const parse');
  await editorText(page).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('// unsaved line');
  const tab = tabs(page).getByRole('tab', { name: 'parser.ts' });
  await expect(tab).toHaveAccessibleDescription('Modified');

  // One more key and a reload at once, before the buffer's pause: the prompt comes, and the page sends the edit as it goes.
  const asked = acceptLeavePrompt(page);
  await page.keyboard.type('!');
  await page.reload();
  expect(asked()).toBe(true);
  await expect(page.getByRole('status').filter({ hasText: 'Restored unsaved changes to parser.ts' })).toBeVisible();
  await expect(tab).toHaveAccessibleDescription('Modified');
  await expect(editorText(page)).toContainText('// unsaved line!');

  // Quit, and the file changes on disk meanwhile: the edits come back, and the tab says the file changed.
  await writeFile(join(app.workspace, 'parser.ts'), 'export const parse = 2;\n');
  page.once('dialog', (dialog) => void dialog.accept());
  await page.goto(await app.restart());
  await expect(page.getByRole('status').filter({ hasText: 'parser.ts changed on disk since' })).toBeVisible();
  await expect(tab).toHaveAccessibleDescription('Modified');
  await expect(editorText(page)).toContainText('// unsaved line!');
  await expect(page.getByText('parser.ts changed on disk. Your edits are kept.')).toBeVisible();
});

test('notes typed just before a reload are kept; a paste over the limit is refused with a message and loses nothing', async ({ page, app }) => {
  await page.goto(app.url);
  await createJournal(page, 'Notes');
  await addStep(page, 'Write it down');
  await notes(page).click();
  await page.keyboard.type('typed right before the reload');
  await page.reload();
  await expect(notes(page)).toHaveValue('typed right before the reload');

  // A paste of one character too many, as the browser delivers it: refused before the textarea takes it.
  await notes(page).click();
  const taken = await notes(page).evaluate((area, length) => {
    const data = new DataTransfer();
    data.setData('text/plain', 'x'.repeat(length));
    return area.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, MAX_NOTES_CHARS);
  expect(taken).toBe(false);
  await expect(page.getByRole('alert').filter({ hasText: 'over the limit of 1,000,000' })).toContainText('Your notes are unchanged');
  await expect(notes(page)).toHaveValue('typed right before the reload');
  await page.reload();
  await expect(notes(page)).toHaveValue('typed right before the reload');
});

test('Delete cell and Remove attachment can be undone: the cell keeps its output, the attachment its text', async ({ page, app }) => {
  await page.goto(app.url);
  await createJournal(page, 'Undo');
  await addStep(page, 'Try things');
  await runCommand(page, 'echo kept-output');
  await expect(cell(page, 'echo kept-output')).toContainText('exit 0');
  await expect(cell(page, 'echo kept-output').getByLabel('Output')).toContainText('kept-output');

  await cell(page, 'echo kept-output').getByRole('button', { name: 'Delete cell' }).click();
  await expect(cell(page, 'echo kept-output')).toHaveCount(0);
  const toast = page.getByRole('status').filter({ hasText: 'Cell deleted' });
  await toast.getByRole('button', { name: 'Undo' }).click();
  await expect(cell(page, 'echo kept-output')).toContainText('exit 0');
  await expect(cell(page, 'echo kept-output').getByLabel('Output')).toContainText('kept-output');
  // Read again from main's stored output, not this page's copy.
  await page.reload();
  await expect(cell(page, 'echo kept-output').getByLabel('Output')).toContainText('kept-output');

  const panel = page.getByRole('region', { name: 'Attachments' }).or(page.getByRole('complementary', { name: 'Attachments' }));
  await panel.getByRole('button', { name: 'Attach' }).click();
  await panel.getByLabel('Attachment kind').selectOption('text');
  await panel.getByLabel('Title').fill('TICKET-7');
  await panel.getByLabel('Text').fill('Steps to reproduce the crash.');
  await panel.getByRole('button', { name: 'Add attachment' }).click();
  const item = panel.getByRole('listitem', { name: 'TICKET-7' });
  await item.getByRole('button', { name: 'Remove' }).click();
  await expect(item).toHaveCount(0);
  await page.getByRole('status').filter({ hasText: 'Attachment removed' }).getByRole('button', { name: 'Undo' }).click();
  await item.getByRole('button', { name: 'Open' }).click();
  await expect(page.getByRole('dialog')).toContainText('Steps to reproduce the crash.');
});
