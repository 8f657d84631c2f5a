import { useEffect, useRef, useState } from 'react';
import type * as Monaco from 'monaco-editor';
import { editorCreated, loadMonaco, type MonacoApi } from './monacoHost';
import type { EditorStore, EditorTab } from './editorStore';
import { languageFor } from './language';

/** The model of a workspace file; the assistant reads the workspace path back from the URI's path. */
const uriOf = (monaco: MonacoApi, path: string) => monaco.Uri.from({ scheme: 'file', path: `/${path}` });

/**
 * Monaco showing the store's active tab: one editor, one model per open tab (undo history and view state
 * kept per tab). Typing goes into the store; a reload from disk comes back as a new revision.
 */
export function EditorPane({ store, onAttach }: { store: EditorStore; onAttach: () => void }) {
  const host = useRef<HTMLDivElement>(null);
  const attach = useRef(onAttach);
  attach.current = onAttach;
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let disposed = false;
    let cleanup = () => {};
    loadMonaco().then(
      (monaco) => {
        if (disposed || !host.current) return;
        cleanup = mountEditor(monaco, host.current, store, () => attach.current());
      },
      (error: unknown) => setProblem(`The editor could not load: ${error instanceof Error ? error.message : String(error)}`),
    );
    return () => {
      disposed = true;
      cleanup();
    };
  }, [store]);

  return (
    <>
      {problem && <p role="alert" className="problem">{problem}</p>}
      <div ref={host} className="monaco-host" />
    </>
  );
}

function mountEditor(monaco: MonacoApi, element: HTMLElement, store: EditorStore, onAttach: () => void): () => void {
  const editor = monaco.editor.create(element, {
    automaticLayout: true,
    minimap: { enabled: false },
    fontSize: 13,
    scrollBeyondLastLine: false,
    fixedOverflowWidgets: true,
  });
  const models = new Map<string, { model: Monaco.editor.ITextModel; revision: number; view: Monaco.editor.ICodeEditorViewState | null }>();
  let shownPath: string | null = null;
  // Set while the store's text is put into a model, so that change is not sent back as typing.
  let applying = false;

  const modelFor = (tab: EditorTab) => {
    let entry = models.get(tab.path);
    if (!entry) {
      const model = monaco.editor.createModel(tab.text, languageFor(tab.path, monaco.languages.getLanguages()), uriOf(monaco, tab.path));
      model.onDidChangeContent(() => {
        if (!applying) store.getState().edit(tab.path, model.getValue());
      });
      entry = { model, revision: tab.revision, view: null };
      models.set(tab.path, entry);
    } else if (entry.revision !== tab.revision) {
      entry.revision = tab.revision;
      if (entry.model.getValue() !== tab.text) {
        applying = true;
        // An edit, not setValue: the user can still undo back to their own text.
        entry.model.pushEditOperations([], [{ range: entry.model.getFullModelRange(), text: tab.text }], () => null);
        applying = false;
      }
    }
    return entry;
  };

  const sync = () => {
    const { tabs, activePath } = store.getState();
    for (const tab of tabs) modelFor(tab);
    for (const [path, entry] of models) {
      if (!tabs.some((t) => t.path === path)) {
        entry.model.dispose();
        models.delete(path);
      }
    }
    if (activePath === shownPath) return;
    const previous = shownPath ? models.get(shownPath) : undefined;
    if (previous) previous.view = editor.saveViewState();
    shownPath = activePath;
    const next = activePath ? models.get(activePath) : undefined;
    editor.setModel(next?.model ?? null);
    if (next?.view) editor.restoreViewState(next.view);
    if (next) editor.focus();
  };

  sync();
  const unsubscribe = store.subscribe(sync);
  editor.addAction({
    id: 'steerway.attachToStep',
    label: 'Attach to step',
    contextMenuGroupId: 'navigation',
    run: onAttach,
  });
  editorCreated(monaco, editor);
  return () => {
    unsubscribe();
    editor.dispose();
    for (const entry of models.values()) entry.model.dispose();
  };
}
