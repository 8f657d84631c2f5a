import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serializeJournal } from '../../app/journal/migrate';
import { largeJournal } from '../bench/journalBench';
import { expect, test } from './fixtures';
import { addStep, cell, createJournal, runCommand } from './journalActions';

const STEPS = 5000;
/**
 * From the page asking for the journal to its steps shown. The bar is 2 s (`npm run bench:journal` prints the
 * time against it, from navigation); this bound is generous for a loaded test machine.
 */
const OPEN_BOUND_MS = 5000;

// Trace snapshots of a 5,000-step page would take longer than what is tested.
test.use({ trace: 'off' });

test('a journal of 5,000 steps opens quickly, and an edit sends a change, not the journal', async ({ page, app }) => {
  const journal = largeJournal(STEPS);
  const text = serializeJournal(journal);
  await mkdir(join(app.workspace, '.steerway', 'journals', journal.id), { recursive: true });
  await writeFile(join(app.workspace, '.steerway', 'journals', journal.id, 'journal.json'), text);
  const frames: number[] = [];
  let asked = 0;
  page.on('websocket', (socket) => {
    socket.on('framereceived', (frame) => frames.push(Buffer.byteLength(frame.payload)));
    socket.on('framesent', (frame) => {
      frames.push(Buffer.byteLength(frame.payload));
      if (!asked && String(frame.payload).includes('"journal.open"')) asked = Date.now();
    });
  });
  // CSS locators: role and text lookups walk all 5,000 steps, and would slow the page they measure.
  const position = page.locator('.step-position');
  const current = page.locator('.step-list > li[aria-current="step"]');

  const started = Date.now();
  await page.goto(app.url);
  await expect(position).toHaveText(`Step 1 of ${STEPS}`, { timeout: 30_000 });
  const shown = Date.now();
  console.log(`[large] ${STEPS} steps (${(text.length / 1e6).toFixed(1)} MB) shown ${shown - asked} ms after the page asked for them, ${shown - started} ms after navigation`);
  expect(shown - asked).toBeLessThan(OPEN_BOUND_MS);
  await expect(page.locator('.step-list > li')).toHaveCount(STEPS);

  frames.length = 0;
  await page.locator('.step-list > li').nth(4000).click();
  await expect(position).toHaveText(`Step 4001 of ${STEPS}`);
  await page.locator('.step-controls select').selectOption('done');
  await expect(current).toHaveAttribute('data-status', 'done');
  await expect(current).toHaveAttribute('aria-label', 'Step 4001: move module 4000 to the new API');
  // Two edits went out and came back (current step, status): each a change of a few hundred bytes, never the journal.
  expect(frames.length).toBeGreaterThanOrEqual(4);
  expect(Math.max(...frames)).toBeLessThan(10_000);

  // The journal main saved has the edit: the change was applied there, not just in the page.
  await expect
    .poll(async () => {
      const { readFile } = await import('node:fs/promises');
      const saved = JSON.parse(await readFile(join(app.workspace, '.steerway', 'journals', journal.id, 'journal.json'), 'utf8')) as typeof journal;
      return [saved.currentStepId, saved.steps[4000]!.status];
    })
    .toEqual(['step-4000', 'done']);
});

test('a cell printing lots of output keeps the page responsive', async ({ page, app }) => {
  await page.goto(app.url);
  await createJournal(page, 'Output');
  await addStep(page, 'Flood');
  await addStep(page, 'Elsewhere');
  await page.getByRole('listitem', { name: 'Flood' }).click();
  await expect(page.getByRole('listitem', { name: 'Flood' })).toHaveAttribute('aria-current', 'step');

  // 8 MB, then the cell waits for an answer: it is still running whatever the machine's speed.
  const command = "yes 'steerway flood line 0123456789' | head -c 8000000; echo FLOOD-DONE; read -r reply; echo \"got:$reply\"";
  await runCommand(page, command);
  const flood = cell(page, command);
  await expect(flood.getByLabel('Output')).toContainText('steerway flood line', { timeout: 30_000 });

  // While it streams, a click on another step and typing in its notes are handled.
  await page.getByRole('listitem', { name: 'Elsewhere' }).click();
  await expect(page.getByRole('listitem', { name: 'Elsewhere' })).toHaveAttribute('aria-current', 'step');
  const notes = page.getByRole('textbox', { name: 'Notes' });
  await notes.fill('typed while the flood streams');
  await expect(notes).toHaveValue('typed while the flood streams');

  // Back on its step, the output is shown again up to its end, and the program still answers.
  await page.getByRole('listitem', { name: 'Flood' }).click();
  await expect(flood.getByLabel('Output')).toContainText('FLOOD-DONE', { timeout: 60_000 });
  await expect(flood).toContainText('running');
  await flood.getByLabel('Output').click();
  await page.keyboard.type('still-here');
  await page.keyboard.press('Enter');
  await expect(flood.getByLabel('Output')).toContainText('got:still-here');
  await expect(flood).toContainText('exit 0');
  await page.getByRole('listitem', { name: 'Elsewhere' }).click();
  await expect(notes).toHaveValue('typed while the flood streams');
});
