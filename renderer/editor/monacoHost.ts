import type * as Monaco from 'monaco-editor';
import { Emitter } from '../../base/common/event';

export type MonacoApi = typeof Monaco;
type EditorListener = (monaco: MonacoApi, editor: Monaco.editor.IStandaloneCodeEditor) => void;

let loading: Promise<MonacoApi> | null = null;
let created: { monaco: MonacoApi; editor: Monaco.editor.IStandaloneCodeEditor } | null = null;
const editorCreatedEmitter = new Emitter<{ monaco: MonacoApi; editor: Monaco.editor.IStandaloneCodeEditor }>();

/** Monaco, loaded once and only when a file is opened: the journal alone never pays for it. */
export function loadMonaco(): Promise<MonacoApi> {
  loading ??= import('./monacoSetup').then((module) => module.monaco);
  return loading;
}

/**
 * For the assistant and other features: called with Monaco and the editor once it exists (at once if it
 * already does), and again if the editor is created anew. Returns an unsubscribe function.
 */
export function onEditorCreated(listener: EditorListener): () => void {
  const subscription = editorCreatedEmitter.event(({ monaco, editor }) => listener(monaco, editor));
  if (created) listener(created.monaco, created.editor);
  return () => subscription.dispose();
}

/** The code editor showing the active tab, if Monaco is up. */
export function activeEditor(): Monaco.editor.IStandaloneCodeEditor | null {
  return created?.editor ?? null;
}

export function editorCreated(monaco: MonacoApi, editor: Monaco.editor.IStandaloneCodeEditor): void {
  created = { monaco, editor };
  editorCreatedEmitter.fire(created);
  editor.onDidDispose(() => {
    if (created?.editor === editor) created = null;
  });
}
