import type { Page } from '@playwright/test';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Journal } from '../../app/journal/schema';
import { expect, test } from './fixtures';
import { addStep, createJournal } from './journalActions';

test.use({ viewport: { width: 1400, height: 900 } });

const notes = (page: Page) => page.getByRole('textbox', { name: 'Notes' });
const stepItem = (page: Page, title: string) => page.getByRole('listitem', { name: title });

/** The journal as main saved it. */
async function saved(workspace: string): Promise<Journal> {
  const [journalId] = await readdir(join(workspace, '.steerway', 'journals'));
  return JSON.parse(await readFile(join(workspace, '.steerway', 'journals', journalId!, 'journal.json'), 'utf8')) as Journal;
}

/** A second tab on the same app, showing the journal the first one has open. */
async function secondTab(page: Page, url: string): Promise<Page> {
  const tab = await page.context().newPage();
  await tab.goto(url);
  await expect(tab.getByRole('list', { name: 'Steps' })).toBeVisible();
  return tab;
}

test('two tabs each keep their own step: adding and selecting in tab 2 leaves tab 1 on its step, where its status change lands', async ({ page, app }) => {
  await page.goto(app.url);
  await createJournal(page, 'Two tabs');
  await addStep(page, 'Reproduce');
  const tab2 = await secondTab(page, app.url);
  await expect(stepItem(tab2, 'Reproduce')).toHaveAttribute('aria-current', 'step');

  await addStep(tab2, 'Added in tab two');
  // Tab 1 lists the new step and stays where it was.
  await expect(stepItem(page, 'Added in tab two')).toBeVisible();
  await expect(stepItem(page, 'Reproduce')).toHaveAttribute('aria-current', 'step');
  await expect(stepItem(page, 'Added in tab two')).not.toHaveAttribute('aria-current', 'step');
  await expect(page.locator('.step-heading h1')).toHaveText('Reproduce');

  await page.getByLabel('Status', { exact: true }).selectOption('done');
  await expect.poll(async () => (await saved(app.workspace)).steps.map((s) => [s.title, s.status])).toEqual([
    ['Reproduce', 'done'],
    ['Added in tab two', 'todo'],
  ]);
  await expect(stepItem(tab2, 'Added in tab two')).toHaveAttribute('aria-current', 'step');
  await tab2.close();
});

test('notes saved in two tabs at once: the losing tab is told, shows the saved text, and can apply its own again', async ({ page, app }) => {
  await page.goto(app.url);
  await createJournal(page, 'Notes in two tabs');
  await addStep(page, 'Write');
  const tab2 = await secondTab(page, app.url);

  // [t1-a]: tab 1 types and stays in the notes.
  await notes(page).click();
  await page.keyboard.type('[t1-a]');
  await expect(notes(tab2)).toHaveValue('[t1-a]');
  // [t2-b]: tab 2 adds to what it shows and leaves the field, which saves.
  await notes(tab2).click();
  await tab2.keyboard.press('End');
  await tab2.keyboard.type(' [t2-b]');
  await tab2.locator('.step-heading h1').click();
  await expect.poll(async () => (await saved(app.workspace)).steps[0]!.notes).toBe('[t1-a] [t2-b]');
  // [t1-c]: tab 1, still in its notes, types on.
  await expect(notes(page)).toBeFocused();
  await expect(notes(page)).toHaveValue('[t1-a]');
  await page.keyboard.type(' [t1-c]');

  const notice = page.getByRole('alert').filter({ hasText: 'These notes changed in another tab: showing the saved text; your text is below.' });
  await expect(notice).toBeVisible();
  await expect(notes(page)).toHaveValue('[t1-a] [t2-b]');
  await expect(notice.getByRole('textbox', { name: 'Your text' })).toHaveValue('[t1-a] [t1-c]');
  expect((await saved(app.workspace)).steps[0]!.notes).toBe('[t1-a] [t2-b]');
  await expect(notes(tab2)).toHaveValue('[t1-a] [t2-b]');

  // Applied again on purpose, tab 1's text is saved and tab 2 shows it.
  await notice.getByRole('button', { name: 'Use your text' }).click();
  await expect(notice).toBeHidden();
  await expect(notes(page)).toHaveValue('[t1-a] [t1-c]');
  await expect.poll(async () => (await saved(app.workspace)).steps[0]!.notes).toBe('[t1-a] [t1-c]');
  await expect(notes(tab2)).toHaveValue('[t1-a] [t1-c]');
  await tab2.close();
});
