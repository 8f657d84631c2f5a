import { describe, expect, it } from 'vitest';
import { createJournal, newStep, type Cell, type CellRun, type Step } from '../../../app/journal/schema';
import { findDuplicate } from '../../../renderer/journal/attachments/duplicate';
import { AT_DRAFT, commandHistory, moveInHistory } from '../../../renderer/journal/cells/history';
import { keyOf } from '../../../renderer/app/commands';

const ran = (startedAt: string): CellRun => ({ runId: 'r', startedAt, durationMs: 1, exitCode: 0, cwd: null, interrupted: false, outputBytes: 0, outputTruncated: false });
const cell = (id: string, command: string, startedAt: string | null): Cell => ({ id, command, collapsed: false, lastRun: startedAt ? ran(startedAt) : null });

describe('commandHistory', () => {
  it('newest first across steps: waiting cells, then by when each last ran; each command once', () => {
    const journal = createJournal('j', 'J', new Date('2025-01-01T00:00:00Z'));
    const one: Step = { ...newStep('s1', 'One'), cells: [cell('a', 'make', '2025-01-01T00:00:03.000Z'), cell('b', 'ls', '2025-01-01T00:00:01.000Z')] };
    const two: Step = { ...newStep('s2', 'Two'), cells: [cell('c', 'npm test', '2025-01-01T00:00:02.000Z'), cell('d', 'ls', '2025-01-01T00:00:04.000Z'), cell('e', 'git status', null)] };
    expect(commandHistory({ ...journal, steps: [one, two] })).toEqual(['git status', 'ls', 'make', 'npm test']);
  });
});

describe('moveInHistory', () => {
  it('keeps the draft while moving and gives it back at the bottom; stops at both ends', () => {
    const history = ['two', 'one'];
    const up = moveInHistory(history, AT_DRAFT, 'draft', 'older')!;
    expect(up).toEqual({ text: 'two', position: { index: 0, draft: 'draft' } });
    const up2 = moveInHistory(history, up.position, 'two edited', 'older')!;
    expect(up2.text).toBe('one');
    expect(moveInHistory(history, up2.position, 'one', 'older')).toBeNull();
    expect(moveInHistory(history, up.position, 'two', 'newer')).toEqual({ text: 'draft', position: { index: -1, draft: 'draft' } });
    expect(moveInHistory(history, AT_DRAFT, 'x', 'newer')).toBeNull();
    expect(moveInHistory([], AT_DRAFT, '', 'older')).toBeNull();
  });
});

describe('findDuplicate', () => {
  const attachment = (id: string, kind: 'workspace-file' | 'url' | 'text' | 'file' | 'package-docs', title: string, source: string, sizeBytes = 0) => ({
    id,
    kind,
    title,
    source,
    sizeBytes,
    addedAt: '2025-01-01T00:00:00.000Z',
  });
  const step: Step = {
    ...newStep('s', 'S'),
    attachments: [
      attachment('w', 'workspace-file', 'a.ts', 'src/a.ts'),
      attachment('u', 'url', 'Docs', 'https://example.com/docs'),
      attachment('t', 'text', 'src/a.ts:2-3', '', 5),
      attachment('p', 'package-docs', 'zod docs', 'zod'),
    ],
  };
  const texts: Record<string, string> = { t: 'a\nb\nc' };
  const read = async (id: string) => texts[id]!;

  it('finds the same file, URL, package or pasted text, and nothing else', async () => {
    expect((await findDuplicate(step, { kind: 'workspace-file', path: './src/a.ts' }, read))?.id).toBe('w');
    expect((await findDuplicate(step, { kind: 'url', url: 'https://example.com/docs' }, read))?.id).toBe('u');
    expect((await findDuplicate(step, { kind: 'package-docs', packageName: 'zod' }, read))?.id).toBe('p');
    expect((await findDuplicate(step, { kind: 'text', title: 'src/a.ts:2-3', text: 'a\nb\nc' }, read))?.id).toBe('t');
    expect(await findDuplicate(step, { kind: 'text', title: 'src/a.ts:2-3', text: 'a\nb\nd' }, read)).toBeUndefined();
    expect(await findDuplicate(step, { kind: 'text', title: 'other', text: 'a\nb\nc' }, read)).toBeUndefined();
    expect(await findDuplicate(step, { kind: 'workspace-file', path: 'src/b.ts' }, read)).toBeUndefined();
    expect(await findDuplicate(step, { kind: 'file', path: 'src/a.ts' }, read)).toBeUndefined();
  });

  it('reads pasted text back only when title and size already match', async () => {
    const asked: string[] = [];
    await findDuplicate(step, { kind: 'text', title: 'src/a.ts:2-3', text: 'longer text' }, async (id) => (asked.push(id), ''));
    expect(asked).toEqual([]);
  });
});

describe('keyOf', () => {
  it('spells a key press as the registry writes shortcuts; Cmd counts as Ctrl', () => {
    expect(keyOf({ key: 'P', ctrlKey: true, metaKey: false, altKey: false, shiftKey: true })).toBe('Ctrl+Shift+P');
    expect(keyOf({ key: 'p', ctrlKey: false, metaKey: true, altKey: false, shiftKey: false })).toBe('Ctrl+P');
    expect(keyOf({ key: 'n', ctrlKey: false, metaKey: false, altKey: true, shiftKey: false })).toBe('Alt+N');
    expect(keyOf({ key: 'F1', ctrlKey: false, metaKey: false, altKey: false, shiftKey: false })).toBe('F1');
  });
});
