import type { Page } from '@playwright/test';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { addStep, cell, createJournal, runCommand } from './journalActions';

test.use({ viewport: { width: 1400, height: 900 } });

const palette = (page: Page) => page.getByRole('dialog', { name: 'Command palette' });
const commandBox = (page: Page) => page.getByRole('textbox', { name: 'Command' });
const tabs = (page: Page) => page.getByRole('tablist', { name: 'Open files' });
const attachments = (page: Page) => page.getByRole('complementary', { name: 'Attachments' });

test('command palette lists every action with its keys; the new keys; ↑/↓ history; double-click rename', async ({ page, app }) => {
  await page.goto(app.url);
  await createJournal(page, 'Habits');
  await addStep(page, 'First');

  // Ctrl+Shift+P from the page: every action, each with its shortcut; letters filter; Enter runs.
  await page.getByRole('listitem', { name: 'First' }).focus();
  await page.keyboard.press('Control+Shift+P');
  await expect(palette(page)).toBeVisible();
  for (const name of [
    'Add a step (Alt+N)',
    'Run the selected cell (Alt+Enter)',
    'Focus the command box (Ctrl+`)',
    'Search the journal (Ctrl+Shift+F)',
    'Go to file (quick open) (Ctrl+P)',
    'Save the file (Ctrl+S)',
    'Open models',
    'Export the journal as Markdown',
    'Show or hide attachments',
    'Show all commands (Ctrl+Shift+P or F1)',
  ]) {
    await expect(palette(page).getByRole('option', { name, exact: true })).toHaveCount(1);
  }
  await page.keyboard.type('focus cmd');
  await expect(palette(page).getByRole('option').first()).toHaveAccessibleName('Focus the command box (Ctrl+`)');
  await page.keyboard.press('Enter');
  await expect(palette(page)).toBeHidden();
  await expect(commandBox(page)).toBeFocused();

  // F1 outside Monaco opens it too; arrows move; Escape closes and gives focus back.
  await page.keyboard.press('F1');
  await expect(palette(page)).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await expect(palette(page).getByRole('option').nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Escape');
  await expect(palette(page)).toBeHidden();
  await expect(commandBox(page)).toBeFocused();

  // History: ↑ in the box recalls this journal's commands, newest first; ↓ comes back to the draft.
  await runCommand(page, 'echo one');
  await expect(cell(page, 'echo one')).toContainText('exit 0');
  await runCommand(page, 'echo two');
  await expect(cell(page, 'echo two')).toContainText('exit 0');
  await commandBox(page).fill('draft');
  await commandBox(page).press('ArrowUp');
  await expect(commandBox(page)).toHaveValue('echo two');
  await commandBox(page).press('ArrowUp');
  await expect(commandBox(page)).toHaveValue('echo one');
  await commandBox(page).press('ArrowDown');
  await commandBox(page).press('ArrowDown');
  await expect(commandBox(page)).toHaveValue('draft');
  await commandBox(page).fill('');

  // Alt+Enter runs the selected (focused) cell again; Ctrl+` comes back to the box; Alt+N adds a step.
  const counting = 'echo r >> runs.txt; echo "runs=$(wc -l < runs.txt)"';
  await runCommand(page, counting);
  const counter = cell(page, counting);
  await expect(counter.getByLabel('Output')).toContainText('runs=1');
  await counter.locator('.cell-command').click();
  await page.keyboard.press('Alt+Enter');
  await expect(counter.getByLabel('Output')).toContainText('runs=2');
  await page.keyboard.press('Control+`');
  await expect(commandBox(page)).toBeFocused();
  await page.keyboard.press('Alt+N');
  const title = page.getByRole('textbox', { name: 'Step title' });
  await expect(title).toBeFocused();
  await title.fill('Second');
  await title.press('Enter');
  await expect(page.getByRole('listitem', { name: 'Second' })).toHaveAttribute('aria-current', 'step');

  // A double-click on a step's title renames it.
  await page.getByRole('listitem', { name: 'First' }).locator('.step-title').dblclick();
  const rename = page.getByRole('textbox', { name: 'Step title' });
  await expect(rename).toBeFocused();
  await rename.fill('Reproduce');
  await rename.press('Enter');
  await expect(page.getByRole('listitem', { name: 'Reproduce' })).toBeVisible();
});

test('typing into the command box while a cell waits for input answers it', async ({ page, app }) => {
  await page.goto(app.url);
  await createJournal(page, 'Prompts');
  await addStep(page, 'Ask');

  const command = 'read -p "Your name? " x; echo got $x';
  await runCommand(page, command);
  const reader = cell(page, command);
  await expect(reader.getByLabel('Output')).toContainText('Your name?');
  await expect(commandBox(page)).toHaveAttribute('placeholder', /Sends input to the running command/);
  await commandBox(page).fill('Bob');
  await commandBox(page).press('Enter');
  await expect(reader.getByLabel('Output')).toContainText('got Bob');
  await expect(reader).toContainText('exit 0');
  // No cell "Bob" was queued.
  await expect(page.locator('.cell')).toHaveCount(1);
  await expect(commandBox(page)).toHaveAttribute('placeholder', /Type a command/);
});

test('fuzzy quick open; F1 stays Monaco\'s in the editor; attach to step: focus, duplicates, ranges; pin from earlier steps', async ({ page, app }) => {
  await mkdir(join(app.workspace, 'src/csv'), { recursive: true });
  await mkdir(join(app.workspace, 'lib/improper'), { recursive: true });
  await writeFile(join(app.workspace, 'src/csv/parser.ts'), 'line one\nline two\nline three\nline four\n');
  await writeFile(join(app.workspace, 'lib/improper/usurer.js'), '');
  await page.goto(app.url);
  await createJournal(page, 'Attach');
  await addStep(page, 'Read the parser');

  // "prsr" finds parser.ts first, with the matched letters marked.
  await page.keyboard.press('Control+p');
  const quickOpen = page.getByRole('dialog', { name: 'Quick open' });
  await quickOpen.getByRole('combobox', { name: 'File name' }).fill('prsr');
  await expect(quickOpen.getByRole('option')).toHaveCount(2);
  const best = quickOpen.getByRole('option').first();
  await expect(best).toHaveAccessibleName('src/csv/parser.ts');
  await expect(best.locator('.fuzzy-match')).toHaveText(['p', 'rs', 'r']);
  await page.keyboard.press('Enter');
  await expect(tabs(page).getByRole('tab', { name: 'parser.ts' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('line one');

  // Inside Monaco, F1 is Monaco's own palette; Ctrl+Shift+P is ours.
  await page.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('F1');
  await expect(page.locator('.quick-input-widget')).toBeVisible();
  await expect(palette(page)).toBeHidden();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Shift+P');
  await expect(palette(page)).toBeVisible();
  await page.keyboard.press('Escape');

  // Lines 2 to 4 selected from their start: line 4 has nothing selected, so the range is 2-3.
  await page.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Shift+ArrowDown');
  await page.keyboard.press('Shift+ArrowDown');
  const attachButton = page.getByRole('button', { name: 'Attach to step' });
  await attachButton.click();
  const attached = attachments(page).locator('.attachment-list').first().locator('li.attachment');
  await expect(attached).toHaveCount(1);
  await expect(attached.first()).toHaveAttribute('title', 'src/csv/parser.ts:2-3');
  // Focus went back to the code, so Enter does not attach again.
  await expect(attachButton).not.toBeFocused();
  await expect.poll(() => page.evaluate(() => Boolean(document.activeElement?.closest('.monaco-editor')))).toBe(true);
  // The same lines again are refused, saying so.
  await attachButton.click();
  await expect(page.getByText('“src/csv/parser.ts:2-3” is already attached to this step.')).toBeVisible();
  await expect(attached).toHaveCount(1);

  // The next step pins it from the attachments panel; a reload keeps the pin.
  await addStep(page, 'Fix the parser');
  await attachments(page).getByText(/Pin from earlier steps/).click();
  const earlier = attachments(page).getByRole('list', { name: "Earlier steps' attachments" });
  await earlier.getByTitle('src/csv/parser.ts:2-3').getByRole('button', { name: 'Pin' }).click();
  const pinned = attachments(page).getByRole('list', { name: 'Pinned attachments' });
  await expect(pinned.getByTitle('src/csv/parser.ts:2-3')).toContainText('from step 1');
  await page.reload();
  await expect(page.getByRole('listitem', { name: 'Fix the parser' })).toHaveAttribute('aria-current', 'step');
  await expect(attachments(page).getByRole('list', { name: 'Pinned attachments' }).getByTitle('src/csv/parser.ts:2-3')).toBeVisible();
  await attachments(page).getByRole('list', { name: 'Pinned attachments' }).getByRole('button', { name: 'Unpin' }).click();
  await expect(attachments(page).getByRole('list', { name: 'Pinned attachments' })).toHaveCount(0);
});
