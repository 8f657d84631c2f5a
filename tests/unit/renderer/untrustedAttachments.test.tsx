// @vitest-environment happy-dom
import { act, fireEvent, screen, within } from '@testing-library/react';
import { expect, it, vi } from 'vitest';
import { NOT_LOADED_UNTIL_TRUSTED } from '../../../app/journal/trust';
import { FakeApi } from './fakeApi';
import { renderJournal } from './helpers';

vi.mock('../../../renderer/journal/cells/TerminalView', () => ({ TerminalView: () => <div role="region" aria-label="Output" /> }));

it("lists an untrusted journal's file and URL attachments as not loaded until it is trusted; its pasted text opens", async () => {
  const fake = new FakeApi();
  const journal = fake.addJournal('Cloned', ['Investigate'], { trusted: false });
  const addedAt = '2025-01-01T00:00:00.000Z';
  journal.steps[0]!.attachments.push(
    { id: 'a-file', kind: 'file', title: 'README.md', source: '/home/me/.ssh/id_rsa', sizeBytes: 10, addedAt },
    { id: 'a-url', kind: 'url', title: 'Docs', source: 'http://169.254.169.254/', sizeBytes: 0, addedAt },
    { id: 'a-text', kind: 'text', title: 'Ticket', source: '', sizeBytes: 5, addedAt },
  );
  await renderJournal(fake);
  const panel = screen.getByRole('complementary', { name: 'Attachments' });
  const item = (name: string) => within(panel).getByRole('listitem', { name });
  const openButton = (name: string) => within(item(name)).getByRole('button', { name: 'Open' }) as HTMLButtonElement;

  for (const name of ['README.md', 'Docs']) {
    expect(item(name).textContent).toContain(NOT_LOADED_UNTIL_TRUSTED);
    expect(openButton(name).disabled).toBe(true);
  }
  expect(item('Ticket').textContent).not.toContain(NOT_LOADED_UNTIL_TRUSTED);
  fireEvent.click(openButton('Ticket'));
  expect(await screen.findByRole('dialog', { name: 'Ticket' })).toBeTruthy();
  fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
  expect(fake.inputsOf('shell.openExternal')).toEqual([]);

  const banner = screen.getByRole('alert');
  await act(async () => fireEvent.click(within(banner).getByRole('button', { name: 'Trust this journal' })));
  expect(item('README.md').textContent).not.toContain(NOT_LOADED_UNTIL_TRUSTED);
  expect(openButton('Docs').disabled).toBe(false);
});
