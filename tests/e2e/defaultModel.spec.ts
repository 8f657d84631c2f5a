import type { Page } from '@playwright/test';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { addStep, createJournal } from './journalActions';
import { answersOf } from './suggestionAnswers';

// A newcomer's first start: no --model, no model chosen, fresh user data: the model in models/ answers.
test.use({ model: 'shipped' });

const statusBar = (page: Page) => page.getByRole('contentinfo', { name: 'Assistant status' });
const ghostText = async (page: Page) => (await page.locator('.ghost-text-decoration').allTextContents()).join('').replaceAll('\u00a0', ' ');

test('with no model configured, the shipped Steerway model gives suggestions that Tab accepts', async ({ page, app }) => {
  const answerFor = answersOf(page);
  const source = "import { readFile } from 'node:fs/promises';\n\nexport async function readJson(path: string) {\n";
  await writeFile(join(app.workspace, 'read.ts'), source);
  await page.goto(app.url);
  await createJournal(page, 'First run');
  await addStep(page, 'Read a file');
  await expect(statusBar(page)).toContainText('shipped with Steerway', { timeout: 30_000 });
  await expect(statusBar(page)).toContainText('ready', { timeout: 30_000 });
  await expect(page.getByRole('region', { name: 'Model setup' })).toHaveCount(0);

  await page.getByRole('treeitem', { name: 'read.ts' }).click();
  await page.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('  const text = await ');
  // The ghost text streams in: take the whole suggestion once the answer is in.
  await expect.poll(() => answerFor('  const text = await '), { timeout: 20_000 }).toBeTruthy();
  const suggestion = answerFor('  const text = await ')!;
  await expect.poll(() => ghostText(page)).toBe(suggestion);

  await page.keyboard.press('Tab');
  await page.keyboard.press('Control+S');
  await expect.poll(() => readFile(join(app.workspace, 'read.ts'), 'utf8')).toBe(`${source}  const text = await ${suggestion}`);
});
