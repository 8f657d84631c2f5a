import { useMemo } from 'react';
import { invisibleMarker, journalInvisibles, type JournalInvisibles } from '../../app/text/invisibles';
import { useJournal } from './context';

export function TrustBanner() {
  const trusted = useJournal((s) => s.trusted);
  const runRefused = useJournal((s) => s.runRefused);
  const trust = useJournal((s) => s.trust);
  const journal = useJournal((s) => s.journal);
  // Counted only while the banner shows: a trusted journal pays nothing per edit.
  const hidden = useMemo(() => (trusted ? null : hiddenCharactersWarning(journalInvisibles(journal))), [trusted, journal]);
  if (trusted) return null;
  return (
    <div role="alert" className={`alert trust${runRefused ? ' attention' : ''}`}>
      <span className="alert-message">
        <strong>This journal is untrusted.</strong> It was not created on this machine, so its commands will not run
        until you trust it. Read its commands first.
        {hidden && <strong className="trust-hidden"> {hidden}</strong>}
        {runRefused && <strong> Nothing was run.</strong>}
      </span>
      <button type="button" className="primary" onClick={() => void trust()}>
        Trust this journal
      </button>
    </div>
  );
}

/** "This journal contains hidden or bidirectional characters in 2 commands; they are shown as ⟨U+202E⟩." */
function hiddenCharactersWarning({ commands, stepTitles, first }: JournalInvisibles): string | null {
  if (!first) return null;
  const where = [plural(commands, 'command'), plural(stepTitles, 'step title')].filter(Boolean).join(' and ');
  return `This journal contains hidden or bidirectional characters in ${where}; they are shown as ${invisibleMarker(first.codePoint)}.`;
}

function plural(count: number, noun: string): string {
  if (count === 0) return '';
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
