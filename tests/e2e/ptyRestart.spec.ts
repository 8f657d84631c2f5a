import { expect, test } from './fixtures';
import { addStep, cell, createJournal, runCommand } from './journalActions';

test('a killed pty host comes back: the running cell fails saying so, the next runs in a fresh shell that says it was restarted', async ({ page, app }) => {
  await page.goto(app.url);
  await createJournal(page, 'Restart');
  await addStep(page, 'Kill the shell host');

  await runCommand(page, 'cd /tmp && echo "host=$PPID"');
  const first = cell(page, 'cd /tmp && echo "host=$PPID"');
  await expect(first).toContainText('exit 0');
  const hostPid = Number(/host=(\d+)/.exec(await first.getByLabel('Output').innerText())?.[1]);
  expect(hostPid).toBeGreaterThan(1);

  // "running" shows as the run starts, before the command reaches the shell; killed then, the command would rightly
  // run in the restarted shell. Wait until the shell runs it.
  await runCommand(page, 'echo sleeping; sleep 30');
  const sleeper = cell(page, 'echo sleeping; sleep 30');
  await expect(sleeper.getByLabel('Output')).toContainText('sleeping');
  process.kill(hostPid, 'SIGKILL');
  await expect(sleeper.getByLabel('Output')).toContainText('The shell stopped unexpectedly');
  await expect(sleeper).toContainText('did not finish');

  await runCommand(page, 'echo "now in $(pwd)"');
  const next = cell(page, 'echo "now in $(pwd)"');
  await expect(next).toContainText('exit 0');
  await expect(next.getByLabel('Output')).toContainText('The shell was restarted');
  await expect(next.getByLabel('Output')).toContainText(`now in ${app.workspace}`);
});
