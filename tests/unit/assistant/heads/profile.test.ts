import { describe, expect, it } from 'vitest';
import { PATTERN_NAMES } from '../../../../assistant/analysis';
import { chooseHeads, HeadListError, parseHeadList, type HeadProfile } from '../../../../assistant/heads/profile';

function profileWith(scores: Partial<Record<(typeof PATTERN_NAMES)[number], number[]>>): HeadProfile {
  // 2 layers x 2 heads; scores listed in layer-then-head order.
  const patterns = Object.fromEntries(
    PATTERN_NAMES.map((p) => [p, { rows: 10, heads: [0, 1, 2, 3].map((i) => ({ layer: i >> 1, head: i & 1, mass: 0, top1: scores[p]?.[i] ?? 0 })) }]),
  ) as HeadProfile['patterns'];
  return { version: 1, model: { identity: 'x', name: 'm', nLayer: 2, nHead: 2, nHeadKv: 2 }, files: { count: 1, tokens: 10 }, patterns };
}

describe('head choice', () => {
  it('auto takes heads at or above the threshold, each once with its best pattern', () => {
    const profile = profileWith({ 'previous-token': [0.9, 0.2, 0.5, 0.1], sink: [0.95, 0.1, 0.3, 0.49] });
    expect(chooseHeads(profile)).toEqual([
      { layer: 0, head: 0, pattern: 'sink' },
      { layer: 1, head: 0, pattern: 'previous-token' },
    ]);
    expect(chooseHeads(profile, 0.99)).toEqual([]);
  });

  it('parses a list and refuses what is not layer.head=pattern', () => {
    expect(parseHeadList('2.1=previous-token, 0.3=zero')).toEqual([
      { layer: 2, head: 1, pattern: 'previous-token' },
      { layer: 0, head: 3, pattern: 'zero' },
    ]);
    expect(() => parseHeadList('2.1=nope')).toThrow(HeadListError);
    expect(() => parseHeadList('2=sink')).toThrow(/layer.head=pattern/);
    expect(() => parseHeadList('1.1=sink,1.1=bracket')).toThrow(/twice/);
  });
});
