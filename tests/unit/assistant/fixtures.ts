// Shared by the assistant's tests: journals with attachments, a model source, an event recorder.
import { DEFAULT_ASSISTANT_SETTINGS, type AssistantSettings, type ModelInfo } from '../../../app/completion/schemas';
import type { EventName, EventPayload } from '../../../app/ipc/contract';
import { createJournal, newStep, type Attachment, type Journal } from '../../../app/journal/schema';
import type { ModelSource } from '../../../main/assistant/modelSource';

export function attachment(id: string, kind: Attachment['kind'], source: string, addedAt: string, title = id): Attachment {
  return { id, kind, title, source, sizeBytes: 0, addedAt };
}

/** A journal whose last step is current; `pins` are attachment ids of earlier steps. */
export function journalWith(steps: Array<{ id: string; title?: string; notes?: string; attachments?: Attachment[]; pins?: string[] }>): Journal {
  const journal = createJournal('j1', 'Journal', new Date('2026-01-01T00:00:00Z'));
  journal.steps = steps.map((s) => ({
    ...newStep(s.id, s.title ?? ''),
    notes: s.notes ?? '',
    attachments: s.attachments ?? [],
    pinnedAttachmentIds: s.pins ?? [],
  }));
  journal.currentStepId = steps.at(-1)?.id ?? null;
  return journal;
}

export class FakeModels implements ModelSource {
  model: ModelInfo | null;
  current: AssistantSettings;
  private readonly modelListeners = new Set<(model: ModelInfo | null) => void>();
  private readonly settingsListeners = new Set<(settings: AssistantSettings) => void>();

  constructor(path: string | null, settings: Partial<AssistantSettings> = {}) {
    this.model = path ? { id: 'm1', name: 'tiny', path, sizeBytes: 1, origin: 'local' } : null;
    this.current = { ...DEFAULT_ASSISTANT_SETTINGS, ...settings };
  }
  activeModel() {
    return this.model;
  }
  onActiveModelChanged(listener: (model: ModelInfo | null) => void) {
    this.modelListeners.add(listener);
    return () => void this.modelListeners.delete(listener);
  }
  settings() {
    return this.current;
  }
  onSettingsChanged(listener: (settings: AssistantSettings) => void) {
    this.settingsListeners.add(listener);
    return () => void this.settingsListeners.delete(listener);
  }
  select(path: string) {
    this.model = { id: 'm2', name: 'other', path, sizeBytes: 1, origin: 'local' };
    for (const listener of this.modelListeners) listener(this.model);
  }
  update(settings: Partial<AssistantSettings>) {
    this.current = { ...this.current, ...settings };
    for (const listener of this.settingsListeners) listener(this.current);
  }
}

export class EventLog {
  readonly events: Array<{ event: EventName; payload: unknown }> = [];
  readonly emit = <E extends EventName>(event: E, payload: EventPayload<E>): void => {
    this.events.push({ event, payload });
  };
  of<E extends EventName>(event: E): EventPayload<E>[] {
    return this.events.filter((e) => e.event === event).map((e) => e.payload as EventPayload<E>);
  }
}

export class FakeBuffers {
  private readonly texts = new Map<string, string>();
  private readonly listeners = new Set<(path: string) => void>();
  get(path: string) {
    return this.texts.get(path) ?? null;
  }
  set(path: string, text: string) {
    this.texts.set(path, text);
    for (const listener of this.listeners) listener(path);
  }
  onChange(listener: (path: string) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}

export const waitFor = async (check: () => boolean, timeoutMs = 20_000): Promise<void> => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
