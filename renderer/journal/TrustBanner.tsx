import { useJournal } from './context';

export function TrustBanner() {
  const trusted = useJournal((s) => s.trusted);
  const trust = useJournal((s) => s.trust);
  if (trusted) return null;
  return (
    <div role="alert" className="alert trust" aria-label="This journal is untrusted">
      <span className="alert-message">
        <strong>This journal is untrusted.</strong> It was not created on this machine, so its commands will not run
        until you trust it. Read its commands first.
      </span>
      <button type="button" className="primary" onClick={() => void trust()}>
        Trust this journal
      </button>
    </div>
  );
}
