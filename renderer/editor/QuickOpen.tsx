import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { fuzzyMatch, highlightRuns } from '../../app/text/fuzzy';
import { useApi } from '../app/context';

const QUERY_DELAY_MS = 80;

/** Ctrl+P: find a workspace file by letters of its path in order (main ranks them) and open it; matched letters are marked. */
export function QuickOpen({ onOpen, onClose }: { onOpen: (path: string) => void; onClose: () => void }) {
  const api = useApi();
  const [query, setQuery] = useState('');
  const [files, setFiles] = useState<string[]>([]);
  const [selected, setSelected] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const listId = useId();
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    // Back to where the user was when the dialog closes (opening a file moves focus to the editor after).
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    input.current?.focus();
    return () => previous?.focus();
  }, []);

  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      api.call('workspace.files', { query }).then(
        (found) => {
          if (!current) return;
          setFiles(found);
          setSelected(0);
          setProblem(null);
        },
        (error: unknown) => current && setProblem(error instanceof Error ? error.message : String(error)),
      );
    }, QUERY_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, query]);

  const choose = (path: string | undefined) => {
    if (!path) return;
    onClose();
    onOpen(path);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    if (step !== undefined && files.length) {
      event.preventDefault();
      setSelected((index) => (index + step + files.length) % files.length);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      choose(files[selected]);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    }
  };

  const optionId = (index: number) => `${listId}-${index}`;
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div role="dialog" aria-modal="true" aria-label="Quick open" className="dialog quick-open" onKeyDown={onKeyDown}>
        <input
          ref={input}
          role="combobox"
          aria-label="File name"
          aria-expanded={files.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={files.length ? optionId(selected) : undefined}
          placeholder="Type letters of a file path, e.g. prsr for parser.ts"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        {problem && <p className="problem">{problem}</p>}
        <ul role="listbox" id={listId} aria-label="Matching files" className="quick-open-list">
          {files.map((file, index) => (
            <li
              key={file}
              id={optionId(index)}
              role="option"
              // The path whole: the marked letters are separate elements.
              aria-label={file}
              aria-selected={index === selected}
              className={index === selected ? 'selected' : undefined}
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(file)}
            >
              <MatchedPath path={file} query={query} />
            </li>
          ))}
        </ul>
        {!problem && files.length === 0 && <p className="muted">No matching files.</p>}
      </div>
    </div>
  );
}

function MatchedPath({ path, query }: { path: string; query: string }) {
  const positions = fuzzyMatch(query, path)?.positions ?? [];
  return (
    <>
      {highlightRuns(path, positions).map((run, index) => <span key={index} className={run.matched ? 'fuzzy-match' : undefined}>{run.text}</span>)}
    </>
  );
}
