import { useEffect, useState } from 'react';
import type { AssistantStatus } from '../../app/completion/schemas';
import { useApi } from '../app/context';
import { ModelManagerPanel } from './ModelManagerPanel';

/** While the assistant has no model: a short call to action that opens the model manager. */
export function ModelSetupPrompt() {
  const api = useApi();
  const [status, setStatus] = useState<AssistantStatus | null>(null);
  const [open, setOpen] = useState(false);

  useEffect(() => {
    let announced = false;
    const subscription = api.on('assistant.status', (next) => {
      announced = true;
      setStatus(next);
    });
    // An announcement that beats the first answer is newer than it.
    api.call('assistant.status', {}).then((first) => announced || setStatus(first), () => undefined);
    return () => subscription.dispose();
  }, [api]);

  if (status?.state !== 'no-model' && !open) return null;
  return (
    <>
      {status?.state === 'no-model' && (
        <div role="region" aria-label="Model setup" className="model-setup-prompt">
          <span>Code suggestions need a model: choose a GGUF file or download a recommended one.</span>
          <button type="button" onClick={() => setOpen(true)}>
            Set up a model
          </button>
        </div>
      )}
      {open && <ModelManagerPanel onClose={() => setOpen(false)} />}
    </>
  );
}
