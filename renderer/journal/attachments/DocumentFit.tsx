import { useEffect, useState } from 'react';
import { useApi } from '../../app/context';

/** What a card says of a document bigger than the model's whole document budget: it is left out of every prompt. */
export function neverFitsText(tokens: number, budgetTokens: number): string {
  return `${tokens.toLocaleString('en-US')} tokens: never fits this model's ${budgetTokens.toLocaleString('en-US')}-token document budget`;
}

/**
 * Says on an attachment's card when the document can never fit the loaded model's document budget (the budget rule
 * leaves it out whole), so the user learns it when attaching, not only in the context inspector. Nothing is said
 * without a loaded model, while the count is unknown, or when the document cannot be read (the inspector says why).
 * Asked again when the engine changes (a model loads, another is chosen).
 */
export function DocumentFit({ journalId, attachmentId }: { journalId: string; attachmentId: string }) {
  const api = useApi();
  const [fit, setFit] = useState<{ tokens: number; budgetTokens: number | null } | null>(null);
  useEffect(() => {
    let current = true;
    let engineKey: string | null = null;
    const ask = () =>
      api.call('assistant.documentFit', { journalId, attachmentId }).then(
        (answer) => current && setFit(answer),
        () => current && setFit(null),
      );
    void ask();
    const subscription = api.on('assistant.status', (status) => {
      const key = `${status.state}|${status.model?.id ?? ''}|${status.engine?.kind ?? 'local'}`;
      if (key === engineKey) return;
      engineKey = key;
      void ask();
    });
    return () => {
      current = false;
      subscription.dispose();
    };
  }, [api, journalId, attachmentId]);
  if (!fit || fit.budgetTokens === null || fit.tokens <= fit.budgetTokens) return null;
  return <span className="never-fits">{neverFitsText(fit.tokens, fit.budgetTokens)}</span>;
}
