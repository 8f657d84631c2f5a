import type { Page } from '@playwright/test';
import { expect } from './fixtures';

/** What a user does to the journal, shared by the e2e specs. */

export async function createJournal(page: Page, title: string): Promise<void> {
  await page.getByLabel('Journal title').fill(title);
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByRole('list', { name: 'Steps' })).toBeVisible();
}

/** Adds a step through the inline rename box; the new step becomes the current one. */
export async function addStep(page: Page, title: string): Promise<void> {
  await page.getByRole('button', { name: 'Add step' }).click();
  const input = page.getByRole('textbox', { name: 'Step title' });
  await expect(input).toBeFocused();
  await input.fill(title);
  await input.press('Enter');
  await expect(page.getByRole('listitem', { name: title })).toHaveAttribute('aria-current', 'step');
}

/** Runs a command from the box once no cell runs (while one does, Enter sends the text to it as input). */
export async function runCommand(page: Page, command: string): Promise<void> {
  const input = page.getByRole('textbox', { name: 'Command' });
  await expect(input).not.toHaveAttribute('placeholder', /Sends input to the running command/);
  await input.fill(command);
  await input.press('Enter');
}

export const cell = (page: Page, command: string) => page.getByRole('group', { name: `Cell: ${command}` });
