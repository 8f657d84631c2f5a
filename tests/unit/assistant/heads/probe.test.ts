// The probe's scoring on synthetic attention: mass on targets, top-1, running means, token offsets, layer groups.
import { describe, expect, it } from 'vitest';
import { PATTERN_NAMES, type SparseRow } from '../../../../assistant/analysis';
import { HeadTally, layerGroups, scoreLayer, tokenStartsOf, type ObservedLayer } from '../../../../assistant/heads/probe';

/** An observation of `nTokens` tokens and `nHead` heads from rows[token][head] = probabilities over cells 0..token. */
function observed(rows: number[][][], nKv = 8): ObservedLayer {
  const nTokens = rows.length;
  const nHead = rows[0]!.length;
  const data = new Float32Array(nTokens * nHead * nKv);
  rows.forEach((heads, t) => heads.forEach((probs, h) => data.set(probs, (t * nHead + h) * nKv)));
  return { nTokens, nHead, nKv, data };
}

const row = (r: number, cols: number[]): SparseRow => ({ row: r, cols, weights: cols.map(() => 1 / cols.length) });

describe('scoreLayer', () => {
  // Head 0 looks at the previous token, head 1 at the first token.
  const layer = observed([
    [[1], [1]],
    [[0.9, 0.1], [0.8, 0.2]],
    [[0.1, 0.7, 0.2], [0.6, 0.3, 0.1]],
    [[0.05, 0.15, 0.6, 0.2], [0.5, 0.2, 0.2, 0.1]],
  ]);

  it('sums the mass on the targets and counts rows whose argmax is a target', () => {
    const previous = [row(1, [0]), row(2, [1]), row(3, [2])];
    const score = scoreLayer(layer, previous);
    expect([...score.mass].map((m) => +m.toFixed(6))).toEqual([0.9 + 0.7 + 0.6, 0.8 + 0.3 + 0.2].map((m) => +m.toFixed(6)));
    expect([...score.top1]).toEqual([3, 1]); // head 1's row 1 peaks at cell 0, the previous token there
    const sink = scoreLayer(layer, [row(1, [0]), row(2, [0]), row(3, [0])]);
    expect([...sink.top1]).toEqual([1, 3]);
  });

  it('counts a row with several targets as one, by the sum of their probabilities', () => {
    const score = scoreLayer(layer, [row(3, [0, 1])]);
    expect(score.mass[0]).toBeCloseTo(0.2, 6);
    expect(score.top1[0]).toBe(0); // the peak (cell 2) is not a target
    expect(score.top1[1]).toBe(1);
  });

  it('takes the first of equal peaks and skips rows past the observed tokens', () => {
    const tie = observed([[[1]], [[0.5, 0.5]]]);
    expect([...scoreLayer(tie, [row(1, [0])]).top1]).toEqual([1]);
    expect([...scoreLayer(tie, [row(1, [1])]).top1]).toEqual([0]);
    expect([...scoreLayer(tie, [row(5, [0])]).mass]).toEqual([0]);
  });
});

describe('HeadTally', () => {
  it('averages each pattern over its rows of all files, ordered by layer then head', () => {
    const tally = new HeadTally(2, 2);
    tally.addRows('previous-token', [row(1, [0]), row(2, [1]), row(3, [2]), row(3, [0, 1, 2])]);
    tally.add('previous-token', 0, { mass: Float64Array.of(2, 1), top1: Float64Array.of(4, 0) });
    tally.add('previous-token', 1, { mass: Float64Array.of(0, 3), top1: Float64Array.of(1, 2) });
    tally.add('previous-token', 1, { mass: Float64Array.of(0, 1), top1: Float64Array.of(0, 1) });
    const patterns = tally.patterns();
    expect(Object.keys(patterns)).toEqual([...PATTERN_NAMES]);
    expect(patterns['previous-token']).toEqual({
      rows: 4,
      chance: (1 / 2 + 1 / 3 + 1 / 4 + 3 / 4) / 4,
      heads: [
        { layer: 0, head: 0, mass: 0.5, top1: 1 },
        { layer: 0, head: 1, mass: 0.25, top1: 0 },
        { layer: 1, head: 0, mass: 0, top1: 0.25 },
        { layer: 1, head: 1, mass: 1, top1: 0.75 },
      ],
    });
    // A pattern without rows scores 0, not NaN.
    expect(patterns['use-def']).toMatchObject({ rows: 0, chance: 0 });
    expect(patterns['use-def'].heads.every((h) => h.mass === 0 && h.top1 === 0)).toBe(true);
  });

  it('refuses a layer or head count it does not have', () => {
    const tally = new HeadTally(2, 2);
    expect(() => tally.add('sink', 2, { mass: new Float64Array(2), top1: new Float64Array(2) })).toThrow(RangeError);
    expect(() => tally.add('sink', 0, { mass: new Float64Array(3), top1: new Float64Array(3) })).toThrow(RangeError);
  });
});

describe('tokenStartsOf', () => {
  const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

  it('places pieces on the text in UTF-16 offsets, an empty BOS piece at 0', () => {
    const text = 'const é = "😀";\n';
    const pieces = [new Uint8Array(0), utf8('const'), utf8(' é'), utf8(' = "'), utf8('😀'), utf8('";')];
    expect(tokenStartsOf(text, pieces)).toEqual({ starts: [0, 0, 5, 7, 11, 13], end: 15 });
  });

  it('rounds the end up when the last piece stops inside a character, and refuses pieces that do not spell the text', () => {
    const bytes = Buffer.from('a😀b', 'utf8');
    expect(tokenStartsOf('a😀b', [bytes.subarray(0, 1), bytes.subarray(1, 3)])).toEqual({ starts: [0, 1], end: 3 });
    expect(tokenStartsOf('let x', [utf8('let'), utf8('\u2581x')])).toBeNull();
    expect(tokenStartsOf('ab', [utf8('abc')])).toBeNull();
  });
});

describe('layerGroups', () => {
  it('observes as many layers at once as fit the budget, at least one', () => {
    // 300 tokens pad to 512 cells: 300 * 4 heads * 512 * 4 bytes = 2.4 MB per layer.
    const perLayer = 300 * 4 * 512 * 4;
    expect(layerGroups(5, 4, 300, 2 * perLayer)).toEqual([[0, 1], [2, 3], [4]]);
    expect(layerGroups(3, 4, 300, 100 * perLayer)).toEqual([[0, 1, 2]]);
    expect(layerGroups(2, 4, 300, 1)).toEqual([[0], [1]]);
  });
});
