// The suggestion path end to end: AssistantService -> EngineClient -> the engine host process (forked,
// running assistant/host/engineHostMain.ts through tsx) -> the engine on a generated tiny model.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AssistantService } from '../../main/assistant/assistantService';
import { EngineClient } from '../../main/assistant/engineClient';
import { nodeHostLauncher, type HostChannel } from '../../base/node/hostChannel';
import { EventLog, FakeBuffers, FakeModels, attachment, journalWith, waitFor } from '../unit/assistant/fixtures';
import { describeNative, makeModel, tempDir } from './helpers';

/** A change main announced; the service reads the journal it made from main's sessions, not from the event. */
const journalChanged = { journalId: 'j1', version: 1, change: { type: 'setTitle', title: 'Edited' } } as const;
const TEXTS: Record<string, string> = {
  a1: 'export function parseArgs(args: string[]): Options {\n  const options: Options = { name: "", count: 0 };\n  return options;\n}\n',
  a2: 'def read_lines(path):\n    with open(path, "r", encoding="utf-8") as f:\n        return [line for line in f]\n',
};

describeNative('assistant service through the engine host process', () => {
  let dir: string;
  let modelPath: string;
  let channels: HostChannel[];
  /** Called with each request main sends to the host. */
  let onPost: (message: { type: string; id?: string }) => void = () => undefined;
  let log: EventLog;
  let service: AssistantService;
  const journal = journalWith([{ id: 's1', title: 'Parse args', notes: 'Count the names.', attachments: [attachment('a1', 'text', '', '2026-01-01T00:00:01Z', 'args.ts'), attachment('a2', 'text', '', '2026-01-01T00:00:02Z', 'lines.py')] }]);

  const start = async (model: string): Promise<AssistantService> => {
    log = new EventLog();
    channels = [];
    const engine = new EngineClient({
      launcher: (entry, name) => {
        const channel = nodeHostLauncher(entry, name);
        channels.push(channel);
        return { ...channel, postMessage: (message) => {
          channel.postMessage(message);
          onPost(message as { type: string });
        } };
      },
      restartDelaysMs: [50, 50, 50],
    });
    const created = new AssistantService({
      journals: { journal: () => journal, attachmentText: async (_j, id) => TEXTS[id] ?? null, trusted: () => true, workspaceRoot: () => dir },
      buffers: new FakeBuffers(),
      models: new FakeModels(model, { contextBudgetTokens: 1024, maxTokens: 8 }),
      engine,
      emit: log.emit,
      userDataDir: dir,
      warmDebounceMs: 10,
    });
    await created.start();
    return created;
  };

  const complete = (requestId: string, prefix: string) =>
    service.handlers['assistant.complete']({ requestId, journalId: 'j1', path: 'src/main.ts', prefix, suffix: ');\n', multiline: false });

  beforeAll(async () => {
    dir = tempDir();
    modelPath = makeModel(dir, { seed: 1 }).path;
    service = await start(modelPath);
  });
  afterAll(async () => {
    await service.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads the model, reports the documents as blocks, and reuses them the second time', async () => {
    expect(service.status()).toMatchObject({ state: 'ready', device: 'cpu' });
    expect(log.of('assistant.status').map((s) => s.state)).toContain('ready');
    const first = await complete('r1', 'const options = parseArgs(');
    const docs = first.report.documents;
    expect(docs.map((d) => d.id)).toEqual(['a1', 'a2', 'notes:s1']);
    expect(docs.every((d) => d.state === 'computed' && d.tokens > 0)).toBe(true);
    expect(first.report.mode).toBe('sparse');
    expect(first.report.timeToFirstTokenMs).toBeGreaterThan(0);
    const second = await complete('r2', 'const options = parseArgs(process.argv');
    expect(second.report.documents.map((d) => d.state)).toEqual(['resident', 'resident', 'resident']);
    expect(second.report.reusedTokens).toBeGreaterThan(0);
    console.log(`[assistant] first ${first.report.totalMs.toFixed(1)} ms (TTFT ${first.report.timeToFirstTokenMs.toFixed(1)}), second ${second.report.totalMs.toFixed(1)} ms (TTFT ${second.report.timeToFirstTokenMs.toFixed(1)})`);
  });

  it('encodes the step\'s documents in the background when the journal changes, with progress', async () => {
    const edited = journalWith([{ id: 's1', title: 'Parse args', notes: 'Count the names twice.', attachments: journal.steps[0]!.attachments }]);
    Object.assign(journal, { steps: edited.steps });
    service.journalChanged(journalChanged.journalId);
    await waitFor(() => log.of('assistant.encoding').some((p) => p.done === 3 && p.total === 3));
    expect(log.of('assistant.encoding').map((p) => p.current)).toEqual(['args.ts', 'lines.py', 'Parse args', null]);
    const warmed = await complete('r5', 'const options = parseArgs(');
    expect(warmed.report.documents.map((d) => d.state)).toEqual(['resident', 'resident', 'resident']);
  });

  it('reports a crash of the host, restarts it, and the next request works', async () => {
    onPost = (message) => {
      if (message.type === 'complete' && message.id === 'r3') channels[0]!.kill();
    };
    const pending = complete('r3', 'let count = ');
    await expect(pending).rejects.toMatchObject({ code: 'engine-crashed' });
    await waitFor(() => service.status().state === 'ready');
    const states = log.of('assistant.status').map((s) => s.state);
    expect(states.slice(states.lastIndexOf('restarting'))).toEqual(['restarting', 'loading', 'ready']);
    const after = await complete('r4', 'let total = ');
    expect(after.report.documents).toHaveLength(3);
    // The new process has an empty memory tier: blocks come from the disk tier or are computed again.
    expect(after.report.documents.every((d) => d.state === 'disk' || d.state === 'computed')).toBe(true);
    expect(channels).toHaveLength(2);
  });

  it('says clearly when the model file is broken, and keeps answering', async () => {
    const broken = path.join(dir, 'broken.gguf');
    fs.writeFileSync(broken, 'this is not a GGUF file');
    const other = await start(broken);
    try {
      expect(other.status().state).toBe('error');
      expect(other.status().message).toMatch(/could not be loaded.*broken\.gguf/);
      expect(log.of('assistant.status').at(-1)?.state).toBe('error');
      await expect(other.handlers['assistant.complete']({ requestId: 'x', journalId: null, path: 'a.ts', prefix: 'a', suffix: '', multiline: false }))
        .rejects.toMatchObject({ code: 'error' });
      expect(await other.handlers['assistant.status']({})).toMatchObject({ state: 'error' });
    } finally {
      await other.dispose();
    }
  });
});
