// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { FakeApi } from './fakeApi';
import { currentStep, renderJournal } from './helpers';

vi.mock('../../../renderer/journal/cells/TerminalView', () => ({ TerminalView: () => null }));

const commandBox = () => screen.getByRole('textbox', { name: 'Command' }) as HTMLTextAreaElement;
const stepItem = (title: string) => within(screen.getByRole('list', { name: 'Steps' })).getByRole('listitem', { name: title });

async function setup(stepTitles = ['Reproduce', 'Fix']) {
  const fake = new FakeApi();
  const journal = fake.addJournal('Habits', stepTitles);
  await renderJournal(fake);
  return { fake, journal };
}

async function run(command: string) {
  fireEvent.change(commandBox(), { target: { value: command } });
  fireEvent.keyDown(commandBox(), { key: 'Enter' });
  await screen.findByRole('group', { name: `Cell: ${command}` });
}

describe('command palette', () => {
  it('Ctrl+Shift+P lists every action with its shortcut; typing filters by letters; Enter runs it', async () => {
    const { fake, journal } = await setup();
    const before = commandBox();
    before.focus();

    fireEvent.keyDown(window, { key: 'P', ctrlKey: true, shiftKey: true });
    const palette = screen.getByRole('dialog', { name: 'Command palette' });
    const titles = within(palette).getAllByRole('option').map((option) => option.querySelector('.command-title')!.textContent);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Add a step',
        'Run the selected cell',
        'Focus the command box',
        'Search the journal',
        'Go to file (quick open)',
        'Open models',
        'Export the journal as Markdown',
        'Show or hide attachments',
        'Rename the current step (F2 in the step list)',
        'Show all commands',
      ]),
    );
    const addStep = within(palette).getByRole('option', { name: /Add a step/ });
    expect(within(addStep).getByText('Alt+N').tagName).toBe('KBD');

    const search = within(palette).getByRole('combobox', { name: 'Command' });
    fireEvent.change(search, { target: { value: 'addstp' } });
    const shown = within(palette).getAllByRole('option');
    expect(shown[0]!.querySelector('.command-title')!.textContent).toBe('Add a step');
    expect(Array.from(shown[0]!.querySelectorAll('.fuzzy-match'), (mark) => mark.textContent).join('')).toBe('Addstp');
    fireEvent.keyDown(search, { key: 'Enter' });

    expect(screen.queryByRole('dialog', { name: 'Command palette' })).toBeNull();
    await waitFor(() => expect(fake.journal(journal.id).steps).toHaveLength(3));
  });

  it('toggles the theme from the palette, and the theme picker follows', async () => {
    await setup();
    const toggle = () => {
      fireEvent.keyDown(window, { key: 'P', ctrlKey: true, shiftKey: true });
      const palette = screen.getByRole('dialog', { name: 'Command palette' });
      fireEvent.change(within(palette).getByRole('combobox', { name: 'Command' }), { target: { value: 'toggle theme' } });
      fireEvent.keyDown(within(palette).getByRole('combobox', { name: 'Command' }), { key: 'Enter' });
    };
    const before = document.documentElement.dataset.theme ?? 'light';
    const other = before === 'dark' ? 'light' : 'dark';
    toggle();
    expect(document.documentElement.dataset.theme).toBe(other);
    expect((screen.getByRole('combobox', { name: 'Theme' }) as HTMLSelectElement).value).toBe(other);
    toggle();
    expect(document.documentElement.dataset.theme).toBe(before);
  });

  it('F1 opens it outside the editor, arrows move, Escape closes and gives focus back', async () => {
    await setup();
    const before = commandBox();
    before.focus();
    fireEvent.keyDown(before, { key: 'F1' });
    const palette = screen.getByRole('dialog', { name: 'Command palette' });
    const input = within(palette).getByRole('combobox', { name: 'Command' });
    expect(document.activeElement).toBe(input);
    const options = within(palette).getAllByRole('option');
    expect(options[0]!.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(within(palette).getAllByRole('option')[1]!.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(input, { key: 'ArrowUp' });
    fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(within(palette).getAllByRole('option').at(-1)!.getAttribute('aria-selected')).toBe('true');

    fireEvent.keyDown(input, { key: 'Escape' });
    expect(screen.queryByRole('dialog', { name: 'Command palette' })).toBeNull();
    expect(document.activeElement).toBe(before);
  });

  it('leaves F1 to Monaco inside the editor (its own palette), and opens on Ctrl+Shift+P there', async () => {
    await setup();
    const monaco = document.createElement('div');
    monaco.className = 'monaco-editor';
    const inner = document.createElement('textarea');
    monaco.append(inner);
    document.body.append(monaco);

    fireEvent.keyDown(inner, { key: 'F1' });
    expect(screen.queryByRole('dialog', { name: 'Command palette' })).toBeNull();
    fireEvent.keyDown(inner, { key: 'P', ctrlKey: true, shiftKey: true });
    expect(screen.getByRole('dialog', { name: 'Command palette' })).toBeTruthy();
    monaco.remove();
  });

  it('the new keys: Alt+N adds a step, Ctrl+` focuses the command box, Alt+Enter runs the selected cell again', async () => {
    const { fake, journal } = await setup();
    await run('echo one');
    await run('echo two');
    const [one, two] = currentStep(fake, journal.id).cells;
    act(() => void fake.finishRun(journal.id, one!.id, fake.startRun(journal.id, one!.id), 'one'));
    act(() => void fake.finishRun(journal.id, two!.id, fake.startRun(journal.id, two!.id), 'two'));

    stepItem('Reproduce').focus();
    fireEvent.keyDown(document.activeElement!, { key: '`', ctrlKey: true });
    expect(document.activeElement).toBe(commandBox());

    const runsBefore = fake.inputsOf('cell.run').length;
    screen.getByRole('group', { name: 'Cell: echo one' }).focus();
    fireEvent.keyDown(document.activeElement!, { key: 'Enter', altKey: true });
    await waitFor(() => expect(fake.inputsOf('cell.run').slice(runsBefore)).toEqual([{ journalId: journal.id, cellId: one!.id }]));

    fireEvent.keyDown(document.body, { key: 'n', altKey: true });
    await screen.findByRole('textbox', { name: 'Step title' });
    expect(fake.journal(journal.id).steps).toHaveLength(3);
  });
});

describe('quick open', () => {
  it('finds parser.ts by "prsr", best first, with the matched letters marked', async () => {
    const { fake } = await setup();
    fake.files = ['lib/improper/usurer.js', 'src/csv/parser.ts', 'README.md'];
    fireEvent.keyDown(window, { key: 'p', ctrlKey: true });
    const dialog = screen.getByRole('dialog', { name: 'Quick open' });
    fireEvent.change(within(dialog).getByRole('combobox', { name: 'File name' }), { target: { value: 'prsr' } });
    await waitFor(() => expect(within(dialog).getAllByRole('option').map((o) => o.textContent)).toEqual(['src/csv/parser.ts', 'lib/improper/usurer.js']));
    const best = within(dialog).getAllByRole('option')[0]!;
    expect(Array.from(best.querySelectorAll('.fuzzy-match'), (m) => m.textContent)).toEqual(['p', 'rs', 'r']);
  });
});

describe('command box', () => {
  it('↑ in the box recalls this journal\'s earlier commands, newest first; ↓ goes back to the draft', async () => {
    const { fake, journal } = await setup();
    await run('echo first');
    await run('echo second');
    // Ran in order: the history follows when each last ran, not where its cell sits.
    const [first, second] = currentStep(fake, journal.id).cells;
    act(() => void fake.finishRun(journal.id, first!.id, { ...fake.startRun(journal.id, first!.id), startedAt: '2025-01-01T00:00:01.000Z' }, ''));
    act(() => void fake.finishRun(journal.id, second!.id, { ...fake.startRun(journal.id, second!.id), startedAt: '2025-01-01T00:00:02.000Z' }, ''));

    fireEvent.change(commandBox(), { target: { value: 'my draft' } });
    fireEvent.keyDown(commandBox(), { key: 'ArrowUp' });
    expect(commandBox().value).toBe('echo second');
    fireEvent.keyDown(commandBox(), { key: 'ArrowUp' });
    expect(commandBox().value).toBe('echo first');
    fireEvent.keyDown(commandBox(), { key: 'ArrowUp' });
    expect(commandBox().value).toBe('echo first');
    fireEvent.keyDown(commandBox(), { key: 'ArrowDown' });
    expect(commandBox().value).toBe('echo second');
    fireEvent.keyDown(commandBox(), { key: 'ArrowDown' });
    expect(commandBox().value).toBe('my draft');
  });

  it('↑ on a later line of a multi-line command moves the caret, not the history', async () => {
    await setup();
    await run('echo first');
    fireEvent.change(commandBox(), { target: { value: 'line one\nline two' } });
    commandBox().setSelectionRange(12, 12);
    const event = fireEvent.keyDown(commandBox(), { key: 'ArrowUp' });
    expect(event).toBe(true);
    expect(commandBox().value).toBe('line one\nline two');
  });

  it('while a cell runs, Enter sends the text and a newline to it and says so; Ctrl+Enter queues a new command', async () => {
    const { fake, journal } = await setup();
    await run('read -p "Your name? " x; echo got $x');
    const [reader] = currentStep(fake, journal.id).cells;
    act(() => void fake.startRun(journal.id, reader!.id));

    expect(commandBox().placeholder).toMatch(/Sends input to the running command/);
    expect(screen.getByText(/Sends input to the running command/, { selector: '.composer-mode' })).toBeTruthy();
    fireEvent.change(commandBox(), { target: { value: 'Bob' } });
    fireEvent.keyDown(commandBox(), { key: 'Enter' });
    expect(fake.inputsOf('cell.input')).toEqual([{ journalId: journal.id, data: 'Bob\r' }]);
    expect(commandBox().value).toBe('');
    expect(currentStep(fake, journal.id).cells).toHaveLength(1);

    fireEvent.change(commandBox(), { target: { value: 'echo next' } });
    fireEvent.keyDown(commandBox(), { key: 'Enter', ctrlKey: true });
    await screen.findByRole('group', { name: 'Cell: echo next' });
    expect(fake.inputsOf('cell.input')).toHaveLength(1);
  });
});

describe('steps and attachments', () => {
  it('a double-click on a step renames it', async () => {
    const { fake } = await setup();
    fireEvent.doubleClick(stepItem('Fix'));
    const input = await screen.findByRole('textbox', { name: 'Step title' });
    fireEvent.change(input, { target: { value: 'Fix the parser' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(fake.editsOf('renameStep')).toMatchObject([{ title: 'Fix the parser' }]));
  });

  it('refuses an identical attachment on the same step, saying so; different text under the same title is added', async () => {
    const { fake, journal } = await setup();
    const attachText = async (title: string, text: string) => {
      fireEvent.click(await screen.findByRole('button', { name: 'Attach' }));
      fireEvent.change(screen.getByLabelText('Attachment kind'), { target: { value: 'text' } });
      fireEvent.change(screen.getByLabelText('Title'), { target: { value: title } });
      fireEvent.change(screen.getByLabelText('Text'), { target: { value: text } });
      fireEvent.click(screen.getByRole('button', { name: 'Add attachment' }));
    };
    await attachText('src/a.ts:15-20', 'const a = 1;');
    await waitFor(() => expect(currentStep(fake, journal.id).attachments).toHaveLength(1));

    await attachText('src/a.ts:15-20', 'const a = 1;');
    expect(await screen.findByText('“src/a.ts:15-20” is already attached to this step.')).toBeTruthy();
    expect(fake.inputsOf('attachment.add')).toHaveLength(1);
    // The form stays open with what was typed.
    expect((screen.getByLabelText('Text') as HTMLTextAreaElement).value).toBe('const a = 1;');

    fireEvent.change(screen.getByLabelText('Text'), { target: { value: 'const a = 2;' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add attachment' }));
    await waitFor(() => expect(currentStep(fake, journal.id).attachments).toHaveLength(2));
  });

  it('pins an earlier step\'s attachment to the current step, shows it with Unpin, and unpins', async () => {
    const { fake, journal } = await setup();
    fireEvent.click(screen.getByRole('button', { name: 'Attach' }));
    fireEvent.change(screen.getByLabelText('Attachment kind'), { target: { value: 'text' } });
    fireEvent.change(screen.getByLabelText('Title'), { target: { value: 'Ticket 1234' } });
    fireEvent.change(screen.getByLabelText('Text'), { target: { value: 'The parser drops empty lines.' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add attachment' }));
    await waitFor(() => expect(fake.journal(journal.id).steps[0]!.attachments).toHaveLength(1));
    const ticket = fake.journal(journal.id).steps[0]!.attachments[0]!;
    // The first step has nothing earlier to pin.
    expect(screen.queryByText(/Pin from earlier steps/)).toBeNull();

    fireEvent.click(stepItem('Fix'));
    const earlier = await screen.findByRole('list', { name: "Earlier steps' attachments" });
    const item = within(earlier).getByTitle('Ticket 1234');
    expect(item.textContent).toContain('from step 1');
    fireEvent.click(within(item).getByRole('button', { name: 'Pin' }));

    const pinned = await screen.findByRole('list', { name: 'Pinned attachments' });
    await waitFor(() => expect(fake.journal(journal.id).steps[1]!.pinnedAttachmentIds).toEqual([ticket.id]));
    expect(screen.queryByRole('list', { name: "Earlier steps' attachments" })).toBeNull();
    fireEvent.click(within(within(pinned).getByTitle('Ticket 1234')).getByRole('button', { name: 'Unpin' }));
    await waitFor(() => expect(fake.journal(journal.id).steps[1]!.pinnedAttachmentIds).toEqual([]));
  });
});
