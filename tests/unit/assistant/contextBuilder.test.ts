import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyBudget, buildContext, estimateTokens, promptDocuments, type ContextEntry } from '../../../main/assistant/contextBuilder';
import { UrlFetcher, type DocumentSources } from '../../../main/assistant/documents';
import { FakeBuffers, attachment, journalWith } from './fixtures';

describe('context builder', () => {
  let root: string;
  let buffers: FakeBuffers;
  let sources: DocumentSources;
  const texts: Record<string, string> = {};

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-ctx-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src/a.ts'), 'export const a = 1;\n');
    fs.mkdirSync(path.join(root, 'node_modules/left-pad'), { recursive: true });
    fs.writeFileSync(path.join(root, 'node_modules/left-pad/README.md'), 'Pads strings on the left.');
    fs.writeFileSync(path.join(root, 'node_modules/left-pad/index.d.ts'), 'export default function leftPad(s: string, n: number): string;');
    buffers = new FakeBuffers();
    sources = { trusted: true, workspaceRoot: root, buffers, attachmentText: async (id) => texts[id] ?? null, urls: new UrlFetcher() };
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads each kind of document, names it as the model sees it, and puts the notes last', async () => {
    texts.t1 = 'Ticket: parse the flags';
    const outside = path.join(root, 'outside.txt');
    fs.writeFileSync(outside, 'local file text');
    const journal = journalWith([{
      id: 's1', title: 'Flags', notes: 'Use left-pad.',
      attachments: [
        attachment('w1', 'workspace-file', 'src/a.ts', '2026-01-01T00:00:01Z', 'a.ts'),
        attachment('f1', 'file', outside, '2026-01-01T00:00:02Z', 'outside.txt'),
        attachment('t1', 'text', '', '2026-01-01T00:00:03Z', 'Ticket 12'),
        attachment('p1', 'package-docs', 'left-pad', '2026-01-01T00:00:04Z', 'left-pad docs'),
      ],
    }]);
    const context = (await buildContext(journal, sources, 10_000))!;
    expect(context.entries.map((e) => [e.doc.id, e.doc.name, e.state])).toEqual([
      ['w1', 'src/a.ts', 'included'],
      ['f1', 'outside.txt', 'included'],
      ['t1', 'Ticket 12', 'included'],
      ['p1', 'left-pad docs', 'included'],
      ['notes:s1', 'step: Flags', 'included'],
    ]);
    const docs = promptDocuments(context);
    expect(docs[0]!.text).toBe('export const a = 1;\n');
    expect(docs[1]!.text).toBe('local file text');
    expect(docs[2]!.text).toBe('Ticket: parse the flags');
    expect(docs[3]!.text).toContain('Pads strings on the left.');
    expect(docs[3]!.text).toContain('leftPad(s: string');
    expect(docs[4]!.text).toBe('Flags\n\nUse left-pad.');
  });

  it('reads an open file from the editor buffer before the disk', async () => {
    buffers.set('src/a.ts', 'export const a = 2; // unsaved\n');
    const journal = journalWith([{ id: 's1', attachments: [attachment('w1', 'workspace-file', 'src/a.ts', '2026-01-01T00:00:01Z')] }]);
    expect(promptDocuments(await buildContext(journal, sources, 10_000))[0]!.text).toBe('export const a = 2; // unsaved\n');
  });

  it('keeps documents pinned from earlier steps, before its own, marked pinned', async () => {
    texts.old = 'old ticket';
    texts.new = 'new ticket';
    const journal = journalWith([
      { id: 's1', attachments: [attachment('old', 'text', '', '2026-01-01T00:00:01Z'), attachment('unpinned', 'text', '', '2026-01-01T00:00:01Z')] },
      { id: 's2', title: 'Next', attachments: [attachment('new', 'text', '', '2026-01-01T00:00:02Z')], pins: ['old'] },
    ]);
    const context = (await buildContext(journal, sources, 10_000))!;
    expect(context.stepId).toBe('s2');
    expect(context.entries.map((e) => [e.doc.id, e.doc.pinned])).toEqual([['old', true], ['new', false], ['notes:s2', false]]);
  });

  it("reads the step a tab selected, and the journal's current step when none is given or it is gone", async () => {
    texts.one = 'first ticket';
    texts.two = 'second ticket';
    const journal = journalWith([
      { id: 's1', attachments: [attachment('one', 'text', '', '2026-01-01T00:00:01Z')] },
      { id: 's2', attachments: [attachment('two', 'text', '', '2026-01-01T00:00:02Z')] },
    ]);
    journal.currentStepId = 's2';
    const docsOf = async (stepId?: string | null) => promptDocuments(await buildContext(journal, sources, 10_000, stepId)).map((d) => d.text);
    expect(await docsOf('s1')).toEqual(['first ticket']);
    expect(await docsOf()).toEqual(['second ticket']);
    expect(await docsOf('deleted-step')).toEqual(['second ticket']);
  });

  it('marks a document that cannot be read as an error, and sends the rest', async () => {
    texts.t1 = 'still here';
    const journal = journalWith([{ id: 's1', attachments: [
      attachment('gone', 'workspace-file', 'src/missing.ts', '2026-01-01T00:00:01Z'),
      attachment('nopkg', 'package-docs', 'not-installed', '2026-01-01T00:00:01Z'),
      attachment('t1', 'text', '', '2026-01-01T00:00:02Z'),
      attachment('t2', 'text', '', '2026-01-01T00:00:03Z', 'Lost ticket'),
    ] }]);
    const context = (await buildContext(journal, sources, 10_000))!;
    const byId = Object.fromEntries(context.entries.map((e) => [e.doc.id, e]));
    expect(byId.gone).toMatchObject({ state: 'error', reason: expect.stringContaining('src/missing.ts') });
    expect(byId.nopkg).toMatchObject({ state: 'error', reason: expect.stringContaining('not-installed') });
    expect(byId.t2).toMatchObject({ state: 'error', reason: expect.stringContaining('Lost ticket') });
    expect(promptDocuments(context)).toEqual([{ name: 't1', text: 'still here' }]);
  });

  it('sends no notes document when the step has neither title nor notes', async () => {
    const context = (await buildContext(journalWith([{ id: 's1' }]), sources, 10_000))!;
    expect(context.entries).toEqual([]);
  });

  it('has no context without a current step', async () => {
    const journal = journalWith([{ id: 's1' }]);
    journal.currentStepId = null;
    expect(await buildContext(journal, sources, 10_000)).toBeNull();
  });
});

describe('budget rule', () => {
  const entry = (id: string, tokens: number, extra: Partial<ContextEntry['doc']> = {}): ContextEntry => ({
    doc: { id, title: id, kind: 'text', pinned: false, name: id, addedAt: '2026-01-01T00:00:00Z', attachment: null, ...extra },
    text: 'x',
    estimatedTokens: tokens,
    state: 'included',
    reason: null,
  });
  const states = (entries: ContextEntry[]) => Object.fromEntries(entries.map((e) => [e.doc.id, e.state]));

  it('admits notes, then pinned (latest pin first), then the most recently attached, leaving out what does not fit', () => {
    const entries = [
      entry('pinOld', 30, { pinned: true }),
      entry('pinNew', 30, { pinned: true }),
      entry('first', 30, { addedAt: '2026-01-01T00:00:01Z' }),
      entry('latest', 30, { addedAt: '2026-01-01T00:00:03Z' }),
      entry('middle', 30, { addedAt: '2026-01-01T00:00:02Z' }),
      entry('notes:s', 10, { kind: 'step-notes', addedAt: null }),
    ];
    applyBudget(entries, 50);
    expect(states(entries)).toEqual({ 'notes:s': 'included', pinNew: 'included', pinOld: 'left-out', latest: 'left-out', middle: 'left-out', first: 'left-out' });
    const rest = [entries[2]!, entries[3]!, entries[4]!].map((e) => ({ ...e, state: 'included' as const, reason: null }));
    applyBudget(rest, 65);
    expect(states(rest)).toEqual({ first: 'left-out', latest: 'included', middle: 'included' });
    expect(rest[0]!.reason).toMatch(/About 30 tokens; only 5 of the 65-token context budget/);
  });

  it('leaves a document out whole and still admits smaller ones after it', () => {
    const entries = [entry('small', 10, { addedAt: '2026-01-01T00:00:01Z' }), entry('huge', 500, { addedAt: '2026-01-01T00:00:02Z' })];
    applyBudget(entries, 100);
    expect(states(entries)).toEqual({ huge: 'left-out', small: 'included' });
  });

  it('does not count failed documents', () => {
    const entries = [{ ...entry('bad', 0), state: 'error' as const, reason: 'gone' }, entry('ok', 100)];
    applyBudget(entries, 100);
    expect(states(entries)).toEqual({ bad: 'error', ok: 'included' });
  });

  it('estimates about 3 characters per token, name included', () => {
    expect(estimateTokens('a.ts', 'x'.repeat(296))).toBe(101);
  });
});
