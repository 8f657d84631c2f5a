import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { Disposable, SteerwayApi } from '../../app/ipc/api';
import type { AssistantStatus, EncodingProgress, SuggestionReport } from '../../app/completion/schemas';

/** How the latest suggestion's time was spent on this side of the wire. */
export interface SuggestionTiming {
  /** The debounce the provider waited before asking. */
  debounceMs: number;
  /** From sending `assistant.complete` to its answer. */
  roundTripMs: number;
}

export interface AssistantState {
  report: SuggestionReport | null;
  timing: SuggestionTiming | null;
  /** Null until `assistant.status` answered or was announced. */
  status: AssistantStatus | null;
  /** Why the status could not be read, when it could not. */
  statusError: string | null;
  encoding: EncodingProgress | null;
}

const initialState: AssistantState = { report: null, timing: null, status: null, statusError: null, encoding: null };

/** One store for the window: the provider writes reports into it, the inspector and status bar read it. */
export const assistantStore = createStore<AssistantState>()(() => initialState);

export function useAssistant<T>(selector: (state: AssistantState) => T): T {
  return useStore(assistantStore, selector);
}

export function resetAssistantStore(): void {
  assistantStore.setState(initialState, true);
}

const feeds = new Map<SteerwayApi, { users: number; subscription: Disposable }>();

/**
 * Feeds the store from `api`'s assistant events and reads the status once. Shared: the provider, the
 * inspector and the status bar each connect, and the events are subscribed once while any of them is.
 */
export function connectAssistantStore(api: SteerwayApi): Disposable {
  let feed = feeds.get(api);
  if (!feed) {
    const subscriptions = [
      api.on('assistant.status', (status) => assistantStore.setState({ status, statusError: null })),
      api.on('assistant.encoding', (encoding) => assistantStore.setState({ encoding })),
    ];
    feed = { users: 0, subscription: { dispose: () => subscriptions.forEach((s) => s.dispose()) } };
    feeds.set(api, feed);
    api.call('assistant.status', {}).then(
      // An event may have come first: it is newer than this answer.
      (status) => assistantStore.setState((s) => (s.status ? {} : { status, statusError: null })),
      (error: unknown) => assistantStore.setState({ statusError: error instanceof Error ? error.message : String(error) }),
    );
  }
  const current = feed;
  current.users++;
  let disposed = false;
  return {
    dispose: () => {
      if (disposed) return;
      disposed = true;
      if (--current.users === 0) {
        current.subscription.dispose();
        feeds.delete(api);
      }
    },
  };
}
