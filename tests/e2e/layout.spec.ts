import type { Locator, Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { addStep, cell, createJournal, runCommand } from './journalActions';

const sash = (page: Page, name: string) => page.getByRole('separator', { name });
const valueOf = async (separator: Locator) => Number(await separator.getAttribute('aria-valuenow'));

async function box(locator: Locator) {
  const found = await locator.boundingBox();
  if (!found) throw new Error('not laid out');
  return found;
}

/** Drags a sash by (dx, dy) with the mouse, in small moves as a hand does. */
async function drag(page: Page, separator: Locator, dx: number, dy: number): Promise<void> {
  const { x, y, width, height } = await box(separator);
  await page.mouse.move(x + width / 2, y + height / 2);
  await page.mouse.down();
  await page.mouse.move(x + width / 2 + dx, y + height / 2 + dy, { steps: 8 });
  await page.mouse.up();
}

async function openJournal(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await createJournal(page, 'Layout');
  await addStep(page, 'Look around');
}

/** The number a cell printed last, once it finished. */
async function printedNumber(page: Page, command: string): Promise<number> {
  await expect(cell(page, command).last()).toContainText('exit 0');
  const text = await cell(page, command).last().getByLabel('Output').innerText();
  return Number(text.trim().split(/\s+/).at(-1));
}

/** The first row of a cell's output, and how many columns the output shows (its width over one character's). */
async function firstRow(output: Locator): Promise<{ text: string; columns: number }> {
  return output.evaluate((element) => {
    const row = element.querySelector('.xterm-rows > div')!;
    const text = (row.textContent ?? '').trimEnd();
    const range = document.createRange();
    range.selectNodeContents(row);
    const charWidth = range.getBoundingClientRect().width / (row.textContent ?? '').length;
    return { text, columns: Math.round(element.querySelector('.xterm-screen')!.getBoundingClientRect().width / charWidth) };
  });
}

test.describe('at 1440 x 900', () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test('panes resize by dragging their sashes or with the arrow keys, and keep their sizes over a reload', async ({ page, app }) => {
    await openJournal(page, app.url);
    const steps = page.getByRole('list', { name: 'Steps' });
    const editor = page.getByRole('region', { name: 'Editor' });
    const files = page.getByRole('tree', { name: 'Files' });
    const attachments = page.getByRole('complementary', { name: 'Attachments' });

    const stepsSash = sash(page, 'Resize the steps list');
    const stepsBefore = await valueOf(stepsSash);
    const listBefore = (await box(steps)).width;
    await drag(page, stepsSash, 80, 0);
    await expect.poll(() => valueOf(stepsSash)).toBe(stepsBefore + 80);
    expect((await box(steps)).width).toBeCloseTo(listBefore + 80, 0);

    // The keyboard: a focused sash moves 16 px per arrow key.
    const editorSash = sash(page, 'Resize the editor');
    const editorBefore = (await box(editor)).width;
    await editorSash.focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(async () => (await box(editor)).width).toBeCloseTo(editorBefore + 32, 0);

    const filesSash = sash(page, 'Resize the file tree');
    const filesBefore = (await box(files)).width;
    await drag(page, filesSash, 60, 0);
    await expect.poll(async () => (await box(files)).width).toBeCloseTo(filesBefore + 60, 0);

    // Panes along the bottom grow upwards.
    const attachmentsSash = sash(page, 'Resize the attachments');
    const attachmentsBefore = (await box(attachments)).height;
    await drag(page, attachmentsSash, 0, -70);
    await expect.poll(async () => (await box(attachments)).height).toBeCloseTo(attachmentsBefore + 70, 0);

    await page.getByText('Context inspector').click();
    const inspectorSash = sash(page, 'Resize the context inspector');
    await inspectorSash.focus();
    await page.keyboard.press('Shift+ArrowUp');
    const inspectorSize = await valueOf(inspectorSash);

    const sizes = { steps: await box(steps), editor: await box(editor), files: await box(files), attachments: await box(attachments) };
    await page.reload();
    await expect(steps).toBeVisible();
    await expect.poll(async () => (await box(steps)).width).toBeCloseTo(sizes.steps.width, 0);
    expect((await box(editor)).width).toBeCloseTo(sizes.editor.width, 0);
    expect((await box(files)).width).toBeCloseTo(sizes.files.width, 0);
    expect((await box(attachments)).height).toBeCloseTo(sizes.attachments.height, 0);
    await page.getByText('Context inspector').click();
    await expect.poll(() => valueOf(sash(page, 'Resize the context inspector'))).toBe(inspectorSize);
  });

  test("the shell is as wide as the cell's output, and follows the journal pane; one scrollbar per output; pagers never wait", async ({ page, app }) => {
    // More commits than the pty has rows: with less as the pager, `git log` would wait at its prompt.
    const git = (...args: string[]) => execFileSync('git', ['-C', app.workspace, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
    git('init', '-q');
    for (let i = 1; i <= 40; i++) git('commit', '-q', '--allow-empty', '-m', `change ${i}`);
    await openJournal(page, app.url);

    await runCommand(page, 'tput cols');
    const before = await printedNumber(page, 'tput cols');
    const row = `printf '%*s\\n' "$(tput cols)" '' | tr ' ' '#'`;
    await runCommand(page, row);
    await expect(cell(page, row)).toContainText('exit 0');
    const output = cell(page, row).getByLabel('Output');
    // A line as wide as the shell fills the output's first row exactly: not wrapped, no columns left over.
    expect(await firstRow(output)).toEqual({ text: '#'.repeat(before), columns: before });

    // The output has xterm's scrollbar only, no native one beside it. (Headless Chromium hides native scrollbars,
    // so what is checked is that nothing in the output would show one.)
    const nativeScrollers = await output.evaluate((element) =>
      [element, ...element.querySelectorAll('*')].filter((e) => ['scroll', 'auto'].includes(getComputedStyle(e).overflowY)).map((e) => e.className),
    );
    expect(nativeScrollers).toEqual([]);

    // A wider journal pane: the next command sees the new width.
    await drag(page, sash(page, 'Resize the editor'), 320, 0);
    await expect.poll(async () => (await box(output)).width).toBeGreaterThan(850);
    await runCommand(page, 'tput cols');
    await expect(cell(page, 'tput cols')).toHaveCount(2);
    const after = await printedNumber(page, 'tput cols');
    expect(after).toBeGreaterThan(100);
    expect(after).toBeGreaterThan(before + 30);

    await runCommand(page, 'git log --format=%s');
    await expect(cell(page, 'git log --format=%s')).toContainText('exit 0');
    await expect(cell(page, 'git log --format=%s').getByLabel('Output')).toContainText('change 1');
  });

  test('links in the notes preview and URL attachments open in a new tab that cannot reach the app', async ({ page, app, context }) => {
    // The machine is offline: these pages are answered here.
    await context.route('https://example.com/**', (route) => route.fulfill({ contentType: 'text/html', body: '<title>Example</title>outside' }));
    await openJournal(page, app.url);

    await page.getByRole('textbox', { name: 'Notes' }).fill('See [the docs](https://example.com/docs).');
    const fromNotes = context.waitForEvent('page');
    await page.getByRole('region', { name: 'Notes preview' }).getByRole('link', { name: 'the docs' }).click();
    const docs = await fromNotes;
    await expect.poll(() => docs.url()).toBe('https://example.com/docs');
    expect(await docs.evaluate(() => window.opener)).toBeNull();
    // The app's own page stayed where it was.
    await expect(page.getByRole('list', { name: 'Steps' })).toBeVisible();

    const attachments = page.getByRole('complementary', { name: 'Attachments' });
    await attachments.getByRole('button', { name: 'Attach' }).click();
    await attachments.getByLabel('Attachment kind').selectOption('url');
    await attachments.getByLabel('URL').fill('https://example.com/issue/7');
    await attachments.getByLabel('Title').fill('Issue 7');
    await attachments.getByRole('button', { name: 'Add attachment' }).click();
    const fromAttachment = context.waitForEvent('page');
    await attachments.getByRole('listitem', { name: 'Issue 7' }).getByRole('button', { name: 'Open' }).click();
    const issue = await fromAttachment;
    await expect.poll(() => issue.url()).toBe('https://example.com/issue/7');
  });
});

test.describe('at 1024 x 700', () => {
  test.use({ viewport: { width: 1024, height: 700 } });

  test('nothing overflows: the command box, the attach form with Cancel, cell commands on one line', async ({ page, app }) => {
    await writeFile(join(app.workspace, 'parser.test.ts'), '');
    await openJournal(page, app.url);
    const pageOverflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await pageOverflow()).toBe(0);

    const command = page.getByRole('textbox', { name: 'Command' });
    expect((await box(command)).width).toBeGreaterThan(250);
    const run = await box(page.getByRole('button', { name: 'Run', exact: true }));
    expect(run.x + run.width).toBeLessThanOrEqual(1024);

    const printf = "printf '\\e[31mred\\e[0m, then more\\n'";
    await runCommand(page, printf);
    await expect(cell(page, printf)).toContainText('exit 0');
    // The command keeps the cell's width: it reads on one line, its buttons float over it only on hover.
    const commandText = cell(page, printf).locator('.cell-command');
    const lineHeight = await commandText.evaluate((element) => parseFloat(getComputedStyle(element).lineHeight));
    expect((await box(commandText)).height).toBeLessThan(lineHeight * 1.5);
    expect((await box(commandText)).width).toBeGreaterThan((await box(cell(page, printf))).width - 30);

    const attachments = page.getByRole('complementary', { name: 'Attachments' });
    await attachments.getByRole('button', { name: 'Attach' }).click();
    await attachments.getByLabel('Attachment kind').selectOption('workspace-file');
    await attachments.getByLabel('Path').fill('parser');
    await expect(attachments.getByRole('list', { name: 'Workspace files' })).toContainText('parser.test.ts');
    const panel = await box(attachments);
    for (const name of ['Add attachment', 'Cancel']) {
      const button = await box(attachments.getByRole('button', { name }));
      expect(button.x + button.width, name).toBeLessThanOrEqual(panel.x + panel.width);
    }
    expect(await attachments.evaluate((element) => element.scrollWidth - element.clientWidth)).toBe(0);
    expect(await pageOverflow()).toBe(0);
  });
});

test.describe('dark', () => {
  test.use({ colorScheme: 'dark', viewport: { width: 1440, height: 900 } });

  test("follows the system's dark scheme, Monaco and xterm included; the toggle switches to light and is remembered", async ({ page, app }) => {
    await writeFile(join(app.workspace, 'notes.ts'), 'export const x = 1;\n');
    await openJournal(page, app.url);
    await runCommand(page, 'echo themed');
    const output = cell(page, 'echo themed').getByLabel('Output');
    await expect(output).toContainText('themed');
    await page.getByRole('tree', { name: 'Files' }).getByRole('treeitem', { name: 'notes.ts' }).click();
    const monaco = page.locator('.monaco-editor').first();

    /** Relative luminance-ish of an element's background, 0 (black) to 255 (white). */
    const brightness = (locator: Locator) =>
      locator.evaluate((element) => {
        const [r, g, b] = getComputedStyle(element).backgroundColor.match(/\d+/g)!.map(Number);
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      });
    const terminalBackground = output.locator('.xterm-scrollable-element');

    await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
    expect(await brightness(page.locator('html'))).toBeLessThan(60);
    await expect(monaco).toHaveClass(/vs-dark/);
    expect(await brightness(terminalBackground)).toBeLessThan(60);
    await expect(page.getByRole('combobox', { name: 'Theme' })).toHaveValue('system');

    await page.getByRole('combobox', { name: 'Theme' }).selectOption('light');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
    expect(await brightness(page.locator('html'))).toBeGreaterThan(200);
    await expect(monaco).not.toHaveClass(/vs-dark/);
    await expect.poll(() => brightness(terminalBackground)).toBeGreaterThan(200);

    await page.reload();
    await expect(page.getByRole('combobox', { name: 'Theme' })).toHaveValue('light');
    await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  });
});
