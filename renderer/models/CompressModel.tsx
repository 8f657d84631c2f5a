import { useId, useState, type FormEvent } from 'react';
import { CompressType, type ModelInfo } from '../../app/completion/schemas';
import type { useModelCatalog } from './useModelCatalog';

const TYPE_NOTE: Record<CompressType, string> = {
  Q8_0: 'Q8_0: 8 bits, nearly lossless',
  Q6_K: 'Q6_K: 6.6 bits',
  Q5_K_M: 'Q5_K_M: 5.7 bits',
  Q4_K_M: 'Q4_K_M: 4.9 bits, the usual choice',
  Q4_0: 'Q4_0: 4.5 bits, smallest',
};

/** "Make a smaller copy": a quantized copy of an installed model, listed next to it; the selection stays. */
export function CompressModel({ installed, models }: { installed: ModelInfo[]; models: ReturnType<typeof useModelCatalog> }) {
  const [modelId, setModelId] = useState(installed[0]?.id ?? '');
  const [type, setType] = useState<CompressType>('Q4_K_M');
  const [busy, setBusy] = useState(false);
  const modelSelect = useId();
  const typeSelect = useId();
  const chosen = installed.some((m) => m.id === modelId) ? modelId : (installed[0]?.id ?? '');
  if (installed.length === 0) return null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    await models.change('models.compress', { id: chosen, type });
    setBusy(false);
  };

  return (
    <section aria-label="Make a smaller copy">
      <h3>Make a smaller copy</h3>
      <p className="muted">Quantizes the weights to fewer bits: a smaller file that uses less memory and runs faster, with somewhat worse suggestions.</p>
      <form className="model-add" onSubmit={(e) => void submit(e)}>
        <label htmlFor={modelSelect}>Model</label>
        <select id={modelSelect} value={chosen} onChange={(e) => setModelId(e.target.value)}>
          {installed.map((m) => (
            <option key={m.id} value={m.id}>{m.name}</option>
          ))}
        </select>
        <label htmlFor={typeSelect}>Type</label>
        <select id={typeSelect} value={type} onChange={(e) => setType(CompressType.parse(e.target.value))}>
          {CompressType.options.map((t) => (
            <option key={t} value={t}>{TYPE_NOTE[t]}</option>
          ))}
        </select>
        <button type="submit" disabled={busy || chosen === ''}>
          {busy ? 'Making a smaller copy…' : 'Make a smaller copy'}
        </button>
      </form>
    </section>
  );
}
