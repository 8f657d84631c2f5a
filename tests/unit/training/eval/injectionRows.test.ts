import { beforeAll, describe, expect, it } from 'vitest';
import { UseDefAnalyzer } from '../../../../assistant/analysis';
import { fileSums } from '../../../../training/eval/injection';
import { injectionFor, patternRows, promptAnalysis, tokenCharStarts, useSites, type PromptSegment } from '../../../../training/eval/injectionRows';

let analyzer: UseDefAnalyzer;
beforeAll(async () => {
  analyzer = await UseDefAnalyzer.create();
});

/** A tokenizer by hand: token ids index `pieces`. */
const reader = (pieces: string[]) => ({ tokenPiece: (token: number) => new TextEncoder().encode(pieces[token]!) });

// One char per token: token i of CODE is CODE[i].
const CODE = 'const ab = 1;\nab(ab);';
const perChar = reader([...CODE]);
const ids = (text: string) => [...text].map((_, i) => i);
// Two header tokens (no source), then the code.
const SEGMENTS: PromptSegment[] = [{ tokens: [0, 1] }, { tokens: ids(CODE), source: { file: 'a.ts', start: 0, text: CODE } }];

describe('injection rows', () => {
  it('place tokens at char offsets, a multi-byte character counted once (UTF-16)', () => {
    const text = 'a\u00e9\u{1F600}b';
    // Pieces: "a", the two bytes of é, the emoji split into 2 + 2 bytes, "b".
    const bytes = new TextEncoder().encode(text);
    const pieces = [bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3, 5), bytes.subarray(5, 7), bytes.subarray(7, 8)];
    const split = { tokenPiece: (t: number) => pieces[t]! };
    expect(tokenCharStarts(split, [0, 1, 2, 3, 4], text)).toEqual([0, 1, 2, 2, 4]);
  });

  it('skip the leading space a SentencePiece tokenizer adds', () => {
    expect(tokenCharStarts(reader([' ab', ' =', ' 1']), [0, 1, 2], 'ab = 1')).toEqual([0, 2, 4]);
    expect(tokenCharStarts(reader([' ab', ' =']), [0, 1], ' ab =')).toEqual([0, 3]);
  });

  it('map the analysis past the header: use sites are the tokens right after each use start', () => {
    const analysis = promptAnalysis(perChar, SEGMENTS, analyzer.analyze({ file: 'a.ts', code: CODE }));
    expect(analysis.tokenCount).toBe(2 + CODE.length);
    // `ab` is defined at chars 6-7 (tokens 8, 9) and used at chars 14 and 17 (tokens 16 and 19).
    expect(analysis.edges.map((e) => [e.use, e.def])).toEqual([[16, [8, 9]], [19, [8, 9]]]);
    expect(useSites(analysis)).toEqual([17, 20]);
    expect([...patternRows(analysis, 'use-def').keys()]).toEqual([16, 19]);
  });

  it('place a sourced segment after others at its own chars (the suffix of a FIM prompt)', () => {
    const prefix = 'const ab = 1;\n';
    const suffix = 'ab(ab);';
    const pieces = reader([...prefix, '<S>', ...suffix, '<M>']);
    const segments: PromptSegment[] = [
      { tokens: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], source: { file: 'a.ts', start: 0, text: prefix } },
      { tokens: [14] },
      { tokens: [15, 16, 17, 18, 19, 20, 21], source: { file: 'a.ts', start: prefix.length, text: suffix } },
      { tokens: [22] },
    ];
    const analysis = promptAnalysis(pieces, segments, analyzer.analyze({ file: 'a.ts', prefix, suffix }));
    expect(analysis.edges.map((e) => [e.use, e.def])).toEqual([[15, [6, 7]], [18, [6, 7]]]);
  });

  it('count the use-site metric over use sites only', () => {
    const scored = [
      { target: 3, nll: 1, top: true },
      { target: 17, nll: 2, top: false },
      { target: 18, nll: 4, top: true },
      { target: 20, nll: 3, top: true },
    ];
    expect(fileSums(scored, new Set([17, 20]))).toEqual({ nll: 10, correct: 3, count: 4, useNll: 5, useCorrect: 1, useCount: 2 });
  });

  it('give the addon CSR rows of the batch tokens that have one, zeroed heads as -1', () => {
    const analysis = promptAnalysis(perChar, SEGMENTS, analyzer.analyze({ file: 'a.ts', code: CODE }));
    const rows = (pattern: 'use-def' | 'previous-token') => patternRows(analysis, pattern);
    // A decode call of the tokens at positions 15..19 (batch indices 0..4).
    const injection = injectionFor(
      [{ layer: 0, head: 1, pattern: 'use-def' }, { layer: 1, head: 0, pattern: 'zero' }, { layer: 2, head: 3, pattern: 'use-def' }, { layer: 3, head: 2, pattern: 'previous-token' }],
      (p) => rows(p as 'use-def' | 'previous-token'),
      [15, 16, 17, 18, 19],
    )!;
    expect(injection.heads).toEqual([{ layer: 0, head: 1, pattern: 0 }, { layer: 1, head: 0, pattern: -1 }, { layer: 2, head: 3, pattern: 0 }, { layer: 3, head: 2, pattern: 1 }]);
    const [useDef, previous] = injection.patterns;
    expect(Array.from(useDef!.tokens)).toEqual([1, 4]);
    expect(Array.from(useDef!.offsets)).toEqual([0, 2, 4]);
    expect(Array.from(useDef!.cells)).toEqual([8, 9, 8, 9]);
    expect(Array.from(useDef!.weights)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(previous!.tokens)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(previous!.cells)).toEqual([14, 15, 16, 17, 18]);
    expect(injectionFor([], () => new Map(), [0, 1])).toBeNull();
  });
});
