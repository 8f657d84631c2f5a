// @vitest-environment happy-dom
import { fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RemoteError } from '../../../app/ipc/api';
import { MAX_ATTACHMENT_TEXT_BYTES, MAX_FRAME_BYTES, MAX_SAVED_FILE_BYTES } from '../../../app/ipc/limits';
import { connectApi } from '../../../renderer/api/connect';
import { BUFFER_DELAY_MS, createEditorStore } from '../../../renderer/editor/editorStore';
import { EditorFakeApi } from './editorFakeApi';
import { FakeApi } from './fakeApi';
import { renderJournal } from './helpers';

vi.mock('../../../renderer/journal/cells/TerminalView', () => ({ TerminalView: () => <div role="region" aria-label="Output" /> }));

/** Issue 9, item 1: the renderer checks a big payload before sending it and says why it will not. */

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('pasted text over the attachment limit', () => {
  it('says "This attachment is over 5 MB" and sends nothing; within the limit it attaches', async () => {
    const fake = new FakeApi();
    fake.addJournal('J', ['Investigate']);
    await renderJournal(fake);
    const panel = screen.getByRole('complementary', { name: 'Attachments' });
    fireEvent.click(within(panel).getByRole('button', { name: 'Attach' }));
    fireEvent.change(within(panel).getByRole('combobox', { name: 'Attachment kind' }), { target: { value: 'text' } });
    fireEvent.change(within(panel).getByLabelText('Title'), { target: { value: 'Paste' } });
    // CJK text: few characters, many bytes (the report's 3.3M-character paste).
    const tooMuch = '漢'.repeat(Math.floor(MAX_ATTACHMENT_TEXT_BYTES / 3) + 1);
    fireEvent.change(within(panel).getByLabelText('Text'), { target: { value: tooMuch } });

    expect(within(panel).getByRole('alert').textContent).toBe('This attachment is over 5 MB.');
    const add = within(panel).getByRole('button', { name: 'Add attachment' }) as HTMLButtonElement;
    expect(add.disabled).toBe(true);
    fireEvent.click(add);
    expect(fake.inputsOf('attachment.add')).toEqual([]);

    fireEvent.change(within(panel).getByLabelText('Text'), { target: { value: tooMuch.slice(1) } });
    expect(within(panel).queryByRole('alert')).toBeNull();
    fireEvent.click(add);
    await within(panel).findByRole('listitem', { name: 'Paste' });
    expect(fake.inputsOf('attachment.add')).toHaveLength(1);
  });
});

describe('editor text over the save limit', () => {
  it('refuses to save with "This file is over 10 MB to save" and keeps the edits; never sends such a buffer', async () => {
    vi.useFakeTimers();
    const fake = new EditorFakeApi();
    fake.put('big.txt', 'small');
    const errors: unknown[] = [];
    const store = createEditorStore(fake, (error) => errors.push(error));
    store.getState().connect();
    await store.getState().open('big.txt');

    // A buffer within the limit goes to main; growing past it takes it back (documents then read the disk).
    store.getState().edit('big.txt', 'edited');
    await vi.advanceTimersByTimeAsync(BUFFER_DELAY_MS);
    const huge = 'x'.repeat(MAX_SAVED_FILE_BYTES + 1);
    store.getState().edit('big.txt', huge);
    await vi.advanceTimersByTimeAsync(BUFFER_DELAY_MS);
    expect(fake.inputsOf('editor.buffer')).toEqual([{ path: 'big.txt', text: 'edited', baseMtimeMs: expect.any(Number) }, { path: 'big.txt', text: null }]);

    expect(await store.getState().save('big.txt')).toBe(false);
    expect(fake.inputsOf('file.write')).toEqual([]);
    expect(errors).toEqual([new RemoteError('too-large', 'This file is over 10 MB to save.')]);
    expect((errors[0] as RemoteError).code).toBe('too-large');
    expect(store.getState().tabs[0]!.text).toBe(huge);
  });
});

describe('browser-mode connection', () => {
  it('refuses a request over the frame limit before sending it; the connection keeps working', async () => {
    const sent: string[] = [];
    class FakeSocket {
      onopen: (() => void) | null = null;
      onmessage: ((message: { data: string }) => void) | null = null;
      onclose: (() => void) | null = null;
      constructor() {
        queueMicrotask(() => this.onopen?.());
      }
      send(data: string) {
        sent.push(data);
        const { id } = JSON.parse(data) as { id: number };
        queueMicrotask(() => this.onmessage?.({ data: JSON.stringify({ id, reply: { ok: true, value: {} } }) }));
      }
    }
    vi.stubGlobal('WebSocket', FakeSocket);
    sessionStorage.setItem('steerway.token', 'token');
    const api = connectApi();

    // One text of control characters: within the contract's characters, but each escapes to six bytes on the wire.
    const text = '\u0001'.repeat(Math.ceil(MAX_FRAME_BYTES / 6) + 1);
    const refused = await api.call('journal.edit', { journalId: 'j', edit: { type: 'setNotes', stepId: 's', notes: text } }).catch((e: unknown) => e);
    expect(refused).toEqual(new RemoteError('too-large', 'This request is over 61 MB, more than the connection to Steerway carries.'));
    expect(sent).toEqual([]);
    expect(await api.call('workspace.info', {})).toEqual({});
    expect(sent).toHaveLength(1);
  });
});
