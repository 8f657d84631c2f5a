import type { Page } from '@playwright/test';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { addStep, createJournal } from './journalActions';

async function createJournalWithStep(page: Page): Promise<void> {
  await createJournal(page, 'Edit code');
  await addStep(page, 'Change the sum');
}

const tree = (page: Page) => page.getByRole('tree', { name: 'Files' });
const tabs = (page: Page) => page.getByRole('tablist', { name: 'Open files' });
const editorText = (page: Page) => page.locator('.monaco-editor .view-lines');

/** Puts the cursor at the end of the document and types, as a user would. */
async function typeAtEnd(page: Page, text: string): Promise<void> {
  await page.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type(text);
}

test.use({ viewport: { width: 1400, height: 900 } });

test('open from the tree, edit, dirty marker, Ctrl+S saves to disk; TypeScript diagnostics; quick open', async ({ page, app }) => {
  await mkdir(join(app.workspace, 'src'));
  await writeFile(join(app.workspace, 'src/sum.ts'), "import { helper } from './helper';\nexport const sum = (a: number, b: number) => a + b;\n");
  await writeFile(join(app.workspace, 'README.md'), '# Project\n');
  await page.goto(app.url);
  await createJournalWithStep(page);

  await tree(page).getByRole('treeitem', { name: 'src' }).click();
  await tree(page).getByRole('treeitem', { name: 'sum.ts' }).click();
  const tab = tabs(page).getByRole('tab', { name: 'sum.ts' });
  await expect(tab).toHaveAttribute('aria-selected', 'true');
  await expect(editorText(page)).toContainText('export const sum');
  await expect(tab).not.toHaveAttribute('aria-describedby', /.+/);

  await typeAtEnd(page, 'export const total: number = "three";');
  await expect(tab).toHaveAccessibleDescription('Modified');
  await expect(tab).toHaveAccessibleName('sum.ts');
  // Monaco's TypeScript worker marks the type error, and only it: a module it cannot see is no error.
  await expect(page.locator('.monaco-editor .squiggly-error').first()).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.monaco-editor .squiggly-error')).toHaveCount(1);

  await page.keyboard.press('Control+s');
  await expect(tab).not.toHaveAttribute('aria-describedby', /.+/);
  await expect.poll(() => readFile(join(app.workspace, 'src/sum.ts'), 'utf8')).toBe(
    "import { helper } from './helper';\nexport const sum = (a: number, b: number) => a + b;\nexport const total: number = \"three\";",
  );

  await page.keyboard.press('Control+p');
  const dialog = page.getByRole('dialog', { name: 'Quick open' });
  await dialog.getByRole('combobox', { name: 'File name' }).fill('READ');
  await expect(dialog.getByRole('option', { name: 'README.md' })).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(tabs(page).getByRole('tab', { name: 'README.md' })).toHaveAttribute('aria-selected', 'true');
  await expect(editorText(page)).toContainText('# Project');
});

test('changes on disk: a clean tab reloads, a dirty one keeps its edits with a notice; a stale save asks', async ({ page, app }) => {
  await writeFile(join(app.workspace, 'clean.ts'), 'let clean = 1;\n');
  await writeFile(join(app.workspace, 'dirty.ts'), 'let dirty = 1;\n');
  await page.goto(app.url);
  await createJournalWithStep(page);

  await tree(page).getByRole('treeitem', { name: 'clean.ts' }).click();
  await expect(editorText(page)).toContainText('let clean = 1;');
  // Another tool saves by renaming a new file over it.
  await writeFile(join(app.workspace, '.clean.ts.tmp'), 'let clean = 2;\n');
  await rename(join(app.workspace, '.clean.ts.tmp'), join(app.workspace, 'clean.ts'));
  await expect(editorText(page)).toContainText('let clean = 2;');
  await writeFile(join(app.workspace, 'clean.ts'), 'let clean = 3;\n');
  await expect(editorText(page)).toContainText('let clean = 3;');

  await tree(page).getByRole('treeitem', { name: 'dirty.ts' }).click();
  await expect(editorText(page)).toContainText('let dirty = 1;');
  await typeAtEnd(page, '// mine');
  const tab = tabs(page).getByRole('tab', { name: 'dirty.ts' });
  await expect(tab).toHaveAccessibleDescription('Modified');
  await writeFile(join(app.workspace, 'dirty.ts'), 'let dirty = 2;\n');
  const notice = page.getByRole('status').filter({ hasText: 'dirty.ts changed on disk' });
  await expect(notice).toContainText('Your edits are kept');
  await expect(editorText(page)).toContainText('// mine');
  await expect(editorText(page)).toContainText('let dirty = 1;');

  // Saving now would overwrite their change: the user chooses.
  await page.keyboard.press('Control+s');
  const conflict = page.getByRole('alert').filter({ hasText: 'dirty.ts changed on disk since it was opened' });
  await expect(conflict).toBeVisible();
  expect(await readFile(join(app.workspace, 'dirty.ts'), 'utf8')).toBe('let dirty = 2;\n');
  await conflict.getByRole('button', { name: 'Reload' }).click();
  await expect(editorText(page)).toContainText('let dirty = 2;');
  await expect(editorText(page)).not.toContainText('// mine');
  await expect(tab).not.toHaveAttribute('aria-describedby', /.+/);
});

test('attach the open file and a selection to the current step', async ({ page, app }) => {
  await writeFile(join(app.workspace, 'notes.ts'), 'const one = 1;\nconst two = 2;\nconst three = 3;\n');
  await page.goto(app.url);
  await createJournalWithStep(page);

  await tree(page).getByRole('treeitem', { name: 'notes.ts' }).click();
  await expect(editorText(page)).toContainText('const three');
  await page.getByRole('button', { name: 'Attach to step' }).click();
  const attachments = page.getByRole('complementary', { name: 'Attachments' });
  await expect(attachments.getByRole('listitem', { name: 'notes.ts' })).toBeVisible();

  // Lines 2 and 3, selected with the keyboard.
  await page.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Shift+ArrowDown');
  await page.keyboard.press('Shift+End');
  await page.getByRole('button', { name: 'Attach to step' }).click();
  const selection = attachments.getByRole('listitem', { name: 'notes.ts:2-3' });
  await expect(selection).toBeVisible();
  await selection.getByRole('button', { name: 'Open' }).click();
  await expect(page.getByRole('dialog')).toContainText('const two = 2;\nconst three = 3;');
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

  // The attachments fold away for room, and come back.
  const toggle = page.getByRole('button', { name: 'Attachments', exact: true });
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await expect(attachments).toBeHidden();
  await toggle.click();
  await expect(attachments.getByRole('listitem', { name: 'notes.ts:2-3' })).toBeVisible();
});
