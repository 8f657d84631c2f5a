import { useContext, useEffect, useId, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { SteerwayApi } from '../../app/ipc/api';
import { installInlineSuggestions } from '../assistant';
import { useCommands } from '../app/commands';
import { AppStoreContext, useApi, useApp } from '../app/context';
import type { AppStore } from '../app/appStore';
import { JournalStoreContext } from '../journal/context';
import type { JournalState } from '../journal/store/types';
import { useAttachOnce } from '../journal/attachments/duplicate';
import { attachmentFor } from './attach';
import { createEditorStore, isDirty, type EditorStore, type EditorTab } from './editorStore';
import { EditorPane } from './EditorPane';
import { FileTree } from './FileTree';
import { activeEditor, onEditorCreated } from './monacoHost';
import { QuickOpen } from './QuickOpen';

let suggestionsInstalled = false;
/** Read when no journal is open: a store that never changes. */
const noJournal = createStore<JournalState | null>(() => null);

/** Inline suggestions are registered once per window, on the first Monaco, for whichever journal is open then. */
function installSuggestionsOnce(api: SteerwayApi, appStore: AppStore): () => void {
  return onEditorCreated((monaco) => {
    if (suggestionsInstalled) return;
    suggestionsInstalled = true;
    installInlineSuggestions(monaco, api, {
      journalId: () => appStore.getState().session?.journalId ?? null,
      stepId: () => appStore.getState().session?.store.getState().selectedStepId ?? null,
    });
  });
}

/** The workspace files beside the journal: the tree, open tabs, Monaco, quick open (Ctrl+P) and save (Ctrl+S). */
export function EditorPanel() {
  const api = useApi();
  const appStore = useContext(AppStoreContext)!;
  const reportError = useApp((s) => s.reportError);
  const showNotice = useApp((s) => s.showNotice);
  const [store] = useState(() => createEditorStore(api, reportError, showNotice));

  useEffect(() => {
    const connection = store.getState().connect();
    return () => connection.dispose();
  }, [store]);
  useEffect(() => installSuggestionsOnce(api, appStore), [api, appStore]);

  // Leaving the page: the last keystrokes go to main (which backs them up) now, not after the pause.
  useEffect(() => {
    const flush = () => store.getState().flushBuffers();
    window.addEventListener('pagehide', flush);
    return () => window.removeEventListener('pagehide', flush);
  }, [store]);

  // The browser (or Electron's close guard) asks before leaving, but only while a tab has unsaved edits.
  const anyDirty = useStore(store, (s) => s.tabs.some(isDirty));
  useEffect(() => {
    if (!anyDirty) return;
    const ask = (event: BeforeUnloadEvent) => {
      store.getState().flushBuffers();
      event.preventDefault();
    };
    window.addEventListener('beforeunload', ask);
    return () => window.removeEventListener('beforeunload', ask);
  }, [store, anyDirty]);

  const tabs = useStore(store, (s) => s.tabs);
  const activePath = useStore(store, (s) => s.activePath);
  const quickOpen = useStore(store, (s) => s.quickOpen);
  const active = tabs.find((t) => t.path === activePath) ?? null;
  const journalStore = useContext(JournalStoreContext);
  const stepId = useStore((journalStore ?? noJournal) as StoreApi<JournalState | null>, (s) => s?.selectedStepId ?? null);

  const attachOnce = useAttachOnce();
  const attach = () => {
    if (!active || !journalStore || !stepId) return;
    const editor = activeEditor();
    const selection = editor?.getSelection();
    const model = editor?.getModel();
    const selected = selection && model && !selection.isEmpty()
      ? { text: model.getValueInRange(selection), startLine: selection.startLineNumber, endLine: selection.endLineNumber, endColumn: selection.endColumn }
      : null;
    void attachOnce(stepId, attachmentFor(active.path, selected));
    // Back to the code: a following Enter or Space must not attach the same lines again.
    editor?.focus();
  };

  // Ctrl+P and Ctrl+S are matched by the command registry in the capture phase: before Monaco (which would
  // type a "p") and before the browser's own Save page.
  useCommands([
    { id: 'editor.quickOpen', title: 'Go to file (quick open)', keys: ['Ctrl+P'], run: () => store.getState().setQuickOpen(true) },
    {
      id: 'editor.save',
      title: 'Save the file',
      keys: ['Ctrl+S'],
      run: () => {
        const { activePath, save } = store.getState();
        if (activePath) void save(activePath);
      },
    },
    { id: 'editor.attach', title: 'Attach the file or selected lines to the step', run: attach },
    {
      id: 'editor.commands',
      title: 'Show editor commands (F1 in the editor)',
      run: () => {
        const editor = activeEditor();
        editor?.focus();
        editor?.trigger('commandPalette', 'editor.action.quickCommand', null);
      },
    },
  ]);

  // A dirty tab is not closed without asking: its edits exist nowhere else.
  const [closing, setClosing] = useState<string | null>(null);
  const requestClose = (tab: EditorTab) => (isDirty(tab) ? setClosing(tab.path) : store.getState().close(tab.path));
  const closingTab = tabs.find((t) => t.path === closing);

  const tabPanelId = useId();
  return (
    <section className="editor-panel" aria-label="Editor">
      <FileTree onOpen={(path) => void store.getState().open(path)} />
      <div className="editor-main">
        <div className="editor-toolbar">
          <Tabs store={store} tabs={tabs} activePath={activePath} panelId={tabPanelId} onClose={requestClose} />
          <span className="topbar-spacer" />
          <button type="button" disabled={!active || !isDirty(active)} onClick={() => active && void store.getState().save(active.path)} title="Save (Ctrl+S)">
            Save
          </button>
          <button type="button" disabled={!active || !stepId} onClick={attach} title="Attach the file, or the selected lines, to the current step">
            Attach to step
          </button>
          <button type="button" className="quiet" onClick={() => store.getState().setQuickOpen(true)} title="Quick open (Ctrl+P)">
            Open file…
          </button>
        </div>
        {closingTab && (
          <div role="alertdialog" aria-label={`Close ${closingTab.name}`} className="alert trust editor-notice">
            <span className="alert-message">{closingTab.name} has changes that are not saved.</span>
            <button
              type="button"
              className="primary"
              // Asked because of a click on ×: the answer is one key away.
              autoFocus
              onClick={async () => {
                setClosing(null);
                if (await store.getState().save(closingTab.path)) store.getState().close(closingTab.path);
              }}
            >
              Save and close
            </button>
            <button
              type="button"
              onClick={() => {
                setClosing(null);
                store.getState().close(closingTab.path);
              }}
            >
              Discard changes
            </button>
            <button type="button" className="quiet" onClick={() => setClosing(null)}>
              Cancel
            </button>
          </div>
        )}
        {active && <TabNotices store={store} tab={active} />}
        <div role="tabpanel" id={tabPanelId} className="editor-body" aria-label={active?.name ?? 'No file open'}>
          {tabs.length > 0 ? <EditorPane store={store} onAttach={attach} /> : <p className="placeholder muted">Open a file from the tree, or press Ctrl+P.</p>}
        </div>
      </div>
      {quickOpen && <QuickOpen onOpen={(path) => void store.getState().open(path)} onClose={() => store.getState().setQuickOpen(false)} />}
    </section>
  );
}

interface TabsProps {
  store: EditorStore;
  tabs: EditorTab[];
  activePath: string | null;
  panelId: string;
  onClose: (tab: EditorTab) => void;
}

function Tabs({ store, tabs, activePath, panelId, onClose }: TabsProps) {
  const modifiedId = useId();
  const list = useRef<HTMLDivElement>(null);
  // Arrow keys move between tabs (the tab pattern): each tab's own Tab stop would be one too many.
  const onKeyDown = (event: ReactKeyboardEvent) => {
    if ((event.target as HTMLElement).getAttribute('role') !== 'tab') return;
    const index = tabs.findIndex((t) => t.path === activePath);
    const to = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    const target = to === undefined ? undefined : tabs[(to + tabs.length) % tabs.length];
    if (!target) return;
    event.preventDefault();
    store.getState().activate(target.path);
    list.current?.querySelectorAll<HTMLElement>('[role="tab"]')[tabs.indexOf(target)]?.focus();
  };
  return (
    <div role="tablist" aria-label="Open files" className="editor-tabs" ref={list} onKeyDown={onKeyDown}>
      <span id={modifiedId} hidden>
        Modified
      </span>
      {tabs.map((tab) => {
        const dirty = isDirty(tab);
        return (
          <span key={tab.path} className={`editor-tab${tab.path === activePath ? ' active' : ''}`}>
            <button
              type="button"
              role="tab"
              aria-selected={tab.path === activePath}
              aria-controls={panelId}
              aria-describedby={dirty ? modifiedId : undefined}
              title={dirty ? `${tab.path} (modified)` : tab.path}
              tabIndex={tab.path === activePath ? 0 : -1}
              onClick={() => store.getState().activate(tab.path)}
            >
              {tab.name}
            </button>
            {dirty && <span className="dirty-dot" aria-hidden="true">●</span>}
            <button type="button" className="quiet tab-close" aria-label={`Close ${tab.name}`} title="Close" onClick={() => onClose(tab)}>
              ×
            </button>
          </span>
        );
      })}
    </div>
  );
}

function TabNotices({ store, tab }: { store: EditorStore; tab: EditorTab }) {
  const state = store.getState();
  if (tab.conflict) {
    return (
      <div role="alert" className="alert error editor-notice">
        <span className="alert-message">{tab.name} changed on disk since it was opened. Save yours over it, or reload theirs?</span>
        <button type="button" onClick={() => void state.save(tab.path, { overwrite: true })}>
          Overwrite
        </button>
        <button type="button" onClick={() => void state.reload(tab.path)}>
          Reload
        </button>
      </div>
    );
  }
  if (!tab.externalChange) return null;
  return (
    <div role="status" className="alert trust editor-notice">
      <span className="alert-message">
        {tab.externalChange === 'deleted' ? `${tab.name} was deleted on disk.` : `${tab.name} changed on disk.`}
        {isDirty(tab) && ' Your edits are kept.'}
      </span>
      {tab.externalChange === 'changed' && (
        <button type="button" onClick={() => void state.reload(tab.path)}>
          Reload
        </button>
      )}
      <button type="button" className="quiet" onClick={() => state.dismissExternalChange(tab.path)}>
        Dismiss
      </button>
    </div>
  );
}
