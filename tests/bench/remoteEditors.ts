// Several editors asking one remote completion server through the app's assistant service, each with its own
// journal whose current step holds its own documents: shared by the remote engine's model test and its bench.
import type { AssistantSettings } from '../../app/completion/schemas';
import type { CallOutput } from '../../app/ipc/contract';
import { createJournal, newStep, type Journal } from '../../app/journal/schema';
import { AssistantService, type JournalAccess } from '../../main/assistant/assistantService';
import type { EngineClientLike, EngineClientState } from '../../main/assistant/engineClient';
import { RemoteEngine } from '../../main/assistant/remoteEngine';
import { FakeBuffers, FakeModels } from '../unit/assistant/fixtures';

/** No local model: every answer must come from the server (a fallback would fail loudly instead). */
class NoLocalEngine implements EngineClientLike {
  private readonly stopped: EngineClientState = { state: 'stopped', device: 'cpu', message: null };
  state() {
    return this.stopped;
  }
  onStateChange() {
    return () => undefined;
  }
  async configure() {}
  complete(): never {
    throw new Error('the local engine was asked: the remote one should have answered');
  }
  warm(): never {
    throw new Error('no local warm expected');
  }
  cancel() {}
  async dispose() {}
}

/** Deterministic code-like text of about `chars` characters, different for each (editor, document). */
export function editorDocument(editor: number, doc: number, chars: number): string {
  const lines: string[] = [`// module ${editor}.${doc}: helpers of editor ${editor}`];
  for (let i = 0; lines.join('\n').length < chars; i++) {
    lines.push(`export function step${editor}_${doc}_${i}(value: number, scale = ${i + 1}): number {`, `  return value * scale + ${editor * 100 + doc * 10 + i};`, '}');
  }
  return lines.join('\n');
}

export interface RemoteEditors {
  service: AssistantService;
  /** Asks for a suggestion in editor `editor`'s file, with its journal's documents. */
  complete(editor: number, requestId: string, prefix: string, suffix: string): Promise<CallOutput<'assistant.complete'>>;
  dispose(): Promise<void>;
}

/**
 * An assistant service on `engine` (a remote server) serving `editors` editors; editor i has journal `j<i>`
 * with `docs` text attachments of `docChars` characters and edits `src/editor<i>.ts`.
 */
export async function remoteEditors(o: {
  engine: Extract<AssistantSettings['engine'], { url: string }>;
  editors: number;
  docs: number;
  docChars: number;
  maxTokens: number;
  timeoutMs: number;
}): Promise<RemoteEditors> {
  const journals = new Map<string, Journal>();
  const texts = new Map<string, string>();
  for (let e = 0; e < o.editors; e++) {
    const step = { ...newStep(`s${e}`, `Editor ${e}'s task`), notes: `Work of editor ${e}.` };
    step.attachments = Array.from({ length: o.docs }, (_, d) => {
      texts.set(`a${e}-${d}`, editorDocument(e, d, o.docChars));
      return { id: `a${e}-${d}`, kind: 'text' as const, title: `helpers${e}-${d}.ts`, source: '', sizeBytes: o.docChars, addedAt: `2026-01-01T00:00:0${d}Z` };
    });
    journals.set(`j${e}`, { ...createJournal(`j${e}`, `Journal ${e}`, new Date('2026-01-01T00:00:00Z')), steps: [step], currentStepId: step.id });
  }
  const access: JournalAccess & { trusted: () => boolean } = {
    journal: (id) => journals.get(id) ?? null,
    attachmentText: async (_journalId, attachmentId) => texts.get(attachmentId) ?? null,
    workspaceRoot: () => null,
    trusted: () => true,
  };
  const service = new AssistantService({
    journals: access,
    buffers: new FakeBuffers(),
    models: new FakeModels(null, { engine: o.engine, maxTokens: o.maxTokens }),
    engine: new NoLocalEngine(),
    emit: () => undefined,
    userDataDir: '/nowhere',
    remoteEngine: (settings) => new RemoteEngine(settings, { timeoutMs: o.timeoutMs, probeTimeoutMs: o.timeoutMs }),
  });
  await service.start();
  return {
    service,
    complete: (editor, requestId, prefix, suffix) =>
      service.handlers['assistant.complete']({ requestId, journalId: `j${editor}`, path: `src/editor${editor}.ts`, prefix, suffix, multiline: false }),
    dispose: () => service.dispose(),
  };
}
