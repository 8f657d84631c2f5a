import { useState } from 'react';
import type { AssistantStatus } from '../../app/completion/schemas';
import { DISCONNECTED, useConnected } from '../api/connection';
import { ModelManagerPanel } from '../models';
import { useAssistant } from './assistantStore';
import { engineText } from './ContextInspector';
import { useAssistantFeed } from './useAssistantFeed';

/** The engine's state in a few words; an error carries its message. */
export function engineStateText(status: AssistantStatus): string {
  switch (status.state) {
    case 'no-model':
      return 'no model';
    case 'error':
      return `error: ${status.message ?? 'the engine failed'}`;
    default:
      return status.state;
  }
}

export function AssistantStatusBar() {
  useAssistantFeed();
  const status = useAssistant((s) => s.status);
  const statusError = useAssistant((s) => s.statusError);
  const encoding = useAssistant((s) => s.encoding);
  const [managing, setManaging] = useState(false);
  const connected = useConnected();

  return (
    <footer className="assistant-status" aria-label="Assistant status">
      {!connected ? (
        <span className="connection-lost" role="status">{DISCONNECTED}</span>
      ) : status ? (
        <>
          {status.engine?.kind === 'remote' ? (
            <span className="assistant-model">{engineText(status.engine)}</span>
          ) : (
            <>
              <span className="assistant-model">{status.model?.name ?? 'No model'}</span>
              <span className="assistant-device">{status.device === 'gpu' ? 'GPU' : 'CPU'}</span>
            </>
          )}
          <span className={`assistant-state state-${status.state}`}>{engineStateText(status)}</span>
          {status.message && status.state !== 'error' && <span className="muted">{status.message}</span>}
        </>
      ) : (
        <span className="assistant-state">{statusError ? `error: ${statusError}` : 'connecting'}</span>
      )}
      {encoding && encoding.done < encoding.total && (
        <span className="assistant-encoding">
          Encoding {encoding.done}/{encoding.total}
        </span>
      )}
      <button type="button" className="quiet" onClick={() => setManaging(true)}>
        Models
      </button>
      {managing && <ModelManagerPanel onClose={() => setManaging(false)} />}
    </footer>
  );
}
