import { describe, expect, it } from 'vitest';
import { fuzzyMatch, fuzzyRank, highlightRuns } from '../../../app/text/fuzzy';

describe('fuzzyMatch', () => {
  it('matches a subsequence, case-insensitively, and refuses anything else', () => {
    expect(fuzzyMatch('prsr', 'src/csv/parser.ts')).not.toBeNull();
    expect(fuzzyMatch('PARSER', 'src/csv/parser.ts')).not.toBeNull();
    expect(fuzzyMatch('rsp', 'src/csv/parser.ts')?.positions).toBeDefined();
    expect(fuzzyMatch('xyz', 'src/csv/parser.ts')).toBeNull();
    // Order matters: "tp" is in "parser.ts" only as t…p, which does not occur.
    expect(fuzzyMatch('tsp', 'parser.ts')).toBeNull();
  });

  it('places the characters where they score best: a run in the base name, not the first letters found', () => {
    // Greedy would take the "p" and "a" of "pa/", then "rser" far away; the best placement is "parser" in the base name.
    const match = fuzzyMatch('parser', 'pa/x/parser.ts')!;
    expect(match.positions).toEqual([5, 6, 7, 8, 9, 10]);
    expect(fuzzyMatch('ts', 'src/test/parser.ts')!.positions).toEqual([16, 17]);
  });

  it('gives offsets into the candidate even when lowering a character changes its length', () => {
    expect(fuzzyMatch('x', 'İx')!.positions).toEqual([1]);
  });

  it('an empty query matches everything, highlighting nothing', () => {
    expect(fuzzyMatch('', 'a.ts')).toEqual({ score: 0, positions: [] });
  });
});

describe('fuzzyRank', () => {
  const files = ['lib/improper/usurer.js', 'src/csv/parser.test.ts', 'src/csv/parser.ts', 'docs/PaRSeR.md', 'src/print/server.ts', 'README.md'];

  it('ranks consecutive runs, word starts and base-name matches first; drops non-matches', () => {
    const ranked = fuzzyRank('parser', files);
    expect(ranked.slice(0, 2)).toEqual(['docs/PaRSeR.md', 'src/csv/parser.ts']);
    expect(ranked).toContain('src/csv/parser.test.ts');
    expect(ranked.indexOf('src/csv/parser.ts')).toBeLessThan(ranked.indexOf('src/csv/parser.test.ts'));
    expect(ranked).not.toContain('README.md');
  });

  it('finds parser.ts by "prsr" above a path that has the letters inside its words', () => {
    const ranked = fuzzyRank('prsr', files);
    // PaRSeR's case changes start words too; letters scattered inside words rank below both.
    expect(ranked.slice(0, 2).sort()).toEqual(['docs/PaRSeR.md', 'src/csv/parser.ts']);
    expect(ranked.indexOf('src/csv/parser.ts')).toBeLessThan(ranked.indexOf('lib/improper/usurer.js'));
  });

  it('prefers a word start: "cp" finds csv/parser before a c…p inside a word', () => {
    expect(fuzzyRank('cp', ['src/scope.ts', 'csv/parser.ts'])).toEqual(['csv/parser.ts', 'src/scope.ts']);
  });

  it('keeps at most `limit`', () => {
    expect(fuzzyRank('', files, 2)).toHaveLength(2);
  });
});

describe('highlightRuns', () => {
  it('splits the candidate into matched and unmatched runs', () => {
    expect(highlightRuns('parser.ts', [0, 2, 3])).toEqual([
      { text: 'p', matched: true },
      { text: 'a', matched: false },
      { text: 'rs', matched: true },
      { text: 'er.ts', matched: false },
    ]);
  });
});
