import { useCallback, useEffect, useState, type KeyboardEvent } from 'react';
import type { TreeEntry } from '../../app/editor/schemas';
import { useApi } from '../app/context';

type Folder = { entries: TreeEntry[] } | { error: string };

/** The workspace as a lazy tree: a folder is listed when first expanded. Enter or a click opens a file. */
export function FileTree({ onOpen }: { onOpen: (path: string) => void }) {
  const api = useApi();
  const [folders, setFolders] = useState<Map<string, Folder>>(new Map());
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [focused, setFocused] = useState<string | null>(null);

  const load = useCallback(
    async (dir: string) => {
      let folder: Folder;
      try {
        folder = { entries: await api.call('file.list', { dir }) };
      } catch (error) {
        // Shown in the tree itself: a folder that cannot be listed is no reason for an app-wide alert.
        folder = { error: error instanceof Error ? error.message : String(error) };
      }
      setFolders((current) => new Map(current).set(dir, folder));
    },
    [api],
  );

  useEffect(() => {
    void load('');
  }, [load]);

  // Files made by commands or other tools appear when the user asks: the tree is not watched.
  const refresh = () => {
    for (const dir of ['', ...expanded]) void load(dir);
  };

  const toggle = (dir: string) => {
    const next = new Set(expanded);
    if (next.has(dir)) next.delete(dir);
    else {
      next.add(dir);
      void load(dir);
    }
    setExpanded(next);
  };

  // The items a keyboard user moves through: what is shown, in order.
  const visible: TreeEntry[] = [];
  const collect = (dir: string) => {
    const folder = folders.get(dir);
    if (!folder || 'error' in folder) return;
    for (const entry of folder.entries) {
      visible.push(entry);
      if (entry.kind === 'dir' && expanded.has(entry.path)) collect(entry.path);
    }
  };
  collect('');
  const focusedPath = focused && visible.some((e) => e.path === focused) ? focused : (visible[0]?.path ?? null);

  const activate = (entry: TreeEntry) => (entry.kind === 'dir' ? toggle(entry.path) : onOpen(entry.path));

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const index = visible.findIndex((e) => e.path === focusedPath);
    const entry = visible[index];
    if (!entry) return;
    const move = (to: number) => {
      const target = visible[Math.max(0, Math.min(to, visible.length - 1))];
      if (!target) return;
      setFocused(target.path);
      document.getElementById(itemId(target.path))?.focus();
    };
    const handled = {
      ArrowDown: () => move(index + 1),
      ArrowUp: () => move(index - 1),
      Home: () => move(0),
      End: () => move(visible.length - 1),
      ArrowRight: () => entry.kind === 'dir' && !expanded.has(entry.path) && toggle(entry.path),
      ArrowLeft: () => {
        if (entry.kind === 'dir' && expanded.has(entry.path)) return toggle(entry.path);
        const parent = entry.path.includes('/') ? entry.path.slice(0, entry.path.lastIndexOf('/')) : null;
        if (parent) move(visible.findIndex((e) => e.path === parent));
      },
      Enter: () => activate(entry),
      ' ': () => activate(entry),
    }[event.key];
    if (!handled) return;
    event.preventDefault();
    handled();
  };

  const renderFolder = (dir: string, depth: number) => {
    const folder = folders.get(dir);
    if (!folder) return <li className="tree-note muted" role="none">Loading…</li>;
    if ('error' in folder) return <li className="tree-note problem" role="none">{folder.error}</li>;
    if (folder.entries.length === 0 && depth === 0) return <li className="tree-note muted" role="none">No files.</li>;
    return folder.entries.map((entry) => {
      const isOpen = entry.kind === 'dir' && expanded.has(entry.path);
      return (
        <li
          key={entry.path}
          id={itemId(entry.path)}
          role="treeitem"
          aria-label={entry.name}
          aria-expanded={entry.kind === 'dir' ? isOpen : undefined}
          aria-selected={entry.path === focusedPath}
          tabIndex={entry.path === focusedPath ? 0 : -1}
          className={`tree-item tree-${entry.kind}`}
          title={entry.path}
          onFocus={(event) => event.target === event.currentTarget && setFocused(entry.path)}
          onClick={(event) => {
            event.stopPropagation();
            setFocused(entry.path);
            activate(entry);
          }}
        >
          <span className="tree-label" style={{ paddingLeft: 4 + depth * 12 }}>
            <span className="tree-icon" aria-hidden="true">
              {entry.kind === 'dir' ? (isOpen ? '▾' : '▸') : ''}
            </span>
            {entry.name}
          </span>
          {isOpen && <ul role="group">{renderFolder(entry.path, depth + 1)}</ul>}
        </li>
      );
    });
  };

  return (
    <nav className="file-tree" aria-label="Workspace">
      <div className="panel-head">
        <h2 className="panel-title">Files</h2>
        <button type="button" className="quiet" aria-label="Refresh files" title="Refresh files" onClick={refresh}>
          ↻
        </button>
      </div>
      <ul role="tree" aria-label="Files" onKeyDown={onKeyDown}>
        {renderFolder('', 0)}
      </ul>
    </nav>
  );
}

const itemId = (path: string) => `tree-item-${encodeURIComponent(path)}`;
