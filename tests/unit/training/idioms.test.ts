import { describe, expect, it } from 'vitest';
import { IdiomFormatError, loadIdioms, parseIdioms } from '../../../training/eval/idioms';
import { scoreIdiom } from '../../../training/eval/metrics';

describe('the idiom set', () => {
  const cases = loadIdioms();

  it('has at least 100 well-formed one-line cases in TypeScript and JavaScript', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    for (const c of cases) {
      expect(c.middle.trim(), c.id).not.toBe('');
      expect(c.middle, c.id).not.toContain('\n');
      expect(`${c.prefix}${c.middle}${c.suffix}`, c.id).not.toMatch(/[«»]/);
      expect(c.suffix.endsWith('\n'), c.id).toBe(true);
    }
    const languages = new Set(cases.map((c) => c.language));
    expect([...languages].sort()).toEqual(['javascript', 'typescript']);
    expect(cases.filter((c) => c.language === 'javascript').length).toBeGreaterThanOrEqual(15);
  });

  it('splits a case at the markers', () => {
    const [c] = parseIdioms('# a comment\n@@@ twice src/a.ts\nconst f = (x: number) => «x * 2»;\n\n');
    expect(c).toMatchObject({ id: 'twice', path: 'src/a.ts', language: 'typescript', prefix: 'const f = (x: number) => ', middle: 'x * 2', suffix: ';\n' });
  });

  it('refuses a malformed case, naming it', () => {
    expect(() => parseIdioms('@@@ a src/a.ts\nconst x = 1;\n')).toThrow(/a needs exactly one «middle»/);
    expect(() => parseIdioms('@@@ a src/a.ts\nx = «1\n2»;\n')).toThrow(IdiomFormatError);
    expect(() => parseIdioms('@@@ a src/a.py\nx = «1»\n')).toThrow(/not a TypeScript or JavaScript file/);
    expect(() => parseIdioms('@@@ a src/a.ts\nx = «1»;\n@@@ a src/b.ts\ny = «2»;\n')).toThrow(/defined twice/);
    expect(() => parseIdioms('stray\n@@@ a src/a.ts\nx = «1»;\n')).toThrow(/:1: text before the first case/);
  });
});

describe('idiom scoring', () => {
  const suffix = ';\n}\n';
  it('is exact when the answer is the middle, or the middle followed by the rest of the line the suffix already holds', () => {
    expect(scoreIdiom('x * 2', 'x * 2', suffix)).toEqual({ exact: true, similarity: 1, startsOwnLine: false });
    expect(scoreIdiom('x * 2;', 'x * 2', suffix)).toEqual({ exact: true, similarity: 1, startsOwnLine: false });
    expect(scoreIdiom('x * 2  \n}\n', 'x * 2', suffix).exact).toBe(true);
  });

  it('is not exact otherwise, with edit similarity on the cursor line', () => {
    expect(scoreIdiom('x * 3', 'x * 2', suffix)).toEqual({ exact: false, similarity: 0.8, startsOwnLine: false });
    expect(scoreIdiom('\nreturn x * 2', 'x * 2', suffix).exact).toBe(false);
    expect(scoreIdiom('x * 2;;', 'x * 2', suffix).exact).toBe(false);
    expect(scoreIdiom('', 'x * 2', suffix)).toEqual({ exact: false, similarity: 0, startsOwnLine: false });
  });

  it('says whether the answer writes a line of its own where the cursor is inside one', () => {
    expect(scoreIdiom('\n  return x * 2', 'x * 2', suffix)).toMatchObject({ exact: false, startsOwnLine: true });
    expect(scoreIdiom('  // Returns true', 'x * 2', suffix).startsOwnLine).toBe(true);
    expect(scoreIdiom('y;', 'x * 2', suffix).startsOwnLine).toBe(false);
    // A middle that itself starts with a space (after a comma, say) may be answered so.
    expect(scoreIdiom(' b', ' b', ');\n')).toMatchObject({ exact: true, startsOwnLine: false });
  });
});
