import { createContext, useCallback, useContext } from 'react';
import { useStore } from 'zustand';
import type { SteerwayApi } from '../../app/ipc/api';
import type { CallInput, CallName, CallOutput } from '../../app/ipc/contract';
import type { AppState, AppStore } from './appStore';

export const ApiContext = createContext<SteerwayApi | null>(null);
export const AppStoreContext = createContext<AppStore | null>(null);

export function useApi(): SteerwayApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside <ApiContext>');
  return api;
}

export function useApp<T>(selector: (state: AppState) => T): T {
  const store = useContext(AppStoreContext);
  if (!store) throw new Error('useApp outside <AppStoreContext>');
  return useStore(store, selector);
}

export type Call = <K extends CallName>(name: K, input: CallInput<K>) => Promise<CallOutput<K> | undefined>;

/** A call whose failure is shown to the user as an error alert; it resolves to undefined then. */
export function useReportingCall(): Call {
  const api = useApi();
  const reportError = useApp((s) => s.reportError);
  return useCallback<Call>(
    async (name, input) => {
      try {
        return await api.call(name, input);
      } catch (error) {
        reportError(error);
        return undefined;
      }
    },
    [api, reportError],
  );
}
