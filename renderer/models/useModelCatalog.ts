import { useCallback, useEffect, useRef, useState } from 'react';
import type { DownloadState, ModelCatalog } from '../../app/completion/schemas';
import type { CallInput } from '../../app/ipc/contract';
import { useApi } from '../app/context';

export interface PanelError {
  id: number;
  message: string;
}

type CatalogCall = 'models.addLocal' | 'models.select' | 'models.remove' | 'models.compress';
type DownloadCall = 'models.download' | 'models.pause' | 'models.resume' | 'models.cancel';

/** The catalog with one download's latest state; finished and cancelled downloads leave the list. */
function withDownload(catalog: ModelCatalog, state: DownloadState): ModelCatalog {
  const others = catalog.downloads.filter((d) => d.id !== state.id);
  const keep = state.state !== 'done' && state.state !== 'cancelled';
  return { ...catalog, downloads: keep ? [...others, state] : others };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The model catalog for the panel: read once, kept current by `models.download` events (a finished download
 * reloads it, since it installed a model), and the calls that change it, whose failures become alerts.
 */
export function useModelCatalog() {
  const api = useApi();
  const [catalog, setCatalog] = useState<ModelCatalog | null>(null);
  const [errors, setErrors] = useState<PanelError[]>([]);
  const nextErrorId = useRef(1);
  /** Events seen per download: a call's answer older than an event for the same download is dropped. */
  const eventCounts = useRef(new Map<string, number>());

  const report = useCallback((error: unknown) => {
    setErrors((list) => [...list, { id: nextErrorId.current++, message: messageOf(error) }]);
  }, []);
  const dismiss = useCallback((id: number) => setErrors((list) => list.filter((e) => e.id !== id)), []);

  const refresh = useCallback(async () => {
    try {
      setCatalog(await api.call('models.list', {}));
    } catch (error) {
      report(error);
    }
  }, [api, report]);

  useEffect(() => {
    void refresh();
    const subscription = api.on('models.download', (state) => {
      eventCounts.current.set(state.id, (eventCounts.current.get(state.id) ?? 0) + 1);
      setCatalog((c) => c && withDownload(c, state));
      if (state.state === 'done') void refresh();
    });
    return () => subscription.dispose();
  }, [api, refresh]);

  /** A call answering with the catalog; resolves true when it succeeded. */
  const change = useCallback(
    async <K extends CatalogCall>(name: K, input: CallInput<K>): Promise<boolean> => {
      try {
        setCatalog(await api.call(name, input));
        return true;
      } catch (error) {
        report(error);
        return false;
      }
    },
    [api, report],
  );

  const downloadCall = useCallback(
    async <K extends DownloadCall>(name: K, input: CallInput<K>, id: string): Promise<void> => {
      const before = eventCounts.current.get(id) ?? 0;
      try {
        const state = await api.call(name, input);
        if ((eventCounts.current.get(id) ?? 0) === before) setCatalog((c) => c && withDownload(c, state));
      } catch (error) {
        report(error);
      }
    },
    [api, report],
  );

  return { catalog, errors, dismiss, change, downloadCall };
}
