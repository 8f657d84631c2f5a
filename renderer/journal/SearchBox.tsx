import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import type { SearchHit } from '../../app/journal/search';
import { useCommands } from '../app/commands';
import { useReportingCall } from '../app/context';
import { useJournal } from './context';
import { VisibleText } from './VisibleText';

const SEARCH_DELAY_MS = 250;

export function SearchBox() {
  const journalId = useJournal((s) => s.journalId);
  const reveal = useJournal((s) => s.reveal);
  const call = useReportingCall();
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [open, setOpen] = useState(false);
  // The hit ↑/↓ moved to, which Enter opens; the input keeps the focus.
  const [active, setActive] = useState(0);
  const listId = useId();
  const input = useRef<HTMLInputElement>(null);
  useCommands([{ id: 'journal.search', title: 'Search the journal', keys: ['Ctrl+Shift+F'], run: () => input.current?.focus() }]);

  useEffect(() => {
    if (!query.trim()) {
      setHits(null);
      return;
    }
    let stale = false;
    const timer = setTimeout(async () => {
      const found = await call('journal.search', { journalId, query });
      if (stale) return;
      setHits(found ?? []);
      setActive(0);
    }, SEARCH_DELAY_MS);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [call, journalId, query]);

  const show = (hit: SearchHit) => {
    setOpen(false);
    void reveal(hit.stepId, hit.cellId);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') return setOpen(false);
    const count = hits?.length ?? 0;
    if (count === 0) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      // The first arrow opens closed results on the hit that was active.
      if (open) setActive((index) => (index + (e.key === 'ArrowDown' ? 1 : count - 1)) % count);
      setOpen(true);
    } else if (e.key === 'Enter' && open && hits?.[active]) {
      e.preventDefault();
      show(hits[active]);
    }
  };

  useEffect(() => {
    if (open) document.getElementById(`${listId}-${active}`)?.scrollIntoView?.({ block: 'nearest' });
  }, [open, active, listId]);

  return (
    <div
      className="search"
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget)) setOpen(false);
      }}
    >
      {/* Named by its title rather than aria-label: a label containing "journal" would make the picker ambiguous to label lookups. */}
      <input
        ref={input}
        type="search"
        title="Search journal"
        placeholder="Search journal"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        aria-controls={open && hits ? listId : undefined}
        aria-activedescendant={open && hits?.length ? `${listId}-${active}` : undefined}
        onKeyDown={onKeyDown}
      />
      {open && hits && (
        <ul id={listId} aria-label="Search results" className="search-results">
          {hits.length === 0 && <li className="muted search-empty">No matches</li>}
          {hits.map((hit, index) => (
            <li key={`${hit.stepId}:${hit.cellId}:${hit.field}:${hit.line}:${index}`}>
              <button
                type="button"
                id={`${listId}-${index}`}
                className={`search-hit${index === active ? ' active' : ''}`}
                aria-current={index === active ? 'true' : undefined}
                onClick={() => show(hit)}
                onMouseEnter={() => setActive(index)}
              >
                <span className="hit-where">
                  {hit.stepTitle ? <VisibleText text={hit.stepTitle} /> : 'Untitled step'} · {hit.field}
                </span>
                <span className="hit-snippet">
                  <Highlighted hit={hit} />
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The snippet with the match marked. */
function Highlighted({ hit }: { hit: SearchHit }) {
  const end = hit.matchStart + hit.matchLength;
  return (
    <>
      <VisibleText text={hit.snippet.slice(0, hit.matchStart)} />
      <mark>
        <VisibleText text={hit.snippet.slice(hit.matchStart, end)} />
      </mark>
      <VisibleText text={hit.snippet.slice(end)} />
    </>
  );
}
