// @vitest-environment happy-dom
import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type * as Monaco from 'monaco-editor';
import { editorCreated, onEditorCreated, type MonacoApi } from '../../../renderer/editor/monacoHost';
import { EditorFakeApi } from './editorFakeApi';
import { renderJournal } from './helpers';

const installInlineSuggestions = vi.hoisted(() => vi.fn((..._args: unknown[]) => ({ dispose() {} })));
vi.mock('../../../renderer/assistant', async (original) => ({ ...(await original<object>()), installInlineSuggestions }));
vi.mock('../../../renderer/journal/cells/TerminalView', () => ({ TerminalView: () => <div role="region" aria-label="Output" /> }));

function fakeEditor() {
  const disposeListeners: (() => void)[] = [];
  const editor = { onDidDispose: (listener: () => void) => disposeListeners.push(listener) } as unknown as Monaco.editor.IStandaloneCodeEditor;
  return { editor, dispose: () => disposeListeners.forEach((l) => l()) };
}
const fakeMonaco = {} as MonacoApi;

describe('editor slots for other features', () => {
  it('onEditorCreated calls back for the editor that exists and for each new one, until unsubscribed', () => {
    const first = fakeEditor();
    editorCreated(fakeMonaco, first.editor);
    const seen: unknown[] = [];
    const off = onEditorCreated((_monaco, editor) => seen.push(editor));
    expect(seen).toEqual([first.editor]);
    const second = fakeEditor();
    editorCreated(fakeMonaco, second.editor);
    expect(seen).toEqual([first.editor, second.editor]);
    off();
    second.dispose();
    editorCreated(fakeMonaco, fakeEditor().editor);
    expect(seen).toHaveLength(2);
  });

  it('the app mounts the status bar and the inspector, and installs inline suggestions once with the open journal', async () => {
    const fake = new EditorFakeApi();
    const journal = fake.addJournal('J', ['Step']);
    await renderJournal(fake);
    expect(screen.getByRole('contentinfo', { name: 'Assistant status' })).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Context inspector' })).toBeTruthy();

    editorCreated(fakeMonaco, fakeEditor().editor);
    editorCreated(fakeMonaco, fakeEditor().editor);
    await waitFor(() => expect(installInlineSuggestions).toHaveBeenCalledTimes(1));
    const [monaco, api, context] = installInlineSuggestions.mock.calls[0]!;
    expect(monaco).toBe(fakeMonaco);
    expect(api).toBe(fake);
    expect((context as { journalId(): string | null }).journalId()).toBe(journal.id);
  });
});
