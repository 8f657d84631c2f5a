// @vitest-environment happy-dom
import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { FakeApi } from './fakeApi';
import { renderJournal } from './helpers';

vi.mock('../../../renderer/journal/cells/TerminalView', () => ({ TerminalView: () => null }));
vi.mock('../../../renderer/editor/EditorPane', () => ({ EditorPane: () => null }));

describe('first run without a model', () => {
  it('the app shows the model setup prompt, which opens the Models dialog', async () => {
    const fake = new FakeApi();
    fake.addJournal('Bug 42', ['Reproduce']);
    fake.assistantStatus = { state: 'no-model', model: null, device: 'cpu', message: null };
    await renderJournal(fake);

    const prompt = await screen.findByRole('region', { name: 'Model setup' });
    fireEvent.click(within(prompt).getByRole('button', { name: 'Set up a model' }));
    expect(screen.getByRole('dialog', { name: 'Models' })).toBeTruthy();
  });
});
