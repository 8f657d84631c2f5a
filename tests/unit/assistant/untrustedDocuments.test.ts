// Nothing from an untrusted journal is read, fetched or parsed before the user trusts it (issue 9, item 2).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Journal } from '../../../app/journal/schema';
import { NOT_LOADED_UNTIL_TRUSTED } from '../../../app/journal/trust';
import type { HostReport } from '../../../assistant/host/protocol';
import { AssistantService } from '../../../main/assistant/assistantService';
import { buildContext } from '../../../main/assistant/contextBuilder';
import { UrlFetcher } from '../../../main/assistant/documents';
import type { CompleteCall, EngineClientLike, EngineClientState, WarmCall } from '../../../main/assistant/engineClient';
import { HOST_REPORT } from './fakeHost';
import { EventLog, FakeBuffers, FakeModels, attachment, journalWith, waitFor } from './fixtures';

/** An engine that answers at once and remembers what it was sent. */
class RecordingEngine implements EngineClientLike {
  current: EngineClientState = { state: 'stopped', device: 'cpu', message: null };
  readonly completes: CompleteCall[] = [];
  readonly warms: WarmCall[] = [];
  private readonly listeners = new Set<(state: EngineClientState) => void>();
  state() {
    return this.current;
  }
  onStateChange(listener: (state: EngineClientState) => void) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
  async configure() {
    this.current = { state: 'ready', device: 'cpu', message: null };
    for (const listener of this.listeners) listener(this.current);
  }
  async complete(call: CompleteCall) {
    this.completes.push(call);
    return { text: 'x', report: HOST_REPORT };
  }
  async warm(call: WarmCall): Promise<HostReport> {
    this.warms.push(call);
    return HOST_REPORT;
  }
  cancel() {}
  async dispose() {}
}

describe('an untrusted journal', () => {
  let server: http.Server;
  let pageUrl: string;
  let hits = 0;
  let dir: string;
  let workspace: string;
  let journal: Journal;

  beforeAll(async () => {
    server = http.createServer((_request, response) => {
      hits++;
      response.writeHead(200, { 'content-type': 'text/plain' }).end('the page');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/beacon`;
    dir = await mkdtemp(join(tmpdir(), 'steerway-untrusted-'));
    workspace = join(dir, 'ws');
    await mkdir(join(workspace, 'node_modules', 'lib'), { recursive: true });
    await writeFile(join(workspace, 'node_modules', 'lib', 'README.md'), 'lib readme');
    await writeFile(join(workspace, 'notes.md'), 'workspace notes');
    await writeFile(join(dir, 'secret.txt'), 'a secret outside the workspace');
    journal = journalWith([{
      id: 's1', title: 'Step', notes: 'the notes',
      attachments: [
        attachment('f1', 'file', join(dir, 'secret.txt'), '2026-01-01T00:00:01Z', 'README.md'),
        attachment('u1', 'url', pageUrl, '2026-01-01T00:00:02Z', 'Docs'),
        attachment('p1', 'package-docs', 'lib', '2026-01-01T00:00:03Z', 'lib docs'),
        attachment('w1', 'workspace-file', 'notes.md', '2026-01-01T00:00:04Z', 'notes.md'),
        attachment('t1', 'text', '', '2026-01-01T00:00:05Z', 'Ticket'),
      ],
    }]);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const sources = (trusted: boolean) => ({
    trusted, workspaceRoot: workspace, buffers: new FakeBuffers(), attachmentText: async () => 'pasted ticket', urls: new UrlFetcher(),
  });

  it('lists its file, URL, library and workspace documents without loading them; its notes and pasted text go in', async () => {
    const context = (await buildContext(journal, sources(false), 10_000))!;
    expect(context.entries.map((e) => [e.doc.id, e.state, e.reason ?? e.text])).toEqual([
      ['f1', 'error', NOT_LOADED_UNTIL_TRUSTED],
      ['u1', 'error', NOT_LOADED_UNTIL_TRUSTED],
      ['p1', 'error', NOT_LOADED_UNTIL_TRUSTED],
      ['w1', 'error', NOT_LOADED_UNTIL_TRUSTED],
      ['t1', 'included', 'pasted ticket'],
      ['notes:s1', 'included', 'Step\n\nthe notes'],
    ]);
    expect(hits).toBe(0);
    const trusted = (await buildContext(journal, sources(true), 10_000))!;
    expect(trusted.entries.map((e) => e.state)).toEqual(['included', 'included', 'included', 'included', 'included', 'included']);
    expect(hits).toBe(1);
  });

  it('is never fetched for, on an edit, a warm-up or a completion; trusting it encodes its documents', async () => {
    hits = 0;
    let trusted = false;
    const engine = new RecordingEngine();
    const service = new AssistantService({
      journals: { journal: () => journal, attachmentText: async () => 'pasted ticket', trusted: () => trusted, workspaceRoot: () => workspace },
      buffers: new FakeBuffers(),
      models: new FakeModels('/models/tiny.gguf'),
      engine,
      emit: new EventLog().emit,
      userDataDir: dir,
      warmDebounceMs: 5,
    });
    try {
      await service.start();
      service.journalChanged(journal.id);
      await waitFor(() => engine.warms.length === 2);
      const result = await service.handlers['assistant.complete']({ requestId: 'r1', journalId: journal.id, path: 'a.ts', prefix: 'x', suffix: '', multiline: false });
      expect(engine.completes[0]!.documents.map((d) => d.name)).toEqual(['Ticket', 'step: Step']);
      expect(result.report.documents.filter((d) => d.state === 'error').map((d) => d.reason)).toEqual(Array(4).fill(NOT_LOADED_UNTIL_TRUSTED));
      expect(engine.warms.at(-1)!.documents.map((d) => d.name)).toEqual(['Ticket', 'step: Step']);
      expect(hits).toBe(0);

      trusted = true;
      service.journalTrusted(journal.id);
      await waitFor(() => engine.warms.some((w) => w.documents.some((d) => d.name === pageUrl)));
      expect(hits).toBe(1);
      await waitFor(() => engine.warms.at(-1)!.documents.length === 6);
    } finally {
      await service.dispose();
    }
  });
});

it("a suggestion from the cache reports its own step's documents, not those of a step that asked the same", async () => {
  // Two steps with the same title and notes, each with its own URL that does not load (the journal is untrusted).
  const journal = journalWith([
    { id: 's1', title: 'Same', notes: 'same notes', attachments: [attachment('u1', 'url', 'http://127.0.0.1:9/first', '2026-01-01T00:00:01Z', 'First page')] },
    { id: 's2', title: 'Same', notes: 'same notes', attachments: [attachment('u2', 'url', 'http://127.0.0.1:9/second', '2026-01-01T00:00:02Z', 'Second page')] },
  ]);
  const engine = new RecordingEngine();
  const service = new AssistantService({
    journals: { journal: () => journal, attachmentText: async () => null, trusted: () => false, workspaceRoot: () => null },
    buffers: new FakeBuffers(),
    models: new FakeModels('/models/tiny.gguf'),
    engine,
    emit: new EventLog().emit,
    userDataDir: '/user-data',
  });
  const ask = async (requestId: string) =>
    (await service.handlers['assistant.complete']({ requestId, journalId: journal.id, path: 'a.ts', prefix: 'x', suffix: '', multiline: false })).report.documents.map((d) => d.title);
  try {
    await service.start();
    journal.currentStepId = 's1';
    expect(await ask('r1')).toEqual(['First page', 'Same']);
    journal.currentStepId = 's2';
    expect(await ask('r2')).toEqual(['Second page', 'Same']);
    journal.currentStepId = 's1';
    expect(await ask('r3')).toEqual(['First page', 'Same']);
    // The same prompt for the first step again: that one comes from the cache.
    expect(engine.completes).toHaveLength(2);
  } finally {
    await service.dispose();
  }
});
