import { describe, expect, it, vi } from 'vitest';
import type * as Monaco from 'monaco-editor';
import type { CallOutput } from '../../../app/ipc/contract';
import { assistantStore, resetAssistantStore } from '../../../renderer/assistant/assistantStore';
import { installInlineSuggestions } from '../../../renderer/assistant';
import { INITIAL_DEBOUNCE_MS } from '../../../renderer/assistant/suggestionSource';
import { FakeApi, fakeReport } from './fakeApi';

/** The parts of Monaco the provider touches, recording what it registers. */
function fakeMonaco() {
  const registered: { selector: unknown; provider: Monaco.languages.InlineCompletionsProvider }[] = [];
  const keybindings: unknown[] = [];
  const disposed: string[] = [];
  /** The one editor, focused: the commands it is told to run, and its keydown listener. */
  const editor = {
    commands: [] as { id: string; args: unknown }[],
    keyDown: (_event: { keyCode: number }) => undefined as unknown,
    hasTextFocus: () => true,
    trigger(_source: string, id: string, args: unknown) {
      editor.commands.push({ id, args });
    },
    onKeyDown(listener: (event: { keyCode: number }) => void) {
      editor.keyDown = listener;
      return { dispose: () => disposed.push('keydown') };
    },
    onDidDispose: () => ({ dispose() {} }),
  };
  const monaco = {
    Range: class {
      constructor(readonly startLineNumber: number, readonly startColumn: number, readonly endLineNumber: number, readonly endColumn: number) {}
    },
    KeyMod: { CtrlCmd: 2048 },
    KeyCode: { RightArrow: 17, Escape: 9 },
    languages: {
      registerInlineCompletionsProvider: (selector: unknown, provider: Monaco.languages.InlineCompletionsProvider) => {
        registered.push({ selector, provider });
        return { dispose: () => disposed.push('provider') };
      },
    },
    editor: {
      getEditors: () => [editor],
      onDidCreateEditor: () => ({ dispose: () => disposed.push('created') }),
      addKeybindingRule: (rule: unknown) => {
        keybindings.push(rule);
        return { dispose: () => disposed.push('keybinding') };
      },
    },
  };
  return { monaco: monaco as unknown as typeof Monaco, registered, keybindings, disposed, editor };
}

/** A text model over `lines`, whose version the test can bump as an edit would. */
function fakeModel(text: string) {
  const lines = text.split('\n');
  const model = {
    version: 1,
    uri: { path: '/src/main.ts' },
    getVersionId: () => model.version,
    isDisposed: () => false,
    getLineCount: () => lines.length,
    getLineMaxColumn: (line: number) => lines[line - 1]!.length + 1,
    getValueInRange: (r: Monaco.IRange) => {
      const offset = (line: number, column: number) => lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
      return text.slice(offset(r.startLineNumber, r.startColumn), offset(r.endLineNumber, r.endColumn));
    },
  };
  return model;
}

function cancellation() {
  let listener: (() => void) | null = null;
  const token = {
    isCancellationRequested: false,
    onCancellationRequested: (l: () => void) => {
      listener = l;
      return { dispose: () => (listener = null) };
    },
  };
  return { token: token as unknown as Monaco.CancellationToken, cancel: () => ((token.isCancellationRequested = true), listener?.()) };
}

function install(fake = new FakeApi()) {
  resetAssistantStore();
  const m = fakeMonaco();
  const installed = installInlineSuggestions(m.monaco, fake, { journalId: () => 'j9', stepId: () => 's9' });
  const provider = m.registered[0]!.provider;
  const provide = (model: ReturnType<typeof fakeModel>, line: number, column: number, token = cancellation().token, issuedAt = Date.now(), changeHint?: { data: unknown }) =>
    provider.provideInlineCompletions(
      model as unknown as Monaco.editor.ITextModel,
      { lineNumber: line, column } as Monaco.Position,
      { requestIssuedDateTime: issuedAt, changeHint } as Monaco.languages.InlineCompletionContext,
      token,
    ) as Promise<Monaco.languages.InlineCompletions>;
  return { ...m, fake, installed, provide };
}

describe('installInlineSuggestions', () => {
  it('registers for every language, binds Ctrl+Right to accepting a word, and undoes both on dispose', () => {
    const { registered, keybindings, installed, disposed, fake } = install();
    expect(registered[0]!.selector).toBe('*');
    // The source's adaptive debounce is the only wait.
    expect(registered[0]!.provider.debounceDelayMs).toBe(0);
    expect(keybindings).toEqual([expect.objectContaining({ keybinding: 2048 | 17, command: 'editor.action.inlineSuggest.acceptNextWord' })]);
    expect(fake.listenerCount()).toBe(2);
    installed.dispose();
    expect(disposed.sort()).toEqual(['created', 'keybinding', 'keydown', 'provider']);
    expect(fake.listenerCount()).toBe(0);
  });

  it('suggests at the cursor with the file path, the text around it and the journal; the report reaches the store', async () => {
    const { provide, fake } = install();
    const model = fakeModel('const a = 1;\nconst b = \nexport {};');
    const result = await provide(model, 2, 11);
    expect(result.items).toEqual([{ insertText: 'suggested', range: { startLineNumber: 2, startColumn: 11, endLineNumber: 2, endColumn: 11 } }]);
    expect(fake.inputsOf('assistant.complete')).toEqual([
      expect.objectContaining({ path: 'src/main.ts', journalId: 'j9', prefix: 'const a = 1;\nconst b = ', suffix: '\nexport {};' }),
    ]);
    expect(assistantStore.getState().report?.requestId).toBe(fake.inputsOf('assistant.complete')[0]!.requestId);
  });

  it('streams: shows the first text, then has the focused editor ask again as more arrives (not after Esc), giving the newest text', async () => {
    const fake = new FakeApi();
    let answer!: (text: string) => void;
    fake.complete = (input) => new Promise((resolve) => (answer = (text) => resolve({ requestId: input.requestId, text, report: fakeReport() })));
    const { provide, editor } = install(fake);
    const model = fakeModel('const b = ');
    const first = provide(model, 1, 11);
    await vi.waitFor(() => expect(fake.inputsOf('assistant.complete')).toHaveLength(1));
    const { requestId } = fake.inputsOf('assistant.complete')[0]!;
    fake.emit('assistant.partial', { requestId, text: 'sum(' });
    expect((await first).items[0]!.insertText).toBe('sum(');
    expect(editor.commands).toEqual([]);
    fake.emit('assistant.partial', { requestId, text: 'sum(a, b' });
    // Monaco asks once per text and cursor: the ghost is hidden and asked for again, marked as this refresh.
    const hint = { changeHintData: expect.any(String) };
    expect(editor.commands).toEqual([{ id: 'editor.action.inlineSuggest.hide', args: undefined }, { id: 'editor.action.inlineSuggest.trigger', args: hint }]);
    const refresh = { data: (editor.commands[1]!.args as { changeHintData: unknown }).changeHintData };
    expect((await provide(model, 1, 11, undefined, undefined, refresh)).items[0]!.insertText).toBe('sum(a, b');
    // Esc hides the suggestion: the rest of it does not bring it back.
    editor.keyDown({ keyCode: 9 });
    answer('sum(a, b);');
    await vi.waitFor(() => expect(assistantStore.getState().report).not.toBeNull());
    expect(editor.commands).toHaveLength(2);
    expect((await provide(model, 1, 11)).items[0]!.insertText).toBe('sum(a, b);');
    expect(fake.inputsOf('assistant.complete')).toHaveLength(1);
  });

  it('shows nothing when the text changed while the engine answered', async () => {
    const fake = new FakeApi();
    const model = fakeModel('const b = ');
    fake.complete = async (input): Promise<CallOutput<'assistant.complete'>> => {
      model.version++;
      return { requestId: input.requestId, text: 'stale', report: fakeReport() };
    };
    const { provide } = install(fake);
    expect((await provide(model, 1, 11)).items).toEqual([]);
  });

  it('a cancelled token after an edit (a keystroke) cancels the request in flight', async () => {
    const fake = new FakeApi();
    let release: () => void = () => {};
    fake.complete = (input) => new Promise((resolve) => (release = () => resolve({ requestId: input.requestId, text: 'x', report: fakeReport() })));
    const { provide } = install(fake);
    const { token, cancel } = cancellation();
    const model = fakeModel('let q = ');
    const pending = provide(model, 1, 9, token);
    await vi.waitFor(() => expect(fake.inputsOf('assistant.complete')).toHaveLength(1));
    // Monaco cancels after the edit: the model's version has moved on by then.
    model.version++;
    cancel();
    await vi.waitFor(() => expect(fake.inputsOf('assistant.cancel')).toEqual([{ requestId: fake.inputsOf('assistant.complete')[0]!.requestId }]));
    release();
    expect((await pending).items).toEqual([]);
  });

  it('a token Monaco cancels without an edit keeps the request going; the next ask at the same place gets its answer', async () => {
    const fake = new FakeApi();
    let release: () => void = () => {};
    fake.complete = (input) => new Promise((resolve) => (release = () => resolve({ requestId: input.requestId, text: 'slow answer', report: fakeReport() })));
    const { provide } = install(fake);
    const model = fakeModel('let q = ');
    // Monaco drops its request (an explicit trigger while the automatic one runs, Esc, focus lost) and asks again.
    const dropped = cancellation();
    const first = provide(model, 1, 9, dropped.token);
    await vi.waitFor(() => expect(fake.inputsOf('assistant.complete')).toHaveLength(1));
    dropped.cancel();
    expect((await first).items).toEqual([]);
    const second = provide(model, 1, 9);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fake.inputsOf('assistant.cancel')).toEqual([]);
    release();
    expect((await second).items).toEqual([expect.objectContaining({ insertText: 'slow answer' })]);
    expect(fake.inputsOf('assistant.complete')).toHaveLength(1);
    // After the answer: from the cache, at once.
    expect((await provide(model, 1, 9)).items).toEqual([expect.objectContaining({ insertText: 'slow answer' })]);
    expect(fake.inputsOf('assistant.complete')).toHaveLength(1);
  });

  it('a request Monaco dropped without an edit is cancelled by the next ask for other text', async () => {
    const fake = new FakeApi();
    fake.complete = () => new Promise(() => {});
    const { provide } = install(fake);
    const model = fakeModel('let q = ');
    const dropped = cancellation();
    void provide(model, 1, 9, dropped.token);
    await vi.waitFor(() => expect(fake.inputsOf('assistant.complete')).toHaveLength(1));
    dropped.cancel();
    expect(fake.inputsOf('assistant.cancel')).toEqual([]);
    void provide(model, 1, 5);
    await vi.waitFor(() => expect(fake.inputsOf('assistant.cancel')).toEqual([{ requestId: fake.inputsOf('assistant.complete')[0]!.requestId }]));
  });

  it('the debounce counts from when Monaco issued the request, not from when it called the provider', async () => {
    vi.useFakeTimers();
    try {
      const { provide, fake } = install();
      // Monaco's own scheduling (a timer after the next frame) took 60 ms of the debounce already.
      const pending = provide(fakeModel('let q = '), 1, 9, cancellation().token, Date.now() - 60);
      await vi.advanceTimersByTimeAsync(INITIAL_DEBOUNCE_MS - 60 - 1);
      expect(fake.inputsOf('assistant.complete')).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(fake.inputsOf('assistant.complete')).toHaveLength(1);
      expect((await pending).items).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a failed request shows no suggestion', async () => {
    const fake = new FakeApi();
    fake.failNext('assistant.complete', 'engine crashed');
    const { provide } = install(fake);
    expect((await provide(fakeModel('let q = '), 1, 9)).items).toEqual([]);
  });
});
