import type { Locator, Page } from '@playwright/test';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { addStep, createJournal } from './journalActions';
import { answersOf } from './suggestionAnswers';

// The real engine in its host process, on a generated tiny model whose greedy text is printable.
test.use({ model: 'suggesting' });

const SOURCE = 'export function add(a: number, b: number) {\n  return a + b;\n}\n';

const statusBar = (page: Page) => page.getByRole('contentinfo', { name: 'Assistant status' });
const ghost = (page: Page) => page.locator('.ghost-text-decoration');
const ghostText = async (page: Page) => (await ghost(page).allTextContents()).join('').replaceAll('\u00a0', ' ');

/** A journal with one step, the workspace file open in the editor, and the engine ready. */
async function openEditor(page: Page, app: { url: string; workspace: string }): Promise<void> {
  await writeFile(join(app.workspace, 'add.ts'), SOURCE);
  await page.goto(app.url);
  await createJournal(page, 'Suggest');
  await addStep(page, 'Write code');
  await expect(statusBar(page)).toContainText('ready', { timeout: 30_000 });
  await expect(statusBar(page)).toContainText('CPU');
  await page.getByRole('treeitem', { name: 'add.ts' }).click();
  await page.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+End');
}

/** Types a new line whose text the next report must show at the cursor, and waits for that report. */
async function suggestAfter(page: Page, inspector: Locator, line: string): Promise<void> {
  await page.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type(line);
  await expect(inspector.getByRole('figure', { name: 'Prompt at the cursor' })).toContainText(`${line}▌`);
}

const badge = (inspector: Locator, title: string) =>
  inspector.getByRole('list', { name: 'Documents' }).getByRole('listitem', { name: title }).locator('.badge');

test('ghost text from the real engine: Ctrl+Right takes a word, Tab the rest, Esc dismisses', async ({ page, app }) => {
  const answerFor = answersOf(page);
  await openEditor(page, app);
  await expect(statusBar(page)).toContainText('tiny-suggesting');
  await page.keyboard.type('const total = ');
  // The ghost text streams in: the whole suggestion shows once the answer is in.
  await expect.poll(() => answerFor('const total = ')).toBeTruthy();
  const suggestion = answerFor('const total = ')!;
  await expect.poll(() => ghostText(page)).toBe(suggestion);

  await page.keyboard.press('Control+ArrowRight');
  await expect.poll(() => ghostText(page)).not.toBe(suggestion);
  const rest = await ghostText(page);
  expect(suggestion.endsWith(rest) && rest.length > 0 && rest.length < suggestion.length).toBe(true);

  // Accepting asks again at the new cursor: a next suggestion may show; the file has exactly the accepted one.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Control+S');
  await expect.poll(() => readFile(join(app.workspace, 'add.ts'), 'utf8')).toBe(`${SOURCE}const total = ${suggestion}`);

  // A new place, a new suggestion; Esc hides it and leaves the text alone.
  await page.keyboard.press('Enter');
  await page.keyboard.type('let other = ');
  await expect(ghost(page).first()).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(ghost(page)).toHaveCount(0);
  await page.keyboard.press('Control+S');
  await expect.poll(() => readFile(join(app.workspace, 'add.ts'), 'utf8')).toBe(`${SOURCE}const total = ${suggestion}\nlet other = `);
});

test('a slow answer survives Monaco dropping its request without an edit: asked again explicitly, the same request answers', async ({ page, app }) => {
  // A slow engine: the page's `assistant.complete` replies are held back until the test lets them through.
  const completes = new Map<number, { requestId: string; prefix: string }>();
  const cancels: string[] = [];
  const held: (() => void)[] = [];
  let holding = true;
  await page.routeWebSocket(/\/api/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const call = JSON.parse(String(message)) as { id?: number; call?: string; input?: { requestId?: string; prefix?: string } };
      if (call.call === 'assistant.complete' && call.id !== undefined) completes.set(call.id, { requestId: call.input!.requestId!, prefix: call.input!.prefix! });
      if (call.call === 'assistant.cancel') cancels.push(call.input!.requestId!);
      server.send(message);
    });
    server.onMessage((message) => {
      const reply = JSON.parse(String(message)) as { id?: number };
      if (holding && reply.id !== undefined && completes.has(reply.id)) held.push(() => ws.send(message));
      else ws.send(message);
    });
  });
  await openEditor(page, app);
  await page.keyboard.type('const total = ');
  const asked = () => [...completes.values()].filter((c) => c.prefix.endsWith('const total = '));
  await expect.poll(() => asked().length).toBe(1);

  // The command palette takes the focus (Monaco stops its request), then triggers an inline suggestion
  // explicitly at the same text.
  await page.keyboard.press('F1');
  await page.keyboard.type('Trigger Inline Suggestion');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('textbox', { name: 'Editor content' })).toBeFocused();
  // Longer than any debounce: a second request would have gone out by now.
  await page.waitForTimeout(1_000);
  holding = false;
  held.splice(0).forEach((send) => send());
  await expect(ghost(page).first()).toBeVisible();
  expect(asked()).toHaveLength(1);
  expect(cancels).not.toContain(asked()[0]!.requestId);
});

test('the inspector shows the step documents as blocks: computed, then reused; a step switch changes the set', async ({ page, app }) => {
  await openEditor(page, app);
  await page.getByText('Context inspector', { exact: true }).click();
  const inspector = page.getByRole('region', { name: 'Context inspector' });

  await suggestAfter(page, inspector, 'let first = ');
  await expect(inspector.getByRole('list', { name: 'Documents' }).getByRole('listitem', { name: 'Write code' })).toBeVisible();
  await expect(inspector).toContainText(/Time to first token\s*[\d.]+ ms/);
  await expect(inspector).toContainText(/tokens\/s/);

  // The cursor waits at the end of a line, so that after attaching one keystroke asks again: the request
  // reaches the engine before the background encoding's quiet time ends, and the block is computed for it.
  await suggestAfter(page, inspector, 'let second =');
  const panel = page.getByRole('complementary', { name: 'Attachments' });
  await panel.getByRole('button', { name: 'Attach' }).click();
  await panel.getByLabel('Attachment kind').selectOption('text');
  await panel.getByLabel('Title').fill('TICKET-42');
  await panel.getByLabel('Text').fill('Totals are summed with add(); never with a loop.\n'.repeat(8));
  await panel.getByRole('button', { name: 'Add attachment' }).click();
  // Listed once main has it: a keystroke sent sooner can be answered from the step as it was before (a race of
  // two calls, not of the assistant), which a loaded machine makes likely.
  await expect(panel.getByRole('listitem').filter({ hasText: 'TICKET-42' })).toBeVisible();
  await page.getByRole('textbox', { name: 'Editor content' }).focus();
  await page.keyboard.type(' ');
  await expect(inspector.getByRole('figure', { name: 'Prompt at the cursor' })).toContainText('let second = ▌');
  await expect(badge(inspector, 'TICKET-42')).toHaveText('computed');
  await suggestAfter(page, inspector, 'let third = ');
  await expect(badge(inspector, 'TICKET-42')).toHaveText(/^(memory|in place)$/);

  await addStep(page, 'Another step');
  await suggestAfter(page, inspector, 'let fourth = ');
  const documents = inspector.getByRole('list', { name: 'Documents' });
  await expect(documents.getByRole('listitem', { name: 'Another step' })).toBeVisible();
  await expect(documents.getByRole('listitem', { name: 'TICKET-42' })).toHaveCount(0);

  await page.getByRole('list', { name: 'Steps' }).getByRole('listitem', { name: 'Write code' }).click();
  await suggestAfter(page, inspector, 'let fifth = ');
  await expect(badge(inspector, 'TICKET-42')).toHaveText(/^(memory|disk|in place)$/);
});

test.describe('a broken model file', () => {
  test.use({ model: 'broken' });

  test('the status bar says what is wrong and the journal keeps working', async ({ page, app }) => {
    await page.goto(app.url);
    await expect(statusBar(page)).toContainText(/error: .*(GGUF|model)/i, { timeout: 30_000 });
    await createJournal(page, 'Still works');
    await addStep(page, 'Run something');
    const command = page.getByRole('textbox', { name: 'Command' });
    await command.fill('echo still-working');
    await command.press('Enter');
    await expect(page.getByRole('group', { name: 'Cell: echo still-working' }).getByLabel('Output')).toContainText('still-working');
  });
});

test('ghost text streams: the first text shows before the answer and grows to it; a keystroke cancels the request', async ({ page, app }) => {
  // For the request at the watched text, the page gets its streamed text and its answer only when the test lets them through.
  let watched = 'const total = ';
  let measured: string | null = null;
  const calls = new Map<number, string>();
  const cancels: string[] = [];
  let partials: { text: string; send: () => void }[] = [];
  let answers: { text: string; send: () => void }[] = [];
  await page.routeWebSocket(/\/api/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      const call = JSON.parse(String(message)) as { id?: number; call?: string; input?: { requestId?: string; prefix?: string } };
      if (call.call === 'assistant.complete' && call.id !== undefined) {
        calls.set(call.id, call.input!.requestId!);
        if (!measured && call.input!.prefix!.endsWith(watched)) measured = call.input!.requestId!;
      }
      if (call.call === 'assistant.cancel') cancels.push(call.input!.requestId!);
      server.send(message);
    });
    server.onMessage((message) => {
      const frame = JSON.parse(String(message)) as { id?: number; event?: string; payload?: { requestId: string; text: string }; reply?: { value?: { text: string } } };
      if (frame.event === 'assistant.partial' && frame.payload!.requestId === measured) partials.push({ text: frame.payload!.text, send: () => ws.send(message) });
      else if (frame.id !== undefined && measured && calls.get(frame.id) === measured) answers.push({ text: frame.reply?.value?.text ?? '', send: () => ws.send(message) });
      else ws.send(message);
    });
  });
  await openEditor(page, app);
  await page.keyboard.type(watched);
  // The tiny model is done at once: its text so far and its answer wait at the page's door.
  await expect.poll(() => answers.length).toBe(1);
  expect(partials.length).toBeGreaterThan(1);
  const first = partials[0]!;
  const whole = answers[0]!.text;
  expect(whole.startsWith(first.text) && whole.length > first.text.length).toBe(true);
  first.send();
  await expect.poll(() => ghostText(page)).toBe(first.text);
  for (const held of [...partials.slice(1), ...answers]) held.send();
  await expect.poll(() => ghostText(page)).toBe(whole);
  expect(cancels).not.toContain(measured);

  // Another place: its first text shows, then a keystroke cancels the request, and its later text never shows.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Enter');
  [watched, measured, partials, answers] = ['let other = ', null, [], []];
  await page.keyboard.type(watched);
  await expect.poll(() => answers.length).toBe(1);
  const streaming = measured!;
  partials[0]!.send();
  await expect.poll(() => ghostText(page)).toBe(partials[0]!.text);
  await page.keyboard.type('q');
  await expect.poll(() => cancels).toContain(streaming);
});
