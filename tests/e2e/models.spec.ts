import type { Page } from '@playwright/test';
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatBytes } from '../../renderer/models/format';
import { startModelServer, type ModelServer } from '../unit/models/modelServer';
import { expect, test, writeBrokenModel, writeSuggestingModel } from './fixtures';
import { addStep, cell, createJournal, runCommand } from './journalActions';

// No model at all (the fixture's default passes --no-default-model): the app starts as on a first run with
// nothing to suggest with, and the Models dialog is how a model gets in.

const statusBar = (page: Page) => page.getByRole('contentinfo', { name: 'Assistant status' });
const modelsDialog = (page: Page) => page.getByRole('dialog', { name: 'Models' });
const installed = (page: Page) => modelsDialog(page).getByRole('region', { name: 'Installed models' });

async function addModelFile(page: Page, path: string): Promise<void> {
  const dialog = modelsDialog(page);
  await dialog.getByLabel('Model file path').fill(path);
  await dialog.getByRole('button', { name: 'Add model' }).click();
}

test('no model: the setup prompt opens the Models dialog; broken files are refused or reported and the app keeps working; a GGUF file then suggests', async ({ page, app }) => {
  await writeFile(join(app.workspace, 'add.ts'), 'export function add(a: number, b: number) {\n  return a + b;\n}\n');
  const notGguf = join(app.userData, 'notes.gguf');
  await writeFile(notGguf, 'these are notes, not a model\n');
  // Its header reads well, so it is added; llama.cpp then refuses to load it.
  const refused = writeBrokenModel(join(app.userData, 'refused.gguf'));
  const good = writeSuggestingModel(join(app.userData, 'tiny-suggesting.gguf'));

  await page.goto(app.url);
  await createJournal(page, 'Models');
  await addStep(page, 'Pick a model');
  const prompt = page.getByRole('region', { name: 'Model setup' });
  await expect(prompt).toContainText('Code suggestions need a model');
  await expect(statusBar(page)).toContainText('no model');
  await prompt.getByRole('button', { name: 'Set up a model' }).click();
  await expect(installed(page)).toContainText('No model yet');

  // Not a GGUF file at all: refused, with the reason, and nothing is added.
  await addModelFile(page, notGguf);
  await expect(modelsDialog(page).getByRole('alert')).toContainText(`${notGguf} is not a usable GGUF model`);
  await expect(installed(page)).toContainText('No model yet');

  // A file llama.cpp cannot load: added and chosen (the first model), and the status bar says what is wrong.
  await modelsDialog(page).getByRole('alert').getByRole('button', { name: 'Dismiss' }).click();
  await addModelFile(page, refused);
  await expect(installed(page).getByRole('listitem', { name: 'refused.gguf' })).toHaveAttribute('aria-current', 'true');
  await expect(statusBar(page)).toContainText(/error: .*(GGUF|model)/i, { timeout: 30_000 });
  await modelsDialog(page).getByRole('button', { name: 'Close' }).click();
  await expect(modelsDialog(page)).toHaveCount(0);

  // The journal keeps working.
  await runCommand(page, 'echo still-working');
  await expect(cell(page, 'echo still-working').getByLabel('Output')).toContainText('still-working');

  // A good file, chosen with Use: the engine loads it and the editor suggests with it.
  await statusBar(page).getByRole('button', { name: 'Models' }).click();
  await addModelFile(page, good);
  const goodRow = installed(page).getByRole('listitem', { name: 'tiny-suggesting.gguf' });
  await goodRow.getByRole('button', { name: 'Use' }).click();
  await expect(goodRow).toHaveAttribute('aria-current', 'true');
  await expect(goodRow).toContainText('In use');
  await modelsDialog(page).getByRole('button', { name: 'Close' }).click();
  await expect(statusBar(page)).toContainText('tiny-suggesting.gguf');
  await expect(statusBar(page)).toContainText('ready', { timeout: 30_000 });
  await expect(prompt).toHaveCount(0);

  await page.getByRole('treeitem', { name: 'add.ts' }).click();
  await page.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('const total = ');
  await expect(page.locator('.ghost-text-decoration').first()).toBeVisible();
});

test('Make a smaller copy: the copy is listed as made here, loads when chosen, Remove deletes it; a model file gone before the copy is a clear error', async ({ page, app }) => {
  const original = writeSuggestingModel(join(app.userData, 'tiny-suggesting.gguf'));
  const gone = writeSuggestingModel(join(app.userData, 'gone.gguf'), 2);
  const copyPath = join(app.userData, 'models', 'tiny-suggesting-Q8_0.gguf');
  await page.goto(app.url);
  await statusBar(page).getByRole('button', { name: 'Models' }).click();
  await addModelFile(page, original);
  await expect(installed(page).getByRole('listitem', { name: 'tiny-suggesting.gguf' })).toHaveAttribute('aria-current', 'true');
  await addModelFile(page, gone);
  await expect(installed(page).getByRole('listitem', { name: 'gone.gguf' })).toBeVisible();

  const compress = modelsDialog(page).getByRole('region', { name: 'Make a smaller copy' });
  await compress.getByLabel('Model', { exact: true }).selectOption({ label: 'tiny-suggesting.gguf' });
  await compress.getByLabel('Type', { exact: true }).selectOption('Q8_0');
  await compress.getByRole('button', { name: 'Make a smaller copy' }).click();
  const copyRow = installed(page).getByRole('listitem', { name: 'tiny-suggesting-Q8_0.gguf' });
  await expect(copyRow).toContainText('smaller copy made here', { timeout: 60_000 });
  await access(copyPath);
  // The model in use stays selected.
  await expect(installed(page).getByRole('listitem', { name: 'tiny-suggesting.gguf' })).toHaveAttribute('aria-current', 'true');

  // The copy works as a model: chosen, the engine loads it.
  await copyRow.getByRole('button', { name: 'Use' }).click();
  await expect(copyRow).toHaveAttribute('aria-current', 'true');
  await modelsDialog(page).getByRole('button', { name: 'Close' }).click();
  await expect(statusBar(page)).toContainText('tiny-suggesting-Q8_0.gguf');
  await expect(statusBar(page)).toContainText('ready', { timeout: 30_000 });

  // Remove deletes the copy's file; the file added from disk stays.
  await statusBar(page).getByRole('button', { name: 'Models' }).click();
  await copyRow.getByRole('button', { name: 'Remove' }).click();
  await expect(copyRow).toHaveCount(0);
  await expect(access(copyPath)).rejects.toThrow(/ENOENT/);
  await access(original);

  // A model whose file was removed after it was added: no copy, one clear line, nothing listed.
  await rm(gone);
  await compress.getByLabel('Model', { exact: true }).selectOption({ label: 'gone.gguf' });
  await compress.getByRole('button', { name: 'Make a smaller copy' }).click();
  await expect(modelsDialog(page).getByRole('alert')).toContainText(`No smaller copy of gone.gguf was made: ${gone} is not a usable GGUF model: the file does not exist`);
  await expect(installed(page).getByRole('listitem', { name: 'gone-Q8_0.gguf' })).toHaveCount(0);
  expect((await readdir(join(app.userData, 'models'))).filter((f) => f.includes('gone'))).toEqual([]);
  await expect(compress.getByRole('button', { name: 'Make a smaller copy' })).toBeEnabled();
});

test.describe('a download from a Hugging Face mirror (HF_ENDPOINT)', () => {
  let bytes: Buffer;
  const mirrored = test.extend<{ mirror: ModelServer }>({
    mirror: async ({}, use) => {
      const dir = await mkdtemp(join(tmpdir(), 'steerway-e2e-mirror-'));
      bytes = await readFile(writeSuggestingModel(join(dir, 'served.gguf')));
      // The first request stops halfway and hangs, as a stalled connection does; a resumed one gets the rest.
      const server = await startModelServer({ body: bytes, stallAfter: Math.floor(bytes.length / 2) });
      await use(server);
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
    appEnv: async ({ mirror }, use) => use({ HF_ENDPOINT: new URL(mirror.url).origin }),
  });

  mirrored('shows its progress, pauses, resumes from where it stopped, completes, and the model is used', async ({ page, app, mirror }) => {
    await page.goto(app.url);
    await statusBar(page).getByRole('button', { name: 'Models' }).click();
    const name = 'Qwen2.5-Coder 1.5B base (Q8_0)';
    const recommended = modelsDialog(page).getByRole('region', { name: 'Recommended models' }).getByRole('listitem', { name });
    await recommended.getByRole('button', { name: 'Download' }).click();

    // Halfway, where the first connection stalls.
    const half = Math.floor(bytes.length / 2);
    const progress = recommended.getByRole('progressbar', { name: `${name} download` });
    await expect(progress).toHaveAttribute('aria-valuenow', String(Math.floor((half / bytes.length) * 100)));
    await expect(recommended).toContainText(`Downloading: ${formatBytes(half)} of ${formatBytes(bytes.length)}`);
    await recommended.getByRole('button', { name: 'Pause' }).click();
    await expect(recommended).toContainText('Paused:');
    await recommended.getByRole('button', { name: 'Resume' }).click();

    await expect(recommended).toContainText('Installed');
    await expect(progress).toHaveCount(0);
    expect(mirror.paths).toEqual(Array(2).fill('/ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF/resolve/main/qwen2.5-coder-1.5b-q8_0.gguf'));
    expect(mirror.ranges).toEqual([null, `bytes=${half}-`]);
    expect(await readFile(join(app.userData, 'models', 'qwen2_5-coder-1_5b-q8_0.gguf'))).toEqual(bytes);

    // The first model installed is the chosen one.
    await expect(installed(page).getByRole('listitem', { name })).toHaveAttribute('aria-current', 'true');
    await modelsDialog(page).getByRole('button', { name: 'Close' }).click();
    await expect(statusBar(page)).toContainText(name);
    await expect(statusBar(page)).toContainText('ready', { timeout: 30_000 });
  });
});
