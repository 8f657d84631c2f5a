// The pure parts of attention injection (assistant/engine/injection.ts): heads, prompt characters, rows per decode call.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHeads, HeadProfileReader, InjectionRows, locate, MAX_REPORTED_EDGES, NO_PROFILE_NOTE, promptChars, reportEdges } from '../../../../assistant/engine/injection';
import { sameRows } from '../../../../assistant/engine/kvLayout';
import { InvalidRequestError } from '../../../../assistant/engine/types';
import { headProfilePath, HEAD_PROFILE_VERSION, type HeadProfile } from '../../../../assistant/heads/profile';
import { PATTERN_NAMES, type PromptAnalysis, type UseDefResult } from '../../../../assistant/analysis';

const prompt = (tokenCount: number, edges: PromptAnalysis['edges'] = []): PromptAnalysis => ({ tokenCount, edges, occurrences: [], brackets: [] });
const identity = (p: number): number => p;

describe('checkHeads', () => {
  it('accepts heads inside the model and refuses the first bad one in one line', () => {
    expect(checkHeads([{ layer: 1, head: 3, pattern: 'sink' }, { layer: 0, head: 0, pattern: 'zero' }], 2, 4)).toEqual([
      { layer: 1, head: 3, pattern: 'sink' },
      { layer: 0, head: 0, pattern: 'zero' },
    ]);
    expect(() => checkHeads([{ layer: 2, head: 0, pattern: 'sink' }], 2, 4)).toThrow(new InvalidRequestError('inject: head 2.0: layer must be in [0, 1]'));
    expect(() => checkHeads([{ layer: 0, head: 4, pattern: 'sink' }], 2, 4)).toThrow(/head 0\.4: head must be in \[0, 3\]/);
    expect(() => checkHeads([{ layer: 0, head: -1, pattern: 'sink' }], 2, 4)).toThrow(InvalidRequestError);
    expect(() => checkHeads([{ layer: 0, head: 1, pattern: 'nope' as 'sink' }], 2, 4)).toThrow(/pattern must be previous-token, .*zero, got nope/);
    expect(() => checkHeads([{ layer: 0, head: 1, pattern: 'sink' }, { layer: 0, head: 1, pattern: 'use-def' }], 2, 4)).toThrow(/listed twice/);
  });
});

describe('promptChars and locate', () => {
  it('gives each token its UTF-16 start, a token that starts inside a character that character’s', () => {
    const bytes = new TextEncoder().encode('a€b');
    // '€' is 3 bytes, cut over two tokens: the second starts inside it.
    const { text, starts } = promptChars([bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3, 4), bytes.subarray(4)]);
    expect(text).toBe('a€b');
    expect(starts).toEqual([0, 1, 1, 2]);
  });

  it('finds a text where its tokens start, or after the leading space a tokenizer added, else nowhere', () => {
    expect(locate('<x>foo()', 'foo', 3)).toBe(3);
    expect(locate('<x> foo()', 'foo', 3)).toBe(4);
    expect(locate('<x>fao()', 'foo', 3)).toBeNull();
  });
});

describe('InjectionRows', () => {
  it('keeps the query and generation rows only, as CSR rows per pattern with batch indices', () => {
    const heads = [{ layer: 1, head: 2, pattern: 'previous-token' as const }, { layer: 0, head: 1, pattern: 'use-def' as const }, { layer: 1, head: 0, pattern: 'previous-token' as const }];
    // Prompt of 8 tokens, query from 5; 2 more may be generated. One edge: use at 6 -> def tokens 1, 2.
    const rows = new InjectionRows(heads, prompt(8, [{ name: 'x', use: 6, def: [1, 2] }, { name: 'y', use: 3, def: [0] }]), 5, 10);
    expect(rows.rowsOf(0, 0, 10)).toBe(5); // previous-token on 5..9
    expect(rows.rowsOf(1, 0, 10)).toBe(1); // the document row 3 is not injected
    const injection = rows.forBatch(4, 4, identity)!;
    expect(injection.heads).toEqual([{ layer: 1, head: 2, pattern: 0 }, { layer: 0, head: 1, pattern: 1 }, { layer: 1, head: 0, pattern: 0 }]);
    const [prev, useDef] = injection.patterns;
    expect([...prev!.tokens]).toEqual([1, 2, 3]); // positions 5, 6, 7
    expect([...prev!.offsets]).toEqual([0, 1, 2, 3]);
    expect([...prev!.cells]).toEqual([4, 5, 6]);
    expect([...prev!.weights]).toEqual([1, 1, 1]);
    expect([...useDef!.tokens]).toEqual([2]);
    expect([...useDef!.cells]).toEqual([1, 2]);
    expect([...useDef!.weights]).toEqual([0.5, 0.5]);
    // Cells come from the caller's map.
    expect([...rows.forBatch(9, 1, (p) => p + 100)!.patterns[0]!.cells]).toEqual([108]);
  });

  it('gives no injection for a call without rows, and a zero head empty rows at every injected position', () => {
    const rows = new InjectionRows([{ layer: 0, head: 0, pattern: 'use-def' }], prompt(6), 2, 6);
    expect(rows.forBatch(0, 6, identity)).toBeNull();
    const zero = new InjectionRows([{ layer: 0, head: 0, pattern: 'zero' }], prompt(6), 2, 7);
    const injection = zero.forBatch(0, 4, identity)!;
    expect([...injection.patterns[0]!.tokens]).toEqual([2, 3]);
    expect([...injection.patterns[0]!.offsets]).toEqual([0, 0, 0]);
    expect(zero.rowsOf(0, 0, 7)).toBe(5);
  });

  it('tells the first position whose rows differ, so prefix reuse keeps only KV decoded with the same rows', () => {
    const a = new InjectionRows([{ layer: 0, head: 0, pattern: 'use-def' }], prompt(9, [{ name: 'x', use: 7, def: [1] }]), 4, 9);
    const b = new InjectionRows([{ layer: 0, head: 0, pattern: 'use-def' }], prompt(9, [{ name: 'x', use: 7, def: [2] }]), 4, 9);
    const c = new InjectionRows([{ layer: 0, head: 1, pattern: 'use-def' }], prompt(9, [{ name: 'x', use: 7, def: [1] }]), 4, 9);
    expect(sameRows(a, a, 9)).toBe(9);
    expect(sameRows(a, b, 9)).toBe(7);
    expect(sameRows(a, c, 9)).toBe(7);
    expect(sameRows(a, null, 9)).toBe(7);
    expect(sameRows(null, null, 9)).toBe(9);
    expect(sameRows(a, b, 5)).toBe(5);
  });
});

describe('HeadProfileReader', () => {
  const profile = (identity: string, top1: number): HeadProfile => {
    const heads = [0, 1].flatMap((layer) => [0, 1, 2, 3].map((head) => ({ layer, head, mass: 0.1, top1: layer === 1 && head === 2 ? top1 : 0.1 })));
    return {
      version: HEAD_PROFILE_VERSION,
      model: { identity, name: 'tiny', nLayer: 2, nHead: 4, nHeadKv: 2 },
      files: { count: 1, tokens: 10 },
      patterns: Object.fromEntries(PATTERN_NAMES.map((p) => [p, { rows: 5, heads: p === 'sink' ? heads : heads.map((h) => ({ ...h, top1: 0 })) }])) as HeadProfile['patterns'],
    };
  };
  const write = (dir: string, p: HeadProfile): void => {
    fs.mkdirSync(path.join(dir, 'heads'), { recursive: true });
    fs.writeFileSync(headProfilePath(dir, 'abc'), JSON.stringify(p));
  };

  it('chooses the profile’s heads, and says why there are none', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-inject-'));
    try {
      expect(new HeadProfileReader(null, 'abc').autoHeads(2, 4)).toEqual({ heads: [], note: NO_PROFILE_NOTE });
      const reader = new HeadProfileReader(dir, 'abc');
      expect(reader.autoHeads(2, 4)).toEqual({ heads: [], note: NO_PROFILE_NOTE });
      write(dir, profile('abc', 0.9));
      expect(reader.autoHeads(2, 4)).toEqual({ heads: [{ layer: 1, head: 2, pattern: 'sink' }], note: null });
      write(dir, profile('abc', 0.2));
      fs.utimesSync(headProfilePath(dir, 'abc'), new Date(), new Date(Date.now() + 5000));
      expect(reader.autoHeads(2, 4)).toEqual({ heads: [], note: expect.stringMatching(/chooses no head/) });
      write(dir, profile('other', 0.9));
      fs.utimesSync(headProfilePath(dir, 'abc'), new Date(), new Date(Date.now() + 10000));
      expect(reader.autoHeads(2, 4).note).toMatch(/not used: it is for another model/);
      expect(new HeadProfileReader(dir, 'abc').autoHeads(3, 4).note).toMatch(/not used/);
      fs.writeFileSync(headProfilePath(dir, 'abc'), '{ broken');
      expect(new HeadProfileReader(dir, 'abc').autoHeads(2, 4)).toEqual({ heads: [], note: expect.stringMatching(/not used: .*JSON/) });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('reportEdges', () => {
  it('lists the cursor code’s edges (at most MAX_REPORTED_EDGES) and counts them all', () => {
    const at = (file: string, line: number) => ({ file, line, column: 2, start: 0, end: 1 });
    const edges = Array.from({ length: MAX_REPORTED_EDGES + 5 }, (_, i) => ({ name: `n${i}`, use: at('main.ts', i + 1), def: at('lib.ts', 1) }));
    const result: UseDefResult = { edges: [...edges, { name: 'doc', use: at('lib.ts', 3), def: at('lib.ts', 1) }], files: [] };
    const report = reportEdges(result, 'main.ts');
    expect(report.edgeCount).toBe(MAX_REPORTED_EDGES + 5);
    expect(report.edges).toHaveLength(MAX_REPORTED_EDGES);
    expect(report.edges[0]).toEqual({ name: 'n0', use: { line: 1, column: 2 }, def: { file: 'lib.ts', line: 1, column: 2 } });
    expect(reportEdges(null, 'main.ts')).toEqual({ edgeCount: 0, edges: [] });
  });
});
