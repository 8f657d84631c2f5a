import { createStore, type StoreApi } from 'zustand/vanilla';
import type { SteerwayApi } from '../../app/ipc/api';
import type { OpenedJournal, WorkspaceInfo } from '../../app/ipc/contract';
import type { JournalSummary } from '../../app/journal/schema';
import { createJournalStore, type JournalStore } from '../journal/store/createJournalStore';

export interface AppError {
  id: number;
  message: string;
}

export interface Notice {
  id: number;
  message: string;
}

/** The journal shown now. */
export interface JournalSession {
  journalId: string;
  store: JournalStore;
}

/** A journal the user picked that could not be opened. */
export interface JournalProblem {
  journalId: string;
  title: string;
  message: string;
}

export interface AppState {
  /** Null until `workspace.info` answered. */
  workspace: WorkspaceInfo | null;
  choosingWorkspace: boolean;
  selectedJournalId: string | null;
  session: JournalSession | null;
  problem: JournalProblem | null;
  creatingJournal: boolean;
  errors: AppError[];
  notice: Notice | null;

  start(): Promise<void>;
  openWorkspace(path: string): Promise<void>;
  setChoosingWorkspace(choosing: boolean): void;
  selectJournal(journalId: string): Promise<void>;
  createJournal(title: string): Promise<void>;
  setCreatingJournal(creating: boolean): void;
  reportError(error: unknown): void;
  dismissError(id: number): void;
  showNotice(message: string): void;
  dismissNotice(): void;
}

export type AppStore = StoreApi<AppState>;

const NOTICE_MS = 8_000;
function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The journal to reopen: the one used last in this workspace (main keeps it, so a restart on another port or in
 * Electron finds it), else the first that opens.
 */
async function journalToReopen(api: SteerwayApi, journals: JournalSummary[]): Promise<JournalSummary | undefined> {
  const { lastJournalId } = await api.call('window.state', {}).catch(() => ({ lastJournalId: null }));
  return journals.find((j) => j.id === lastJournalId && !j.problem) ?? journals.find((j) => !j.problem);
}

/** App-level state: the workspace, its journals, which one is open, and errors. Each open journal has its own store. */
export function createAppStore(api: SteerwayApi): AppStore {
  let nextId = 1;
  let noticeTimer: ReturnType<typeof setTimeout> | undefined;

  return createStore<AppState>()((set, get) => {
    const closeSession = async () => {
      const session = get().session;
      if (!session) return;
      set({ session: null });
      await session.store.getState().dispose();
      await api.call('journal.close', { journalId: session.journalId }).catch(get().reportError);
    };

    const showOpened = (opened: OpenedJournal) => {
      const journalId = opened.journal.id;
      // Remembering is a convenience: a failure to keep it is no error to show.
      api.call('window.saveState', { lastJournalId: journalId }).catch(() => undefined);
      set({
        session: { journalId, store: createJournalStore(api, opened, get().reportError) },
        selectedJournalId: journalId,
        problem: null,
        creatingJournal: false,
      });
    };

    const showWorkspace = async (workspace: WorkspaceInfo) => {
      await closeSession();
      set({ workspace, choosingWorkspace: false, selectedJournalId: null, problem: null, creatingJournal: false });
      if (!workspace.path) return;
      // With only broken journals, picking the first shows what is wrong with it.
      const journal = (await journalToReopen(api, workspace.journals)) ?? workspace.journals[0];
      if (journal) await get().selectJournal(journal.id);
    };

    return {
      workspace: null,
      choosingWorkspace: false,
      selectedJournalId: null,
      session: null,
      problem: null,
      creatingJournal: false,
      errors: [],
      notice: null,

      start: async () => {
        try {
          await showWorkspace(await api.call('workspace.info', {}));
        } catch (error) {
          get().reportError(error);
        }
      },
      openWorkspace: async (path) => {
        try {
          await showWorkspace(await api.call('workspace.open', { path }));
        } catch (error) {
          get().reportError(error);
        }
      },
      setChoosingWorkspace: (choosing) => set({ choosingWorkspace: choosing }),
      selectJournal: async (journalId) => {
        if (get().session?.journalId === journalId) return;
        await closeSession();
        const summary = get().workspace?.journals.find((j) => j.id === journalId);
        const title = summary?.title ?? journalId;
        set({ selectedJournalId: journalId, problem: null, creatingJournal: false });
        if (summary?.problem) {
          set({ problem: { journalId, title, message: summary.problem } });
          return;
        }
        try {
          const opened = await api.call('journal.open', { journalId });
          // The user may have picked another journal while this one was opening.
          if (get().selectedJournalId === journalId) showOpened(opened);
          else await api.call('journal.close', { journalId });
        } catch (error) {
          if (get().selectedJournalId === journalId) set({ problem: { journalId, title, message: errorMessage(error) } });
        }
      },
      createJournal: async (title) => {
        try {
          const opened = await api.call('journal.create', { title });
          await closeSession();
          const workspace = await api.call('workspace.info', {});
          set({ workspace });
          showOpened(opened);
        } catch (error) {
          get().reportError(error);
        }
      },
      setCreatingJournal: (creating) => set({ creatingJournal: creating }),
      reportError: (error) => set((s) => ({ errors: [...s.errors, { id: nextId++, message: errorMessage(error) }] })),
      dismissError: (id) => set((s) => ({ errors: s.errors.filter((e) => e.id !== id) })),
      showNotice: (message) => {
        clearTimeout(noticeTimer);
        set({ notice: { id: nextId++, message } });
        noticeTimer = setTimeout(() => get().dismissNotice(), NOTICE_MS);
      },
      dismissNotice: () => {
        clearTimeout(noticeTimer);
        set({ notice: null });
      },
    };
  });
}
