// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { FakeApi } from './fakeApi';
import { renderJournal } from './helpers';

vi.mock('../../../renderer/journal/cells/TerminalView', () => ({ TerminalView: () => null }));

function setup() {
  const fake = new FakeApi();
  const journal = fake.addJournal('Bug 42', ['Reproduce', 'Fix', 'Verify']);
  return { fake, journal };
}

const stepItem = (title: string) => within(screen.getByRole('list', { name: 'Steps' })).getByRole('listitem', { name: title });
const stepTitles = () => within(screen.getByRole('list', { name: 'Steps' })).queryAllByRole('listitem').map((item) => item.getAttribute('aria-label'));

describe('steps list', () => {
  it('marks the current step, and clicking another step makes it current', async () => {
    const { fake } = setup();
    await renderJournal(fake);
    expect(stepItem('Reproduce').getAttribute('aria-current')).toBe('step');
    expect(stepItem('Fix').hasAttribute('aria-current')).toBe(false);

    fireEvent.click(stepItem('Fix'));

    await waitFor(() => expect(stepItem('Fix').getAttribute('aria-current')).toBe('step'));
    expect(stepItem('Reproduce').hasAttribute('aria-current')).toBe(false);
    expect(fake.editsOf('setCurrentStep')).toHaveLength(1);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Fix');
  });

  it('adds "New step" after the current step with the title field focused, and Enter saves the title', async () => {
    const { fake } = setup();
    await renderJournal(fake);

    fireEvent.click(screen.getByRole('button', { name: 'Add step' }));
    const input = await screen.findByRole('textbox', { name: 'Step title' });

    expect(document.activeElement).toBe(input);
    expect(stepTitles()).toEqual(['Reproduce', 'New step', 'Fix', 'Verify']);
    expect(stepItem('New step').getAttribute('aria-current')).toBe('step');
    fireEvent.change(input, { target: { value: 'Bisect' } });
    fireEvent.keyDown(input, { key: 'Enter' });

    await waitFor(() => expect(stepTitles()).toEqual(['Reproduce', 'Bisect', 'Fix', 'Verify']));
    expect(screen.queryByRole('textbox', { name: 'Step title' })).toBeNull();
    expect(document.activeElement).toBe(stepItem('Bisect'));
  });

  it('renames from the step header; Escape cancels and leaving the field saves', async () => {
    const { fake } = setup();
    await renderJournal(fake);

    fireEvent.click(screen.getByRole('button', { name: 'Rename step' }));
    const first = screen.getByRole('textbox', { name: 'Step title' });
    fireEvent.change(first, { target: { value: 'Ignored' } });
    fireEvent.keyDown(first, { key: 'Escape' });
    expect(screen.queryByRole('textbox', { name: 'Step title' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Rename step' }));
    const second = screen.getByRole('textbox', { name: 'Step title' });
    fireEvent.change(second, { target: { value: 'Reproduce on CI' } });
    fireEvent.blur(second);

    await waitFor(() => expect(stepTitles()[0]).toBe('Reproduce on CI'));
    expect(fake.editsOf('renameStep')).toHaveLength(1);
  });

  it('moves the focused step with Alt+Arrow keys and keeps focus on it', async () => {
    const { fake, journal } = setup();
    await renderJournal(fake);
    // Browsers drop focus from an element moved in the DOM (React puts it back after the commit).
    const insertBefore = Node.prototype.insertBefore;
    vi.spyOn(Node.prototype, 'insertBefore').mockImplementation(function <T extends Node>(this: Node, node: T, child: Node | null): T {
      if (node instanceof HTMLElement && node === document.activeElement) node.blur();
      return insertBefore.call(this, node, child) as T;
    });
    const reproduce = stepItem('Reproduce');
    reproduce.focus();

    fireEvent.keyDown(reproduce, { key: 'ArrowDown', altKey: true });

    await waitFor(() => expect(stepTitles()).toEqual(['Fix', 'Reproduce', 'Verify']));
    expect(fake.editsOf('moveStep')).toEqual([{ type: 'moveStep', stepId: journal.steps[0]!.id, toIndex: 1 }]);
    expect(document.activeElement).toBe(stepItem('Reproduce'));

    fireEvent.keyDown(stepItem('Reproduce'), { key: 'ArrowUp', altKey: true });
    await waitFor(() => expect(stepTitles()).toEqual(['Reproduce', 'Fix', 'Verify']));
  });

  it('moves focus between steps with the arrow keys alone, without reordering', async () => {
    const { fake } = setup();
    await renderJournal(fake);
    stepItem('Reproduce').focus();

    fireEvent.keyDown(stepItem('Reproduce'), { key: 'ArrowDown' });

    expect(document.activeElement).toBe(stepItem('Fix'));
    expect(fake.editsOf('moveStep')).toEqual([]);
  });

  it('selects the focused step with Enter and renames it with F2', async () => {
    const { fake } = setup();
    await renderJournal(fake);

    fireEvent.keyDown(stepItem('Verify'), { key: 'Enter' });
    await waitFor(() => expect(stepItem('Verify').getAttribute('aria-current')).toBe('step'));
    fireEvent.keyDown(stepItem('Fix'), { key: 'F2' });

    const input = screen.getByRole('textbox', { name: 'Step title' }) as HTMLInputElement;
    expect(input.value).toBe('Fix');
    expect(stepItem('Fix').contains(input)).toBe(true);
  });

  it('moves the current step with the Move step buttons', async () => {
    const { fake } = setup();
    await renderJournal(fake);
    expect((screen.getByRole('button', { name: 'Move step up' }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.click(screen.getByRole('button', { name: 'Move step down' }));

    await waitFor(() => expect(stepTitles()).toEqual(['Fix', 'Reproduce', 'Verify']));
    fireEvent.click(screen.getByRole('button', { name: 'Move step up' }));
    await waitFor(() => expect(stepTitles()).toEqual(['Reproduce', 'Fix', 'Verify']));
  });

  it('reorders by drag and drop: the dragged step takes the place of the one it is dropped on', async () => {
    const { fake, journal } = setup();
    await renderJournal(fake);
    const dataTransfer = { setData: vi.fn(), effectAllowed: '', dropEffect: '' };

    fireEvent.dragStart(stepItem('Verify'), { dataTransfer });
    fireEvent.dragOver(stepItem('Reproduce'), { dataTransfer });
    expect(stepItem('Reproduce').className).toContain('drop-before');
    fireEvent.drop(stepItem('Reproduce'), { dataTransfer });

    await waitFor(() => expect(stepTitles()).toEqual(['Verify', 'Reproduce', 'Fix']));
    expect(fake.editsOf('moveStep')).toEqual([{ type: 'moveStep', stepId: journal.steps[2]!.id, toIndex: 0 }]);
  });

  it('deletes the current step and puts it back at its place with Undo', async () => {
    const { fake, journal } = setup();
    await renderJournal(fake);
    fireEvent.click(stepItem('Fix'));
    await waitFor(() => expect(stepItem('Fix').getAttribute('aria-current')).toBe('step'));

    fireEvent.click(screen.getByRole('button', { name: 'Delete step' }));

    const toast = await screen.findByRole('status');
    expect(toast.textContent).toContain('Step deleted');
    expect(stepTitles()).toEqual(['Reproduce', 'Verify']);
    fireEvent.click(within(toast).getByRole('button', { name: 'Undo' }));

    await waitFor(() => expect(stepTitles()).toEqual(['Reproduce', 'Fix', 'Verify']));
    expect(fake.editsOf('restoreStep')).toMatchObject([{ index: 1, step: { id: journal.steps[1]!.id } }]);
    expect(stepItem('Fix').getAttribute('aria-current')).toBe('step');
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('sets the status of the current step and shows it in the list', async () => {
    const { fake } = setup();
    await renderJournal(fake);

    fireEvent.change(screen.getByRole('combobox', { name: 'Status' }), { target: { value: 'done' } });

    await waitFor(() => expect(stepItem('Reproduce').dataset.status).toBe('done'));
    expect(stepItem('Reproduce').querySelector('.status-mark')?.textContent).toBe('●');
    expect(fake.editsOf('setStepStatus')).toMatchObject([{ status: 'done' }]);
  });

  it('shows an empty journal with only the Add step button', async () => {
    const fake = new FakeApi();
    fake.addJournal('Empty');
    await renderJournal(fake);

    expect(stepTitles()).toEqual([]);
    expect(screen.queryByRole('textbox', { name: 'Command' })).toBeNull();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Add step' })));
    expect(await screen.findByRole('textbox', { name: 'Command' })).toBeTruthy();
  });
});
