import { useEffect, useState } from 'react';
import type { SearchHit } from '../../app/journal/search';
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

  useEffect(() => {
    if (!query.trim()) {
      setHits(null);
      return;
    }
    let stale = false;
    const timer = setTimeout(async () => {
      const found = await call('journal.search', { journalId, query });
      if (!stale) setHits(found ?? []);
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

  return (
    <div
      className="search"
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget)) setOpen(false);
      }}
    >
      {/* Named by its title rather than aria-label: a label containing "journal" would make the picker ambiguous to label lookups. */}
      <input
        type="search"
        title="Search journal"
        placeholder="Search journal"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
      />
      {open && hits && (
        <ul aria-label="Search results" className="search-results">
          {hits.length === 0 && <li className="muted search-empty">No matches</li>}
          {hits.map((hit, index) => (
            <li key={`${hit.stepId}:${hit.cellId}:${hit.field}:${hit.line}:${index}`}>
              <button type="button" className="search-hit" onClick={() => show(hit)}>
                <span className="hit-where">
                  {hit.stepTitle ? <VisibleText text={hit.stepTitle} /> : 'Untitled step'} · {hit.field}
                </span>
                <span className="hit-snippet">
                  <VisibleText text={hit.snippet} />
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
