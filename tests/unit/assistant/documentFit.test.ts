import { afterEach, describe, expect, it } from 'vitest';
import { AssistantService } from '../../../main/assistant/assistantService';
import { estimateTokens } from '../../../main/assistant/contextBuilder';
import type { EngineClientLike, EngineClientState } from '../../../main/assistant/engineClient';
import { EventLog, FakeBuffers, FakeModels, attachment, journalWith } from './fixtures';

/** An engine whose state the test sets; it is never asked to complete. */
class StateOnlyEngine implements EngineClientLike {
  current: EngineClientState = { state: 'stopped', device: 'cpu', message: null };
  state() {
    return this.current;
  }
  onStateChange() {
    return () => undefined;
  }
  async configure() {}
  complete(): never {
    throw new Error('not asked');
  }
  warm(): never {
    throw new Error('not asked');
  }
  cancel() {}
  async dispose() {}
}

const BIG = 'export declare function parse(text: string): Node;\n'.repeat(40);

describe('attachment fit against the loaded model\'s document budget', () => {
  const services: AssistantService[] = [];
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.dispose()));
  });

  function setup() {
    const engine = new StateOnlyEngine();
    const journal = journalWith([{ id: 's1', attachments: [attachment('big', 'text', '', '2026-01-01T00:00:01Z', 'Big docs')] }]);
    const service = new AssistantService({
      journals: { journal: (id) => (id === 'j1' ? journal : null), attachmentText: async () => BIG, trusted: () => true, workspaceRoot: () => '/nowhere' },
      buffers: new FakeBuffers(),
      models: new FakeModels('/models/tiny.gguf', { contextBudgetTokens: 6_144 }),
      engine,
      emit: new EventLog().emit,
      userDataDir: '/user-data',
    });
    services.push(service);
    return { service, engine };
  }

  it('counts the document as the inspector does, with no budget while no model is loaded', async () => {
    const { service } = setup();
    expect(await service.documentFit('j1', 'big')).toEqual({ tokens: estimateTokens('Big docs', BIG), budgetTokens: null });
  });

  it('gives the loaded model\'s document budget: half its context, within the setting', async () => {
    const { service, engine } = setup();
    engine.current = { state: 'ready', device: 'cpu', message: null, contextLength: 512 };
    const fit = await service.documentFit('j1', 'big');
    expect(fit.budgetTokens).toBe(256);
    expect(fit.tokens).toBeGreaterThan(256);
  });

  it('refuses an attachment that is in no open journal', async () => {
    const { service } = setup();
    await expect(service.documentFit('j1', 'missing')).rejects.toThrow(/No attachment missing/);
    await expect(service.documentFit('other', 'big')).rejects.toThrow(/No attachment big/);
  });
});
