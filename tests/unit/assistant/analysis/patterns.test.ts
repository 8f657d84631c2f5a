import { beforeAll, describe, expect, it } from 'vitest';
import {
  bracketPattern, inductionPattern, mapToPrompt, PATTERNS, previousTokenPattern, sinkPattern, tokenAt, useDefPattern, UseDefAnalyzer, type PromptAnalysis,
} from '../../../../assistant/analysis';

let analyzer: UseDefAnalyzer;
beforeAll(async () => {
  analyzer = await UseDefAnalyzer.create();
});

// The prompt "<s>const ab = 1;\nab(ab);" cut by hand into tokens:
//   0 "<s>"  1 "const"  2 " a"  3 "b"  4 " = 1"  5 ";\n"  6 "ab("  7 "a"  8 "b);"
const CODE = 'const ab = 1;\nab(ab);';
const TOKEN_STARTS = [0, 3, 8, 10, 11, 15, 17, 20, 21];

function prompt(): PromptAnalysis {
  const result = analyzer.analyze({ file: 'a.ts', code: CODE });
  return mapToPrompt(result, [{ file: 'a.ts', start: 0, end: CODE.length, promptStart: 3 }], TOKEN_STARTS);
}

const uniform = (row: number, cols: number[]) => ({ row, cols, weights: cols.map(() => 1 / cols.length) });

describe('prompt mapping', () => {
  it('finds the token holding a char', () => {
    expect([0, 2, 3, 9, 10, 16, 17, 21, 99].map((c) => tokenAt(TOKEN_STARTS, c))).toEqual([0, 0, 1, 2, 3, 5, 6, 8, 8]);
  });

  it('maps edges, occurrences and brackets to token indices', () => {
    expect(prompt()).toEqual({
      tokenCount: 9,
      edges: [{ name: 'ab', use: 6, def: [2, 3] }, { name: 'ab', use: 7, def: [2, 3] }],
      occurrences: [{ name: 'ab', first: 2, last: 3 }, { name: 'ab', first: 6, last: 6 }, { name: 'ab', first: 7, last: 8 }],
      brackets: [[6, 8]],
    });
  });

  it('leaves out what the prompt does not show', () => {
    const result = analyzer.analyze({ file: 'a.ts', code: CODE });
    // Only the second line is in the prompt: the definition is not, so there is no edge.
    const mapped = mapToPrompt(result, [{ file: 'a.ts', start: 14, end: CODE.length, promptStart: 0 }], [0, 3, 4, 6]);
    expect(mapped.edges).toEqual([]);
    expect(mapped.brackets).toEqual([[0, 2]]); // tokens "ab(", "a", "b)", ";"
  });
});

describe('patterns', () => {
  it('previous token and sink cover every row after the first', () => {
    expect(previousTokenPattern(prompt())).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((row) => uniform(row, [row - 1])));
    expect(sinkPattern(prompt())).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((row) => uniform(row, [0])));
  });

  it('use -> definition: the use\'s first token attends to the definition\'s tokens', () => {
    expect(useDefPattern(prompt())).toEqual([uniform(6, [2, 3]), uniform(7, [2, 3])]);
  });

  it('induction: an identifier\'s last token attends to the token after each earlier occurrence', () => {
    expect(inductionPattern(prompt())).toEqual([uniform(6, [4]), uniform(8, [4, 7])]);
  });

  it('matching bracket: the closing token attends to the opening one', () => {
    expect(bracketPattern(prompt())).toEqual([uniform(8, [6])]);
  });

  it('stays causal: a definition after its use (hoisting) gives no row', () => {
    const code = 'g();\nfunction g() {}';
    const result = analyzer.analyze({ file: 'b.js', code });
    // One token per char: the use is token 0, the definition token 14.
    const mapped = mapToPrompt(result, [{ file: 'b.js', start: 0, end: code.length, promptStart: 0 }], [...code].map((_, i) => i));
    expect(mapped.edges).toEqual([{ name: 'g', use: 0, def: [14] }]);
    expect(useDefPattern(mapped)).toEqual([]);
  });

  it('names every pattern once', () => {
    expect(Object.keys(PATTERNS)).toEqual(['previous-token', 'use-def', 'induction', 'bracket', 'sink']);
    for (const rows of Object.values(PATTERNS).map((pattern) => pattern(prompt()))) {
      for (const { row, cols, weights } of rows) {
        expect(cols.every((col) => col < row)).toBe(true);
        expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      }
    }
  });
});
