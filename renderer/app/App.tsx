import { useRef, useState, type CSSProperties } from 'react';
import type { SteerwayApi } from '../../app/ipc/api';
import { AssistantStatusBar, ContextInspector } from '../assistant';
import { EditorPanel } from '../editor/EditorPanel';
import { JournalStoreContext } from '../journal/context';
import { JournalView } from '../journal/JournalView';
import { SearchBox } from '../journal/SearchBox';
import { ExportButton } from '../journal/ExportButton';
import { UndoToast } from '../journal/UndoToast';
import { ModelSetupPrompt } from '../models';
import type { AppStore } from './appStore';
import { ApiContext, AppStoreContext, useApp } from './context';
import { ErrorAlerts, NoticeToast } from './Messages';
import { CreateJournalForm, JournalPicker, UnavailableJournals } from './JournalPicker';
import { Sash } from './layout/Sash';
import { ThemePicker } from './layout/ThemePicker';
import { usePaneLayout } from './layout/usePaneLayout';
import { WorkspaceForm } from './WorkspaceForm';
import { useCommands } from './commands';
import { CommandPalette } from './CommandPalette';

export function App({ api, store }: { api: SteerwayApi; store: AppStore }) {
  return (
    <ApiContext value={api}>
      <AppStoreContext value={store}>
        <Shell />
      </AppStoreContext>
    </ApiContext>
  );
}

function Shell() {
  const workspace = useApp((s) => s.workspace);
  const choosingWorkspace = useApp((s) => s.choosingWorkspace);
  const session = useApp((s) => s.session);
  const setChoosingWorkspace = useApp((s) => s.setChoosingWorkspace);
  const workspaceOpen = Boolean(workspace?.path) && !choosingWorkspace;
  // Room for the step and the editor: the attachments column can be folded away.
  const [attachmentsShown, setAttachmentsShown] = useState(true);
  useCommands([{ id: 'app.toggleAttachments', title: 'Show or hide attachments', run: () => setAttachmentsShown((shown) => !shown) }]);

  return (
    <JournalStoreContext value={session?.store ?? null}>
      <div className="app">
        <header className="topbar">
          <span className="brand">Steerway</span>
          {workspace?.path && (
            <span className="workspace-name" title={workspace.path}>
              {workspace.name ?? workspace.path}
            </span>
          )}
          {workspace?.path && !choosingWorkspace && (
            <button type="button" className="quiet" onClick={() => setChoosingWorkspace(true)}>
              Change folder
            </button>
          )}
          {workspaceOpen && <JournalPicker />}
          <span className="topbar-spacer" />
          {workspaceOpen && session && <SearchBox key={session.journalId} />}
          {workspaceOpen && session && <ExportButton />}
          {workspaceOpen && session && (
            <button type="button" className="quiet" aria-pressed={attachmentsShown} onClick={() => setAttachmentsShown(!attachmentsShown)}>
              Attachments
            </button>
          )}
          <ThemePicker />
        </header>
        <ErrorAlerts />
        <ModelSetupPrompt />
        {workspaceOpen && <UnavailableJournals />}
        {workspace === null ? (
          <p className="placeholder">Connecting to Steerway…</p>
        ) : !workspaceOpen ? (
          <WorkspaceForm />
        ) : (
          <MainArea attachmentsShown={attachmentsShown} workspacePath={workspace.path ?? ''} />
        )}
        <CommandPalette />
        <div className="toasts">
          <NoticeToast />
          {workspaceOpen && session && <UndoToast />}
        </div>
        {workspaceOpen && <AssistantStatusBar />}
      </div>
    </JournalStoreContext>
  );
}

/** The journal and the editor, with a sash on every border between panes (sizes: usePaneLayout). */
function MainArea({ attachmentsShown, workspacePath }: { attachmentsShown: boolean; workspacePath: string }) {
  const session = useApp((s) => s.session);
  const area = useRef<HTMLDivElement>(null);
  const layout = usePaneLayout(area);
  const [inspectorOpen, setInspectorOpen] = useState(false);
  const { sizes } = layout;
  const sash = (pane: Parameters<typeof layout.resize>[0], position: CSSProperties) => (
    <Sash
      pane={pane}
      size={sizes[pane]}
      max={layout.max(pane)}
      position={position}
      onResize={(size) => layout.resize(pane, size)}
      onCommit={(size) => layout.commit(pane, size)}
    />
  );

  return (
    <div className="main-area" ref={area} style={layout.style}>
      <div className={attachmentsShown ? 'journal-area' : 'journal-area attachments-hidden'}>
        <JournalArea />
      </div>
      <div className="editor-column">
        {/* A new workspace starts with no tabs: the editor's state belongs to one folder. */}
        <EditorPanel key={workspacePath} />
        <details className="inspector-panel" open={inspectorOpen} onToggle={(event) => setInspectorOpen(event.currentTarget.open)}>
          <summary>Context inspector</summary>
          <ContextInspector />
        </details>
      </div>
      {session && sash('steps', { left: sizes.steps, top: 0, bottom: 0 })}
      {session && attachmentsShown && sash('attachments', { left: 0, width: sizes.steps, bottom: sizes.attachments })}
      {sash('journal', { left: sizes.journal, top: 0, bottom: 0 })}
      {sash('files', { left: sizes.journal + sizes.files, top: 0, bottom: inspectorOpen ? sizes.inspector : 0 })}
      {inspectorOpen && sash('inspector', { left: sizes.journal, right: 0, bottom: sizes.inspector })}
    </div>
  );
}

function JournalArea() {
  const session = useApp((s) => s.session);
  const problem = useApp((s) => s.problem);
  const hasJournals = useApp((s) => (s.workspace?.journals.length ?? 0) > 0);

  if (session) return <JournalView key={session.journalId} />;
  if (problem) {
    return (
      <div className="placeholder">
        <div role="alert" className="problem">
          <strong>
            Cannot open the journal “{problem.title}” ({problem.journalId}).
          </strong>{' '}
          {problem.message}
        </div>
        <p className="muted">Pick another journal or create a new one; nothing else is affected.</p>
      </div>
    );
  }
  if (!hasJournals) {
    return (
      <div className="placeholder card">
        <h1>Start a journal</h1>
        <p className="muted">A journal holds the steps, notes and commands of one task in this folder.</p>
        <CreateJournalForm />
      </div>
    );
  }
  return <p className="placeholder muted">Opening the journal…</p>;
}
