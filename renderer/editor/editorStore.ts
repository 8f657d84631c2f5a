import { createStore, type StoreApi } from 'zustand/vanilla';
import { RemoteError, type Disposable, type SteerwayApi } from '../../app/ipc/api';
import { MAX_REMEMBERED_TABS } from '../../app/ipc/contract';
import { fileTooLargeToSave, MAX_SAVED_FILE_BYTES, TOO_LARGE, utf8Exceeds } from '../../app/ipc/limits';

/** While a tab is dirty its text goes to main this long after the last keystroke (documents read it). */
export const BUFFER_DELAY_MS = 150;

export interface EditorTab {
  path: string;
  name: string;
  /** The text as the user sees it. */
  text: string;
  /** The text on disk as last read or saved; the tab is dirty while `text` differs. */
  savedText: string;
  /** Modification time of what was read or saved: a save passes it so main can refuse a stale one. */
  mtimeMs: number | null;
  /** Bumped when `text` is replaced from outside the editor (a reload), so the view puts it into Monaco. */
  revision: number;
  /** The file changed (or was deleted) on disk while the tab had edits; they are kept until the user reloads. */
  externalChange: 'changed' | 'deleted' | null;
  /** A save was refused because the file changed on disk: overwrite or reload. */
  conflict: boolean;
}

export interface EditorState {
  tabs: EditorTab[];
  activePath: string | null;
  quickOpen: boolean;
  /** Opens `path` (or shows it when already open) and makes it active. */
  open(path: string): Promise<void>;
  close(path: string): void;
  activate(path: string): void;
  /** The user typed: `text` is the tab's new content. */
  edit(path: string, text: string): void;
  /** Saves the tab; `overwrite` saves over a file that changed on disk since. False when nothing was saved. */
  save(path: string, options?: { overwrite?: boolean }): Promise<boolean>;
  /** Replaces the tab's text with what is on disk now. */
  reload(path: string): Promise<void>;
  /** Keeps the edits and forgets the notice about the file on disk. */
  dismissExternalChange(path: string): void;
  /** Main says an open file changed on disk (`mtimeMs` null: deleted). */
  fileChanged(path: string, mtimeMs: number | null): Promise<void>;
  setQuickOpen(open: boolean): void;
  /** Sends every buffer still waiting for its pause now (the page is going away). */
  flushBuffers(): void;
  /**
   * Listens to main's file events and reopens the unsaved buffers main backed up (hot exit) as dirty tabs;
   * disposing stops watching and clears every buffer sent to main.
   */
  connect(): Disposable;
}

export type EditorStore = StoreApi<EditorState>;

export const isDirty = (tab: EditorTab) => tab.text !== tab.savedText;
export const fileName = (path: string) => path.split('/').at(-1) ?? path;

/**
 * The editor's own state: open tabs and which is active. Talks to main for reading, saving, watching
 * and the live buffers; Monaco is only the view of it (see EditorPane).
 */
export function createEditorStore(
  api: SteerwayApi,
  reportError: (error: unknown) => void,
  showNotice: (message: string) => void = () => undefined,
): EditorStore {
  const bufferTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Paths whose buffer main holds now: only they need a `null` when they become clean. */
  const sentBuffers = new Set<string>();
  let watched = '';

  return createStore<EditorState>()((set, get, store) => {
    const tab = (path: string) => get().tabs.find((t) => t.path === path);
    const update = (path: string, change: Partial<EditorTab>) =>
      set((s) => ({ tabs: s.tabs.map((t) => (t.path === path ? { ...t, ...change } : t)) }));

    const sendBuffer = (path: string) => {
      bufferTimers.delete(path);
      const latest = tab(path);
      if (!latest || !isDirty(latest)) return;
      // Too large to carry: documents read the file on disk instead (saving it says why it cannot be saved).
      if (utf8Exceeds(latest.text, MAX_SAVED_FILE_BYTES)) {
        if (sentBuffers.delete(path)) api.call('editor.buffer', { path, text: null }).catch(reportError);
        return;
      }
      sentBuffers.add(path);
      api.call('editor.buffer', { path, text: latest.text, baseMtimeMs: latest.mtimeMs }).catch(reportError);
    };

    const syncBuffer = (path: string) => {
      clearTimeout(bufferTimers.get(path));
      bufferTimers.delete(path);
      const current = tab(path);
      if (current && isDirty(current)) {
        bufferTimers.set(path, setTimeout(() => sendBuffer(path), BUFFER_DELAY_MS));
      } else if (sentBuffers.delete(path)) {
        api.call('editor.buffer', { path, text: null }).catch(reportError);
      }
    };

    const syncWatch = () => {
      const paths = get().tabs.map((t) => t.path);
      const key = paths.join('\n');
      if (key === watched) return;
      watched = key;
      api.call('file.watch', { paths }).catch(reportError);
    };

    /** Puts what is on disk into the tab: edits are replaced, the notice and any conflict gone. */
    const loadFromDisk = async (path: string) => {
      const content = await api.call('file.read', { path });
      const current = tab(path);
      if (!current) return;
      update(path, {
        text: content.text, savedText: content.text, mtimeMs: content.mtimeMs,
        revision: current.revision + 1, externalChange: null, conflict: false,
      });
      syncBuffer(path);
    };

    /**
     * Hot exit: each backed-up buffer comes back as a dirty tab over what is on disk now. Its mtime stays the one the
     * edits began from, so when the file changed on disk meanwhile the tab says so and a save asks before overwriting.
     */
    const restoreBackups = async () => {
      const restored: string[] = [];
      const changed: string[] = [];
      for (const backup of await api.call('editor.backups', {})) {
        if (tab(backup.path)) continue;
        const disk = await api.call('file.read', { path: backup.path }).catch((error: unknown) => {
          if (error instanceof RemoteError && error.code === 'not-found') return null;
          throw error;
        });
        if (tab(backup.path)) continue;
        const externalChange = !disk ? 'deleted' : disk.mtimeMs !== backup.baseMtimeMs ? 'changed' : null;
        const restoredTab: EditorTab = {
          path: backup.path, name: fileName(backup.path), text: backup.text, savedText: disk?.text ?? '',
          mtimeMs: backup.baseMtimeMs, revision: 0, externalChange, conflict: false,
        };
        set((s) => ({ tabs: [...s.tabs, restoredTab], activePath: s.activePath ?? backup.path }));
        // Main holds the buffer again (documents read it), and a clean one (the same text was saved) drops its backup.
        sentBuffers.add(backup.path);
        syncBuffer(backup.path);
        restored.push(restoredTab.name);
        if (externalChange) changed.push(restoredTab.name);
      }
      if (!restored.length) return;
      syncWatch();
      const since = changed.length ? ` (${changed.join(', ')} changed on disk since: check before saving)` : '';
      showNotice(`Restored unsaved changes to ${restored.join(', ')}${since}`);
    };

    /** Opens `path` as a clean tab (or finds it open) and makes it active; throws what reading it threw. */
    const openTab = async (path: string) => {
      if (tab(path)) return set({ activePath: path });
      const content = await api.call('file.read', { path });
      // Opened twice quickly: the first answer wins.
      if (tab(path)) return set({ activePath: path });
      const opened: EditorTab = {
        path, name: fileName(path), text: content.text, savedText: content.text, mtimeMs: content.mtimeMs,
        revision: 0, externalChange: null, conflict: false,
      };
      set((s) => ({ tabs: [...s.tabs, opened], activePath: path }));
      syncWatch();
    };

    /**
     * The tabs open when this workspace was last used come back (main keeps them: `window.state`), in their order and
     * with the same one active, after the backed-up dirty ones; a file gone since is skipped without an error.
     */
    const restoreTabs = async () => {
      const { editorTabs, activeTab } = await api.call('window.state', {});
      for (const path of editorTabs) {
        await openTab(path).catch((error: unknown) => {
          if (!(error instanceof RemoteError && error.code === 'not-found')) reportError(error);
        });
      }
      const order = (path: string) => {
        const at = editorTabs.indexOf(path);
        return at < 0 ? editorTabs.length : at;
      };
      set((s) => ({
        tabs: [...s.tabs].sort((a, b) => order(a.path) - order(b.path)),
        activePath: activeTab && tab(activeTab) ? activeTab : s.activePath,
      }));
    };

    // Remembering is a convenience: a failure to keep it is no error to show.
    const saveTabs = ({ tabs, activePath }: EditorState) =>
      api.call('window.saveState', { editorTabs: tabs.map((t) => t.path).slice(0, MAX_REMEMBERED_TABS), activeTab: activePath }).catch(() => undefined);

    /** Tells main the open tabs and the active one now (files gone since restoring drop out) and whenever either changes. */
    const keepTabs = () => {
      void saveTabs(get());
      return store.subscribe((now, before) => {
        const same = now.activePath === before.activePath && now.tabs.length === before.tabs.length && now.tabs.every((t, i) => t.path === before.tabs[i]!.path);
        if (!same) void saveTabs(now);
      });
    };

    return {
      tabs: [],
      activePath: null,
      quickOpen: false,
      open: async (path) => {
        try {
          await openTab(path);
        } catch (error) {
          reportError(error);
        }
      },
      close: (path) => {
        const index = get().tabs.findIndex((t) => t.path === path);
        if (index < 0) return;
        const tabs = get().tabs.filter((t) => t.path !== path);
        const activePath = get().activePath === path ? (tabs[Math.min(index, tabs.length - 1)]?.path ?? null) : get().activePath;
        set({ tabs, activePath });
        syncBuffer(path);
        syncWatch();
      },
      activate: (path) => {
        if (tab(path)) set({ activePath: path });
      },
      edit: (path, text) => {
        const current = tab(path);
        if (!current || current.text === text) return;
        update(path, { text });
        syncBuffer(path);
      },
      save: async (path, options = {}) => {
        const current = tab(path);
        if (!current) return false;
        const text = current.text;
        if (utf8Exceeds(text, MAX_SAVED_FILE_BYTES)) {
          reportError(new RemoteError(TOO_LARGE, fileTooLargeToSave));
          return false;
        }
        try {
          const baseMtimeMs = options.overwrite ? null : current.mtimeMs;
          const { mtimeMs } = await api.call('file.write', { path, text, baseMtimeMs });
          // Typing may have gone on while saving: what was written is the saved text.
          update(path, { savedText: text, mtimeMs, externalChange: null, conflict: false });
          syncBuffer(path);
          return true;
        } catch (error) {
          if (error instanceof RemoteError && error.code === 'conflict') update(path, { conflict: true });
          else reportError(error);
          return false;
        }
      },
      reload: async (path) => {
        try {
          await loadFromDisk(path);
        } catch (error) {
          reportError(error);
        }
      },
      dismissExternalChange: (path) => update(path, { externalChange: null }),
      fileChanged: async (path, mtimeMs) => {
        const current = tab(path);
        // The echo of our own save (same mtime) is no change.
        if (!current || (mtimeMs !== null && mtimeMs === current.mtimeMs)) return;
        if (mtimeMs === null) return update(path, { externalChange: 'deleted' });
        if (isDirty(current)) return update(path, { externalChange: 'changed' });
        try {
          await loadFromDisk(path);
        } catch (error) {
          // Gone again before it could be read: say so on the tab instead of an error.
          update(path, { externalChange: 'deleted' });
          if (!(error instanceof RemoteError && error.code === 'not-found')) reportError(error);
        }
      },
      setQuickOpen: (open) => set({ quickOpen: open }),
      flushBuffers: () => {
        for (const [path, timer] of [...bufferTimers]) {
          clearTimeout(timer);
          sendBuffer(path);
        }
      },
      connect: () => {
        const subscription = api.on('file.changed', (e) => void get().fileChanged(e.path, e.mtimeMs));
        // Reconnecting (React's StrictMode remount) watches the open tabs again.
        watched = '';
        syncWatch();
        // Tabs are kept only once they are back: the empty start must not overwrite what main remembers.
        let unkeep: (() => void) | null = null;
        let disposed = false;
        void restoreBackups()
          .then(restoreTabs)
          .catch(reportError)
          .finally(() => {
            if (!disposed) unkeep = keepTabs();
          });
        return {
          dispose: () => {
            disposed = true;
            unkeep?.();
            subscription.dispose();
            for (const timer of bufferTimers.values()) clearTimeout(timer);
            bufferTimers.clear();
            // The tabs go, not the edits: their backups stay for the next time this workspace opens.
            for (const path of sentBuffers) api.call('editor.buffer', { path, text: null, keepBackup: true }).catch(reportError);
            sentBuffers.clear();
            if (watched) api.call('file.watch', { paths: [] }).catch(reportError);
            watched = '';
          },
        };
      },
    };
  });
}
