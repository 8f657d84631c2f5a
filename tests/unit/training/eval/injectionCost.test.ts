import { describe, expect, it } from 'vitest';
import { freedKBytes, skipSavings, type ModelShape } from '../../../../training/eval/injectionCost';

// 2 layers, 4 query heads in 2 KV groups of 2, head size 8, context 100, 1000 parameters.
const SHAPE: ModelShape = { nLayer: 2, nHead: 4, nHeadKv: 2, headDim: 8, context: 100, params: 1000, kvElementBytes: 2 };

describe('injection cost (computed from the shape)', () => {
  it('counts 4 n d attention FLOPs per head and layer and 2 per parameter', () => {
    const cost = skipSavings(SHAPE, [1, 2, 3]);
    expect(cost.perToken.attentionFlops).toBe(2 * 4 * 4 * 100 * 8);
    expect(cost.perToken.weightFlops).toBe(2000);
    expect(cost.kvBytes).toBe(2 * 2 * 2 * 100 * 8 * 2);
    expect(cost.savings.map((s) => s.attentionFlops)).toEqual([3200, 6400, 9600]);
    expect(cost.savings[0]!.attentionShare).toBeCloseTo(1 / 8, 12);
    expect(cost.savings[0]!.totalShare).toBeCloseTo(3200 / (25600 + 2000), 12);
  });

  it('frees K bytes only for whole KV groups', () => {
    const cost = skipSavings(SHAPE, [1, 2, 3, 4]);
    const group = 100 * 8 * 2;
    expect(cost.savings.map((s) => s.kBytesPacked)).toEqual([0, group, group, 2 * group]);
    expect(cost.savings[1]!.kvSharePacked).toBeCloseTo(group / cost.kvBytes, 12);
    // Heads 0 and 1 share KV head 0; heads 1 and 2 do not share one.
    expect(freedKBytes(SHAPE, [{ layer: 0, head: 0, pattern: 'sink' }, { layer: 0, head: 1, pattern: 'sink' }])).toBe(group);
    expect(freedKBytes(SHAPE, [{ layer: 0, head: 1, pattern: 'sink' }, { layer: 0, head: 2, pattern: 'sink' }])).toBe(0);
    expect(freedKBytes(SHAPE, [{ layer: 0, head: 0, pattern: 'sink' }, { layer: 1, head: 1, pattern: 'sink' }])).toBe(0);
  });
});
