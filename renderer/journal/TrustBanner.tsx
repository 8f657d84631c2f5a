import { useJournal } from './context';

export function TrustBanner() {
  const trusted = useJournal((s) => s.trusted);
  const runRefused = useJournal((s) => s.runRefused);
  const trust = useJournal((s) => s.trust);
  if (trusted) return null;
  return (
    <div role="alert" className={`alert trust${runRefused ? ' attention' : ''}`}>
      <span className="alert-message">
        <strong>This journal is untrusted.</strong> It was not created on this machine, so its commands will not run
        until you trust it. Read its commands first.
        {runRefused && <strong> Nothing was run.</strong>}
      </span>
      <button type="button" className="primary" onClick={() => void trust()}>
        Trust this journal
      </button>
    </div>
  );
}
