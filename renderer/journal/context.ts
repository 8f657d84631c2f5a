import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { JournalStore } from './store/createJournalStore';
import type { JournalState } from './store/types';

export const JournalStoreContext = createContext<JournalStore | null>(null);

export function useJournalStore(): JournalStore {
  const store = useContext(JournalStoreContext);
  if (!store) throw new Error('useJournalStore outside <JournalStoreContext>');
  return store;
}

export function useJournal<T>(selector: (state: JournalState) => T): T {
  return useStore(useJournalStore(), selector);
}

type Actions<T> = { [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] };

/** The store's actions: made once with the store, so using them needs no subscription. */
export function useJournalActions(): Actions<JournalState> {
  return useJournalStore().getState();
}
