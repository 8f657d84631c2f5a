// @vitest-environment happy-dom
import { act, screen, within } from '@testing-library/react';
import { expect, it, vi } from 'vitest';
import { neverFitsText } from '../../../renderer/journal/attachments/DocumentFit';
import { FakeApi } from './fakeApi';
import { renderJournal } from './helpers';

vi.mock('../../../renderer/journal/cells/TerminalView', () => ({ TerminalView: () => <div role="region" aria-label="Output" /> }));

const addedAt = '2025-01-01T00:00:00.000Z';

it('says on the card when a document can never fit the loaded model\'s document budget, and nothing without a model', async () => {
  const fake = new FakeApi();
  const journal = fake.addJournal('Docs', ['Read up']);
  journal.steps[0]!.attachments.push(
    { id: 'zod', kind: 'package-docs', title: 'zod docs', source: 'zod', sizeBytes: 7000, addedAt },
    { id: 'small', kind: 'text', title: 'Ticket', source: '', sizeBytes: 50, addedAt },
    { id: 'link', kind: 'url', title: 'Site', source: 'https://example.com/', sizeBytes: 0, addedAt },
  );
  // No model loaded yet: the budget is unknown, the cards say nothing.
  fake.documentFit = ({ attachmentId }) => ({ tokens: attachmentId === 'zod' ? 2493 : 20, budgetTokens: null });
  await renderJournal(fake);
  const panel = screen.getByRole('complementary', { name: 'Attachments' });
  const card = (name: string) => within(panel).getByRole('listitem', { name });
  await vi.waitFor(() => expect(fake.inputsOf('assistant.documentFit').map((i) => i.attachmentId).sort()).toEqual(['small', 'zod']));
  expect(card('zod docs').textContent).not.toContain('never fits');

  // The model loads: its budget is 256 tokens, and the cards ask again.
  fake.documentFit = ({ attachmentId }) => ({ tokens: attachmentId === 'zod' ? 2493 : 20, budgetTokens: 256 });
  act(() => fake.emit('assistant.status', { ...fake.assistantStatus, state: 'ready' }));
  expect(await within(card('zod docs')).findByText(neverFitsText(2493, 256))).toBeTruthy();
  expect(neverFitsText(2493, 256)).toBe("2,493 tokens: never fits this model's 256-token document budget");
  expect(card('Ticket').textContent).not.toContain('never fits');
  // A URL is not fetched to size its card.
  expect(fake.inputsOf('assistant.documentFit').some((i) => i.attachmentId === 'link')).toBe(false);
});
