// @vitest-environment happy-dom
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { MAX_NOTES_CHARS } from '../../../app/journal/schema';
import { renderMarkdown } from '../../../renderer/journal/notes/markdown';
import { notesTooLong } from '../../../renderer/journal/notes/Notes';
import { FakeApi } from './fakeApi';
import { renderJournal } from './helpers';

vi.mock('../../../renderer/journal/cells/TerminalView', () => ({ TerminalView: () => null }));
// DOMPurify reads node names through DOM getters that happy-dom does not provide, and mangles its output
// there; it runs for real in Chromium (e2e). These tests check what the markdown renderer itself guarantees.
vi.mock('dompurify', () => ({ default: { sanitize: (html: string) => html } }));

async function setup(notes = '') {
  const fake = new FakeApi();
  const journal = fake.addJournal('Notes', ['Read', 'Write']);
  fake.journal(journal.id).steps[0]!.notes = notes;
  await renderJournal(fake);
  return { fake, journal, preview: screen.getByRole('region', { name: 'Notes preview' }) };
}

describe('notes', () => {
  it('refuses text past the notes limit, pasted or typed, with a message, and keeps the notes as they were', async () => {
    const { fake } = await setup('keep me');
    const area = screen.getByRole('textbox', { name: 'Notes' }) as HTMLTextAreaElement;
    area.setSelectionRange(7, 7);
    const paste = fireEvent.paste(area, { clipboardData: { getData: () => 'x'.repeat(MAX_NOTES_CHARS - 6) } });
    expect(paste).toBe(false);
    expect(screen.getByRole('alert').textContent).toBe(notesTooLong(MAX_NOTES_CHARS + 1));
    fireEvent.change(area, { target: { value: 'y'.repeat(MAX_NOTES_CHARS + 1) } });
    expect(area.value).toBe('keep me');
    // Within the limit it is taken, and the message goes.
    fireEvent.change(area, { target: { value: 'keep me too' } });
    expect(screen.queryByRole('alert')).toBeNull();
    fireEvent.blur(area);
    await waitFor(() => expect(fake.editsOf('setNotes')).toEqual([expect.objectContaining({ notes: 'keep me too' })]));
  });

  it('renders markdown in the preview', async () => {
    const { preview } = await setup('# Plan\n\n- **bold** step');
    expect(preview.querySelector('h1')?.textContent).toBe('Plan');
    expect(preview.querySelector('li strong')?.textContent).toBe('bold');
  });

  it('shows raw HTML as text and never creates its elements', async () => {
    const { preview } = await setup('before <img src=x onerror=alert(1)> after\n\n<div onclick="x()">block</div>');
    expect(preview.querySelector('img')).toBeNull();
    expect(preview.querySelector('div')).toBeNull();
    expect(preview.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(preview.textContent).toContain('<div onclick="x()">block</div>');
  });

  it('makes links only of http(s) and mailto URLs and keeps the text of others', () => {
    const html = renderMarkdown('[click](javascript:alert(1)) [file](file:///etc/passwd) [mail](mailto:a@b.c) [site](https://example.com/a?b=1&c=2)');
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('file:');
    expect(html).toContain('click');
    expect(html).toContain('<a href="mailto:a@b.c">mail</a>');
    expect(html).toContain('<a href="https://example.com/a?b=1&amp;c=2">site</a>');
  });

  it('opens links in a new tab that cannot reach back (browser mode), never in the app page', async () => {
    const opened = vi.spyOn(window, 'open').mockReturnValue(null);
    try {
      const { fake } = await setup('[docs](https://example.com/docs)');
      const click = new MouseEvent('click', { bubbles: true, cancelable: true });

      screen.getByRole('link', { name: 'docs' }).dispatchEvent(click);

      expect(click.defaultPrevented).toBe(true);
      expect(opened).toHaveBeenCalledWith('https://example.com/docs', '_blank', 'noopener,noreferrer');
      expect(fake.inputsOf('shell.openExternal')).toEqual([]);
    } finally {
      opened.mockRestore();
    }
  });

  it('opens links through shell.openExternal in Electron (the preload bridge is there)', async () => {
    const opened = vi.spyOn(window, 'open').mockReturnValue(null);
    window.steerway = { call: async () => ({ ok: true, value: {} }), on: () => () => undefined };
    try {
      const { fake } = await setup('[mail me](mailto:a@b.c)');
      screen.getByRole('link', { name: 'mail me' }).dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
      await waitFor(() => expect(fake.inputsOf('shell.openExternal')).toEqual([{ url: 'mailto:a@b.c' }]));
      expect(opened).not.toHaveBeenCalled();
    } finally {
      delete window.steerway;
      opened.mockRestore();
    }
  });

  it('saves while typing, once the user pauses, and updates the preview', async () => {
    const { fake, journal } = await setup();
    const notes = screen.getByRole('textbox', { name: 'Notes' });

    fireEvent.focus(notes);
    fireEvent.change(notes, { target: { value: '*first*' } });
    fireEvent.change(notes, { target: { value: '*first draft*' } });

    await waitFor(() => expect(screen.getByRole('region', { name: 'Notes preview' }).querySelector('em')?.textContent).toBe('first draft'));
    await waitFor(() => expect(fake.editsOf('setNotes')).toEqual([{ type: 'setNotes', stepId: journal.steps[0]!.id, notes: '*first draft*', base: '' }]));
  });

  it('saves at once when the field loses focus', async () => {
    const { fake } = await setup();
    const notes = screen.getByRole('textbox', { name: 'Notes' });
    vi.useFakeTimers();

    fireEvent.focus(notes);
    fireEvent.change(notes, { target: { value: 'quick' } });
    fireEvent.blur(notes);

    expect(fake.editsOf('setNotes')).toMatchObject([{ notes: 'quick' }]);
    vi.runAllTimers();
    expect(fake.editsOf('setNotes')).toHaveLength(1);
  });

  it('shows notes changed elsewhere unless the user is typing', async () => {
    const { fake, journal } = await setup('old');
    const notes = screen.getByRole('textbox', { name: 'Notes' }) as HTMLTextAreaElement;
    const stepId = fake.journal(journal.id).steps[0]!.id;

    fake.change(journal.id, { type: 'setNotes', stepId, notes: 'from another window' });
    await waitFor(() => expect(notes.value).toBe('from another window'));

    fireEvent.focus(notes);
    fireEvent.change(notes, { target: { value: 'typing here' } });
    fake.change(journal.id, { type: 'setNotes', stepId, notes: 'a third version' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(notes.value).toBe('typing here');
  });
});
