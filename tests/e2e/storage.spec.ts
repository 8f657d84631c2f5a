import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './fixtures';
import { addStep, cell, createJournal, runCommand } from './journalActions';

test('odd files from a clone: a cell whose output cannot be written fails visibly and can be deleted; a journal folder named Aux is listed broken', async ({ page, app }) => {
  const outside = await mkdtemp(join(tmpdir(), 'steerway-e2e-outside-'));
  try {
    await page.goto(app.url);
    await createJournal(page, 'Linked outputs');
    await addStep(page, 'Run');
    await runCommand(page, 'echo first');
    const linked = cell(page, 'echo first');
    await expect(linked).toContainText('exit 0');

    const journals = join(app.workspace, '.steerway', 'journals');
    const [journalId] = await readdir(journals);
    await rm(join(journals, journalId!, 'outputs'), { recursive: true });
    await symlink(outside, join(journals, journalId!, 'outputs'));
    await linked.getByRole('button', { name: 'Re-run' }).click();
    // Finished as failed, with the reason in the cell: not "running" forever.
    await expect(linked).toContainText('did not finish');
    await expect(linked.getByLabel('Output')).toContainText('is a symbolic link');
    await expect(linked.getByRole('button', { name: 'Re-run' })).toBeEnabled();
    await linked.getByRole('button', { name: 'Delete cell' }).click();
    await expect(linked).toHaveCount(0);
    expect(await readdir(outside)).toEqual([]);

    // A journal folder named for a Windows device is listed with its reason; the journal above still opens.
    await mkdir(join(journals, 'Aux'));
    await writeFile(join(journals, 'Aux', 'journal.json'), await readFile(join(journals, journalId!, 'journal.json')));
    await page.goto(await app.restart());
    await expect(page.getByText(/Journal “Aux” cannot be opened\..*reserved for a device on Windows/)).toBeVisible();
    await page.getByLabel('Journal').selectOption({ label: 'Linked outputs' });
    await expect(page.getByRole('listitem', { name: 'Run' })).toBeVisible();
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
});
