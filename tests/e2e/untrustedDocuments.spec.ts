import type { Page } from '@playwright/test';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect, test } from './fixtures';

// The real engine, so documents are gathered for warm-ups and suggestions as in use.
test.use({ model: 'suggesting' });

const statusBar = (page: Page) => page.getByRole('contentinfo', { name: 'Assistant status' });

test("a cloned journal's URL is not fetched until trusted; then its 750 KB of nested tags converts while the app answers", async ({ page, app }) => {
  let hits = 0;
  const server = http.createServer((_request, response) => {
    hits++;
    response.writeHead(200, { 'content-type': 'text/html' }).end('<div>'.repeat(150_000) + 'the deepest words');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/deep`;
  try {
    await writeFile(join(app.workspace, 'add.ts'), 'export const add = (a: number, b: number) => a + b;\n');
    const folder = join(app.workspace, '.steerway', 'journals', 'from-a-clone');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'journal.json'), JSON.stringify({
      schemaVersion: 1, id: 'from-a-clone', title: 'Cloned journal', createdAt: '2026-01-01T00:00:00.000Z', currentStepId: 'step-1',
      steps: [{
        id: 'step-1', title: 'Read the docs', status: 'todo', notes: '', cells: [],
        attachments: [
          { id: 'att-url', kind: 'url', title: 'Library page', source: pageUrl, sizeBytes: 0, addedAt: '2026-01-01T00:00:00.000Z' },
          { id: 'att-file', kind: 'file', title: 'README.md', source: '/etc/hostname', sizeBytes: 1, addedAt: '2026-01-01T00:00:01.000Z' },
        ],
      }],
    }));
    await page.goto(await app.restart());
    await page.getByLabel('Journal').selectOption({ label: 'Cloned journal' });
    const attachments = page.getByRole('complementary', { name: 'Attachments' });
    await expect(attachments.getByRole('listitem', { name: 'Library page', exact: true })).toContainText('Not loaded until you trust this journal.');
    await expect(attachments.getByRole('listitem', { name: 'README.md', exact: true }).getByRole('button', { name: 'Open' })).toBeDisabled();
    await expect(statusBar(page)).toContainText('ready', { timeout: 30_000 });

    // A suggestion gathers the step's documents: the URL and the file are listed, not loaded.
    await page.getByText('Context inspector', { exact: true }).click();
    const inspector = page.getByRole('region', { name: 'Context inspector' });
    const documents = inspector.getByRole('list', { name: 'Documents' });
    await page.getByRole('treeitem', { name: 'add.ts' }).click();
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('const total = ');
    await expect(documents.getByRole('listitem', { name: 'Library page', exact: true })).toContainText('Not loaded until you trust this journal.');
    await expect(documents.getByRole('listitem', { name: 'README.md', exact: true })).toContainText('Not loaded until you trust this journal.');
    expect(hits).toBe(0);

    // Trusting encodes the step again: the page is fetched once and converted off main's event loop.
    await page.getByRole('button', { name: 'Trust this journal' }).click();
    await expect.poll(() => hits, { timeout: 20_000 }).toBe(1);
    // Main answers while the page converts: an edit is saved and shown.
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByRole('textbox', { name: 'Step title' }).fill('Meanwhile');
    await page.getByRole('textbox', { name: 'Step title' }).press('Enter');
    await expect(page.getByRole('list', { name: 'Steps' }).getByRole('listitem', { name: 'Meanwhile' })).toBeVisible();
    await page.getByRole('list', { name: 'Steps' }).getByRole('listitem', { name: 'Read the docs' }).click();

    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('const sum = ');
    await expect(inspector.getByRole('figure', { name: 'Prompt at the cursor' })).toContainText('const sum = ▌');
    // Converted by the bundled worker (out/main/htmlWorker.js) and sent to the engine: its blocks have a source.
    await expect(documents.getByRole('listitem', { name: 'Library page', exact: true }).locator('.badge')).toHaveText(/^(computed|in place|memory|disk)$/);
    expect(hits).toBe(1);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
