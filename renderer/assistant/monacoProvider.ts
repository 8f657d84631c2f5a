import type * as Monaco from 'monaco-editor';
import type { SteerwayApi } from '../../app/ipc/api';
import { assistantStore, connectAssistantStore } from './assistantStore';
import { SuggestionSource } from './suggestionSource';

type MonacoApi = typeof Monaco;

/** The source and change hint of the provider runs that show a suggestion's newer text. */
const MORE_TEXT = 'steerway.moreText';

/** Lines read around the cursor before the query's character bounds apply: keeps a huge file from being copied whole per keystroke. */
const PREFIX_LINES = 400;
const SUFFIX_LINES = 100;

/** The workspace path of a model: the editor names its models by workspace-relative path. */
export function workspacePathOf(uri: Monaco.Uri): string {
  return uri.path.replace(/^\/+/, '');
}

function textAround(model: Monaco.editor.ITextModel, position: Monaco.Position): { prefix: string; suffix: string } {
  const firstLine = Math.max(1, position.lineNumber - PREFIX_LINES);
  const lastLine = Math.min(model.getLineCount(), position.lineNumber + SUFFIX_LINES);
  const prefix = model.getValueInRange({ startLineNumber: firstLine, startColumn: 1, endLineNumber: position.lineNumber, endColumn: position.column });
  const suffix = model.getValueInRange({
    startLineNumber: position.lineNumber, startColumn: position.column, endLineNumber: lastLine, endColumn: model.getLineMaxColumn(lastLine),
  });
  return { prefix, suffix };
}

/**
 * Registers the assistant's inline suggestions for every language. Monaco cancels the provider's token
 * on each edit; that aborts the debounce or the request in flight (`assistant.cancel`). It also cancels it
 * without an edit (an explicit trigger while its automatic request runs, Esc, the editor losing focus):
 * then the request goes on, and the next ask at the same text gets its answer.
 */
export function installInlineSuggestions(
  monaco: MonacoApi,
  api: SteerwayApi,
  context: { journalId(): string | null; stepId(): string | null },
): { dispose(): void } {
  const feed = connectAssistantStore(api);
  /** Set by Esc: the suggestion streaming in stays hidden until the provider is asked for other reasons. */
  let dismissed = false;
  const escapes = new Map<Monaco.editor.ICodeEditor, Monaco.IDisposable>();
  const watchEscape = (editor: Monaco.editor.ICodeEditor) => {
    escapes.set(editor, editor.onKeyDown((event) => (dismissed ||= event.keyCode === monaco.KeyCode.Escape)));
    editor.onDidDispose(() => escapes.get(editor)?.dispose());
  };
  monaco.editor.getEditors().forEach(watchEscape);
  const created = monaco.editor.onDidCreateEditor(watchEscape);
  const source = new SuggestionSource({
    api,
    journalId: () => context.journalId(),
    stepId: () => context.stepId(),
    onReport: (report, timing) => assistantStore.setState({ report, timing }),
    // Streaming: Monaco asks its provider once per text and cursor (a provider's change event does not ask
    // again there), so the focused editor's ghost text is hidden and asked for again, which reads the newer text.
    onMoreText: () => {
      const editor = monaco.editor.getEditors().find((e) => e.hasTextFocus());
      if (!editor || dismissed) return;
      editor.trigger(MORE_TEXT, 'editor.action.inlineSuggest.hide', undefined);
      editor.trigger(MORE_TEXT, 'editor.action.inlineSuggest.trigger', { changeHintData: MORE_TEXT });
    },
  });

  const provider: Monaco.languages.InlineCompletionsProvider = {
    // The source debounces (adaptively); Monaco's own wait would only add to it.
    debounceDelayMs: 0,
    async provideInlineCompletions(model, position, context, token) {
      if (context.changeHint?.data !== MORE_TEXT) dismissed = false;
      const version = model.getVersionId();
      // Monaco issues its request as the text changes, then calls here after its own scheduling (a timer that
      // runs after the next frame): the debounce counts from the request, not from this call.
      const askedAt = performance.now() - Math.max(0, Date.now() - context.requestIssuedDateTime);
      const controller = new AbortController();
      const listener = token.onCancellationRequested(() => controller.abort());
      try {
        const { prefix, suffix } = textAround(model, position);
        const unchanged = () => !model.isDisposed() && model.getVersionId() === version;
        const text = await source.suggest({ path: workspacePathOf(model.uri), prefix, suffix }, controller.signal, {
          stillCurrent: unchanged,
          askedAt: Number.isFinite(askedAt) ? askedAt : undefined,
        });
        // Never show a suggestion for text that has changed since it was asked for.
        if (text === null || token.isCancellationRequested || model.isDisposed() || model.getVersionId() !== version) return { items: [] };
        return { items: [{ insertText: text, range: new monaco.Range(position.lineNumber, position.column, position.lineNumber, position.column) }] };
      } catch {
        // A failed request shows nothing; the status bar says what is wrong with the engine.
        return { items: [] };
      } finally {
        listener.dispose();
      }
    },
    disposeInlineCompletions() {},
  };

  const registration = monaco.languages.registerInlineCompletionsProvider('*', provider);
  const acceptWord = monaco.editor.addKeybindingRule({
    keybinding: monaco.KeyMod.CtrlCmd | monaco.KeyCode.RightArrow,
    command: 'editor.action.inlineSuggest.acceptNextWord',
    when: 'inlineSuggestionVisible && !editorReadonly',
  });
  return {
    dispose: () => {
      created.dispose();
      escapes.forEach((listener) => listener.dispose());
      registration.dispose();
      acceptWord.dispose();
      feed.dispose();
    },
  };
}
