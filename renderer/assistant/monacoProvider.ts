import type * as Monaco from 'monaco-editor';
import type { SteerwayApi } from '../../app/ipc/api';
import { assistantStore, connectAssistantStore } from './assistantStore';
import { SuggestionSource } from './suggestionSource';

type MonacoApi = typeof Monaco;

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
  context: { journalId(): string | null },
): { dispose(): void } {
  const feed = connectAssistantStore(api);
  // Streaming: when a suggestion has more text, Monaco runs the provider again and shows the newest text.
  const moreText = new Set<() => void>();
  const source = new SuggestionSource({
    api,
    journalId: () => context.journalId(),
    onReport: (report, timing) => assistantStore.setState({ report, timing }),
    onMoreText: () => moreText.forEach((listener) => listener()),
  });

  const provider: Monaco.languages.InlineCompletionsProvider = {
    // The source debounces (adaptively); Monaco's own wait would only add to it.
    debounceDelayMs: 0,
    onDidChangeInlineCompletions: (listener) => {
      const fire = () => listener();
      moreText.add(fire);
      return { dispose: () => void moreText.delete(fire) };
    },
    async provideInlineCompletions(model, position, context, token) {
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
      registration.dispose();
      acceptWord.dispose();
      feed.dispose();
    },
  };
}
