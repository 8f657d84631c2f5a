import type { Page } from '@playwright/test';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promptLimits } from '../../app/completion/query';
import { DEFAULT_ASSISTANT_SETTINGS } from '../../app/completion/schemas';
import { estimateTokens } from '../../main/assistant/contextBuilder';
import { BUNDLED_MODEL_FILE } from '../../main/models/modelManager';
import { NO_ACCESS_TOKEN } from '../../main/server/webServer';
import { readPackageDocs } from '../../main/services/packageDocs';
import { DISCONNECTED } from '../../renderer/api/connection';
import { neverFitsText } from '../../renderer/journal/attachments/DocumentFit';
import { getU32 } from '../../tools/gguf-fixtures/patch';
import { expect, startApp, stop, test } from './fixtures';
import { addStep, createJournal } from './journalActions';

test.use({ viewport: { width: 1400, height: 900 } });

const bareUrl = (url: string) => new URL('/', url).href;
const tabs = (page: Page) => page.getByRole('tablist', { name: 'Open files' });
/** Opens a file from the tree and waits until its tab is the active one (the open reads the file first). */
async function openFromTree(page: Page, name: string): Promise<void> {
  await page.getByRole('tree', { name: 'Files' }).getByRole('treeitem', { name }).click();
  await expect(tabs(page).getByRole('tab', { name })).toHaveAttribute('aria-selected', 'true');
}

test('the access token lives in a cookie: a new page at the bare URL works, a browser without it gets the message', async ({ page, app, browser }) => {
  await page.goto(app.url);
  await createJournal(page, 'Cookie');
  // The first load traded the token for the cookie and left the bare URL in the address bar.
  expect(page.url()).toBe(bareUrl(app.url));

  // A new tab or a bookmark of the bare URL, in the same browser.
  const second = await page.context().newPage();
  await second.goto(bareUrl(app.url));
  await expect(second.getByRole('list', { name: 'Steps' })).toBeVisible();
  await second.reload();
  await expect(second.getByRole('list', { name: 'Steps' })).toBeVisible();

  const stranger = await browser.newContext();
  try {
    const response = await (await stranger.newPage()).goto(bareUrl(app.url));
    expect(response?.status()).toBe(401);
    expect(await response?.text()).toBe(NO_ACCESS_TOKEN);
  } finally {
    await stranger.close();
  }
});

test('the status bar says when the server is gone, and the typed command stays', async ({ page }) => {
  const workspace = await mkdtemp(join(tmpdir(), 'steerway-e2e-ws-'));
  const userData = await mkdtemp(join(tmpdir(), 'steerway-e2e-user-'));
  const { child, url } = await startApp(workspace, userData, ['--no-default-model']);
  try {
    await page.goto(url);
    await createJournal(page, 'Server goes away');
    await addStep(page, 'Type something');
    const command = page.getByRole('textbox', { name: 'Command' });
    await command.fill('echo typed before the server went');
    await expect(page.getByRole('status').filter({ hasText: DISCONNECTED })).toHaveCount(0);

    await stop(child);
    await expect(page.getByRole('status').filter({ hasText: DISCONNECTED })).toBeVisible();
    await expect(command).toHaveValue('echo typed before the server went');
  } finally {
    await stop(child);
    await rm(workspace, { recursive: true, force: true });
    await rm(userData, { recursive: true, force: true });
  }
});

test('after a restart the journal used last and the editor tabs, with the active one, come back', async ({ page, app }) => {
  await writeFile(join(app.workspace, 'alpha.ts'), 'export const alpha = 1;\n');
  await writeFile(join(app.workspace, 'beta.ts'), 'export const beta = 2;\n');
  await page.goto(app.url);
  await createJournal(page, 'First');
  await page.getByRole('button', { name: 'New journal' }).click();
  await createJournal(page, 'Second');
  // The newest journal is the one a start opens by default: go back to the first, so only remembering brings it.
  const picker = page.getByRole('combobox', { name: 'Journal' });
  await expect(picker.locator('option:checked')).toHaveText('Second');
  await picker.selectOption({ label: 'First' });
  await expect(picker.locator('option:checked')).toHaveText('First');
  await openFromTree(page, 'alpha.ts');
  await openFromTree(page, 'beta.ts');
  await tabs(page).getByRole('tab', { name: 'alpha.ts' }).click();
  await expect(tabs(page).getByRole('tab', { name: 'alpha.ts' })).toHaveAttribute('aria-selected', 'true');

  // A new run serves on a new port, where the page's localStorage is empty.
  await page.goto(await app.restart());
  await expect(picker.locator('option:checked')).toHaveText('First');
  await expect(page.getByRole('list', { name: 'Steps' })).toBeVisible();
  await expect(tabs(page).getByRole('tab')).toHaveCount(2);
  await expect(tabs(page).getByRole('tab').nth(0)).toHaveAccessibleName(/alpha\.ts/);
  await expect(tabs(page).getByRole('tab').nth(1)).toHaveAccessibleName(/beta\.ts/);
  await expect(tabs(page).getByRole('tab', { name: 'alpha.ts' })).toHaveAttribute('aria-selected', 'true');
});

test.describe('with the shipped model', () => {
  test.use({ model: 'shipped' });

  test('library docs read as text, and a doc that can never fit the model\'s document budget says so on its card', async ({ page, app }) => {
    const lib = join(app.workspace, 'node_modules', 'big-lib');
    await mkdir(lib, { recursive: true });
    await writeFile(join(lib, 'package.json'), JSON.stringify({ name: 'big-lib', version: '1.0.0', types: 'index.d.ts' }));
    await writeFile(join(lib, 'README.md'), [
      '<p align="center"><img src="logo.svg" alt="big-lib logo"><a href="https://ci.example"><img src="https://img.shields.io/ci" alt="CI status"></a></p>',
      '',
      'Parse text into nodes. '.repeat(300),
    ].join('\n'));
    await writeFile(join(lib, 'index.d.ts'), 'export * from "./dist/api";\n');
    await mkdir(join(lib, 'dist'));
    await writeFile(join(lib, 'dist', 'api.d.ts'), 'export declare function parse(text: string): unknown;\n');
    const docs = (await readPackageDocs(app.workspace, 'big-lib')).text;

    await page.goto(app.url);
    await createJournal(page, 'Library docs');
    await addStep(page, 'Read up');
    await expect(page.getByRole('contentinfo', { name: 'Assistant status' })).toContainText('ready', { timeout: 30_000 });
    const panel = page.getByRole('complementary', { name: 'Attachments' });
    await panel.getByRole('button', { name: 'Attach' }).click();
    await panel.getByLabel('Attachment kind').selectOption('package-docs');
    await panel.getByLabel('Package').fill('big-lib');
    await panel.getByRole('button', { name: 'Add attachment' }).click();
    const card = panel.getByRole('listitem', { name: 'big-lib docs' });
    // The shipped model's budget: half its training context (promptLimits), read from the model itself.
    const head = Buffer.alloc(1 << 16);
    const file = await open(BUNDLED_MODEL_FILE);
    await file.read(head, 0, head.length, 0).finally(() => file.close());
    const budget = promptLimits(getU32(head, 'llama.context_length'), DEFAULT_ASSISTANT_SETTINGS.contextBudgetTokens).documentTokens;
    await expect(card).toContainText(neverFitsText(estimateTokens('big-lib docs', docs), budget));

    await card.getByRole('button', { name: 'Open' }).click();
    const shown = page.getByRole('dialog', { name: 'big-lib docs' });
    await expect(shown).toContainText('big-lib logo');
    await expect(shown).toContainText('## Type declarations (dist/api.d.ts)');
    await expect(shown).not.toContainText('<img');
    await expect(shown).not.toContainText('CI status');
    await expect(shown).not.toContainText('export * from');
  });
});
