import type { Page } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { addStep, createJournal } from './journalActions';

// A team's llama.cpp server (a fake one on 127.0.0.1 that answers as llama-server does) chosen in the
// settings: its suggestions in the editor, the inspector and status bar naming it, the local model taking over
// when it goes away. The local model is the generated suggesting one.
test.use({ model: 'suggesting' });

const TOKEN = 'team-secret-token';
const statusBar = (page: Page) => page.getByRole('contentinfo', { name: 'Assistant status' });
const ghostText = async (page: Page) => (await page.locator('.ghost-text-decoration').allTextContents()).join('').replaceAll('\u00a0', ' ');

interface Seen {
  url: string;
  authorization: string | undefined;
  body: { input_extra?: Array<{ filename: string; text: string }>; input_prefix?: string } | null;
}

async function fakeLlamaServer() {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization, body: text ? JSON.parse(text) : null });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.url === '/infill' ? { content: 'fromTheTeamServer()', timings: { prompt_n: 50, cache_n: 0, prompt_ms: 3, predicted_n: 4, predicted_per_second: 100 } } : { status: 'ok' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, seen, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test('suggestions from a llama.cpp server chosen in the settings; the local model takes over when it goes away', async ({ page, app }) => {
  const remote = await fakeLlamaServer();
  try {
    await writeFile(join(app.workspace, 'add.ts'), 'export function add(a: number, b: number) {\n  return a + b;\n}\n');
    await page.goto(app.url);
    await createJournal(page, 'Team');
    await addStep(page, 'Write code');
    await expect(statusBar(page)).toContainText('ready', { timeout: 30_000 });

    // Settings: the server's URL and token; saved, the token field only says that one is set.
    await statusBar(page).getByRole('button', { name: 'Models' }).click();
    await page.getByLabel('Suggestions from').selectOption('llama.cpp');
    await page.getByLabel('Server URL').fill(remote.url);
    await page.getByLabel('Token', { exact: true }).fill(TOKEN);
    await page.getByRole('button', { name: 'Use server' }).click();
    await expect(page.getByText(`In use: ${remote.url}, token set.`)).toBeVisible();
    await expect(page.getByLabel('Token', { exact: true })).toHaveValue('');
    await page.getByRole('button', { name: 'Close' }).click();
    await expect(statusBar(page)).toContainText(`llama.cpp server at ${remote.url}`);

    await page.getByRole('treeitem', { name: 'add.ts' }).click();
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('const total = ');
    await expect.poll(() => ghostText(page), { timeout: 30_000 }).toBe('fromTheTeamServer()');
    await page.getByText('Context inspector', { exact: true }).click();
    const inspector = page.getByRole('region', { name: 'Context inspector' });
    await expect(inspector).toContainText(`Engine${`llama.cpp server at ${remote.url}`}`);
    const infill = remote.seen.filter((r) => r.url === '/infill').at(-1)!;
    expect(infill.authorization).toBe(`Bearer ${TOKEN}`);
    expect(infill.body?.input_extra?.map((d) => d.filename)).toContain('step: Write code');
    expect(infill.body?.input_prefix).toContain('const total = ');
    // The token is main's alone: never in the page; on disk, in a settings file only its owner can read.
    expect(await page.content()).not.toContain(TOKEN);
    const settings = join(app.userData, 'settings.json');
    expect(JSON.parse(await readFile(settings, 'utf8')).engine.token).toBe(TOKEN);
    expect((await stat(settings)).mode & 0o777).toBe(0o600);

    // The server goes away: the next suggestion comes from the local model, and the status bar says why.
    remote.server.closeAllConnections();
    await new Promise((resolve) => remote.server.close(resolve));
    await page.locator('.monaco-editor .view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('let next = ');
    await expect(statusBar(page)).toContainText('Remote engine unreachable: ECONNREFUSED; using the local model.', { timeout: 30_000 });
    await expect(inspector).toContainText('Enginelocal model', { timeout: 30_000 });
    await expect(inspector.getByRole('list', { name: 'Notes' })).toContainText(`The remote engine at ${remote.url} did not answer (ECONNREFUSED); the local model answered.`);
  } finally {
    remote.server.closeAllConnections();
    remote.server.close();
  }
});
