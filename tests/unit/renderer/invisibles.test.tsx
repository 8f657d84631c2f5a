// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { FakeApi } from './fakeApi';
import { renderJournal } from './helpers';

vi.mock('../../../renderer/journal/cells/TerminalView', () => ({
  TerminalView: () => <div role="region" aria-label="Output" />,
}));

// Displayed raw, this reads `echo hello # ; touch X;:` (a comment); bash runs the touch (Trojan Source).
const TROJAN = 'echo hello \u202E\u2066; touch X;:\u2069 \u2066#\u2069\u202C';
const SHOWN = 'echo hello ⟨U+202E⟩⟨U+2066⟩; touch X;:⟨U+2069⟩ ⟨U+2066⟩#⟨U+2069⟩⟨U+202C⟩';
const BIDI_OR_HIDDEN = /[\u202A-\u202E\u2066-\u2069\u200B\u00A0]/;

async function openJournal(options: { trusted: boolean; stepTitle?: string; commands: string[] }) {
  const fake = new FakeApi();
  const journal = fake.addJournal('Cloned', [options.stepTitle ?? 'Imported'], { trusted: options.trusted });
  options.commands.forEach((command, i) => {
    fake.journal(journal.id).steps[0]!.cells.push({ id: `cell-${i}`, command, collapsed: false, lastRun: null });
  });
  await renderJournal(fake);
  return { fake, journal };
}

describe('hidden and bidirectional characters in a journal', () => {
  it('shows each one in a command as a boxed code point, never the character itself', async () => {
    await openJournal({ trusted: true, commands: [TROJAN] });

    const cell = screen.getByRole('group', { name: `Cell: ${SHOWN}` });
    const command = cell.querySelector('.cell-command')!;
    expect(command.textContent).toBe(`$${SHOWN}`);
    expect(command.textContent).not.toMatch(BIDI_OR_HIDDEN);
    const markers = [...command.querySelectorAll('.invisible-char')];
    expect(markers.map((marker) => marker.textContent)).toEqual(['⟨U+202E⟩', '⟨U+2066⟩', '⟨U+2069⟩', '⟨U+2066⟩', '⟨U+2069⟩', '⟨U+202C⟩']);
    expect(markers.every((marker) => marker.classList.contains('bidi'))).toBe(true);
    expect(markers[0]!.getAttribute('title')).toMatch(/^U\+202E right-to-left override/);
  });

  it('copies and runs the command as written: only its display changes', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { fake, journal } = await openJournal({ trusted: true, commands: [TROJAN] });
    const cell = screen.getByRole('group', { name: `Cell: ${SHOWN}` });

    fireEvent.click(within(cell).getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(`$ ${TROJAN}\n`));
    fireEvent.click(within(cell).getByRole('button', { name: 'Re-run' }));
    await waitFor(() => expect(fake.inputsOf('cell.run')).toEqual([{ journalId: journal.id, cellId: 'cell-0' }]));
    expect(fake.journal(journal.id).steps[0]!.cells[0]!.command).toBe(TROJAN);
  });

  it('shows them in step titles: the steps list, its labels and the step heading', async () => {
    await openJournal({ trusted: true, stepTitle: 'Deploy\u200B\u202E', commands: [] });

    const item = screen.getByRole('listitem', { name: 'Deploy⟨U+200B⟩⟨U+202E⟩' });
    expect(item.querySelector('.step-title')!.textContent).toBe('Deploy⟨U+200B⟩⟨U+202E⟩');
    const heading = screen.getByRole('heading', { level: 1 });
    expect(heading.textContent).toBe('Deploy⟨U+200B⟩⟨U+202E⟩');
    expect(heading.querySelectorAll('.invisible-char')).toHaveLength(2);
  });

  it('shows them in the journal picker and in attachment titles and sources', async () => {
    const fake = new FakeApi();
    const journal = fake.addJournal('Notes\u202Etxt.exe', ['Imported']);
    fake.journal(journal.id).steps[0]!.attachments.push({
      id: 'att-1',
      kind: 'file',
      title: 'README\u2066.md',
      source: '/home/me/\u202Egpj.sh',
      sizeBytes: 10,
      addedAt: '2026-01-01T00:00:00.000Z',
    });
    await renderJournal(fake);

    expect(screen.getByRole('option', { name: 'Notes⟨U+202E⟩txt.exe' })).toBeTruthy();
    const attachment = within(screen.getByRole('complementary', { name: 'Attachments' })).getByRole('listitem');
    expect(attachment.getAttribute('title')).toBe('README⟨U+2066⟩.md');
    const title = attachment.querySelector('.attachment-title')!;
    expect(title.textContent).toBe('README⟨U+2066⟩.md');
    expect(title.getAttribute('title')).toBe('/home/me/⟨U+202E⟩gpj.sh');
  });

  it('warns in the trust banner how many commands and titles hold them, and how they are shown', async () => {
    await openJournal({ trusted: false, stepTitle: 'Setup\u00A0', commands: ['npm ci', TROJAN, 'ls\u200B -la'] });

    const banner = screen.getByRole('alert');
    expect(banner.textContent).toContain(
      'This journal contains hidden or bidirectional characters in 2 commands and 1 step title; they are shown as ⟨U+00A0⟩.',
    );
  });

  it('says nothing of them for a journal without any', async () => {
    await openJournal({ trusted: false, commands: ['npm ci', 'echo "❤️ café"'] });
    const banner = screen.getByRole('alert');
    expect(banner.textContent).toContain('untrusted');
    expect(banner.textContent).not.toContain('hidden or bidirectional');
  });

  it('warns for one command, and the warning goes with the banner once trusted', async () => {
    const { fake, journal } = await openJournal({ trusted: false, commands: [TROJAN] });
    const banner = screen.getByRole('alert');
    expect(banner.textContent).toContain('hidden or bidirectional characters in 1 command; they are shown as ⟨U+202E⟩.');

    await act(async () => fireEvent.click(within(banner).getByRole('button', { name: 'Trust this journal' })));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(fake.inputsOf('journal.trust')).toEqual([{ journalId: journal.id }]);
    expect(screen.getByRole('group', { name: `Cell: ${SHOWN}` })).toBeTruthy();
  });
});
