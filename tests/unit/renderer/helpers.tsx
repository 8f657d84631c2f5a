import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, vi } from 'vitest';
import { App } from '../../../renderer/app/App';
import { createAppStore } from '../../../renderer/app/appStore';
import type { FakeApi } from './fakeApi';

// Vitest runs without globals, so Testing Library cannot register its own cleanup.
afterEach(() => {
  cleanup();
  localStorage.clear();
  vi.useRealTimers();
});

/** Renders the whole app against `fake` and waits until it shows its first state. */
export async function renderApp(fake: FakeApi) {
  const store = createAppStore(fake);
  render(<App api={fake} store={store} />);
  await store.getState().start();
  return store;
}

/** Renders the app and waits for the journal's steps list. */
export async function renderJournal(fake: FakeApi) {
  const store = await renderApp(fake);
  await screen.findByRole('list', { name: 'Steps' });
  return store;
}

export function currentStep(fake: FakeApi, journalId: string) {
  const journal = fake.journal(journalId);
  return journal.steps.find((step) => step.id === journal.currentStepId)!;
}
