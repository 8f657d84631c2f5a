import { describe, expect, it } from 'vitest';
import { PATTERN_NAMES, type PatternName } from '../../../../assistant/analysis';
import { HEAD_PROFILE_VERSION, type HeadProfile, type HeadScore } from '../../../../assistant/heads/profile';
import { buildConditions, ConditionError, rankHeads } from '../../../../training/eval/injectionConditions';

const N_LAYER = 4;
const N_HEAD = 4;

/** A 4x4 profile where, for each pattern, head (l, h) scores top1 from a fixed permutation (distinct values). */
function profile(): HeadProfile {
  const patterns = {} as HeadProfile['patterns'];
  PATTERN_NAMES.forEach((pattern, p) => {
    const heads: HeadScore[] = [];
    for (let layer = 0; layer < N_LAYER; layer++) {
      for (let head = 0; head < N_HEAD; head++) {
        const i = layer * N_HEAD + head;
        // A different order per pattern; two heads tie on top1 and differ on mass.
        const top1 = ((i * 7 + p * 3) % 16) / 16;
        heads.push({ layer, head, top1, mass: i === 5 ? 0.9 : 0.1 });
      }
    }
    patterns[pattern] = { rows: 100, heads };
  });
  return { version: HEAD_PROFILE_VERSION, model: { identity: 'x'.repeat(64), name: 'tiny', nLayer: N_LAYER, nHead: N_HEAD, nHeadKv: 2 }, files: { count: 1, tokens: 10 }, patterns };
}

const key = (h: { layer: number; head: number }) => `${h.layer}.${h.head}`;

describe('injection conditions', () => {
  it('rank heads by top-1 agreement, then mass, then place', () => {
    const scores: HeadScore[] = [
      { layer: 0, head: 0, top1: 0.5, mass: 0.2 },
      { layer: 0, head: 1, top1: 0.9, mass: 0.1 },
      { layer: 1, head: 0, top1: 0.5, mass: 0.4 },
      { layer: 1, head: 1, top1: 0.5, mass: 0.2 },
    ];
    expect(rankHeads(scores).map(key)).toEqual(['0.1', '1.0', '0.0', '1.1']);
  });

  it('are none, then best / random / zeroed for each pattern and k', () => {
    const conditions = buildConditions(profile(), [1, 2, 4, 8], 1);
    expect(conditions).toHaveLength(1 + PATTERN_NAMES.length * 4 * 3);
    expect(conditions[0]).toEqual({ name: 'none', kind: 'none', pattern: null, k: 0, heads: [] });
    expect(conditions.slice(1, 4).map((c) => c.name)).toEqual(['best previous-token k=1', 'random previous-token k=1', 'zeroed previous-token k=1']);
  });

  it('replace the k best heads of the pattern by it, and zero the same heads', () => {
    const p = profile();
    for (const pattern of ['use-def', 'sink'] as PatternName[]) {
      const ranked = rankHeads(p.patterns[pattern].heads);
      for (const k of [1, 2, 4, 8]) {
        const of = (kind: string) => buildConditions(p, [k], 1, [pattern]).find((c) => c.kind === kind)!;
        const best = of('best');
        expect(new Set(best.heads.map(key))).toEqual(new Set(ranked.slice(0, k).map(key)));
        expect(best.heads.every((h) => h.pattern === pattern)).toBe(true);
        const zeroed = of('zeroed');
        expect(zeroed.heads.map(key)).toEqual(best.heads.map(key));
        expect(zeroed.heads.every((h) => h.pattern === 'zero')).toBe(true);
      }
    }
  });

  it('draw random heads reproducibly from the seed, disjoint from the best while enough heads are left', () => {
    const p = profile();
    for (const k of [1, 2, 4, 8]) {
      const random = (seed: number) => buildConditions(p, [k], seed).filter((c) => c.kind === 'random');
      const best = buildConditions(p, [k], 1).filter((c) => c.kind === 'best');
      expect(random(1)).toEqual(random(1));
      random(1).forEach((c, i) => {
        expect(c.heads).toHaveLength(k);
        expect(new Set(c.heads.map(key)).size).toBe(k);
        expect(c.heads.every((h) => h.pattern === c.pattern)).toBe(true);
        const bestKeys = new Set(best[i]!.heads.map(key));
        expect(c.heads.filter((h) => bestKeys.has(key(h)))).toEqual([]);
      });
    }
    // Another seed draws other heads somewhere.
    const heads = (seed: number) => buildConditions(p, [4], seed).filter((c) => c.kind === 'random').map((c) => c.heads.map(key).join());
    expect(heads(2)).not.toEqual(heads(1));
  });

  it('take every other head, then some of the best, when k is more than the heads left', () => {
    const p = profile();
    const [best, random] = buildConditions(p, [12], 3, ['induction']).slice(1, 3);
    const bestKeys = new Set(best!.heads.map(key));
    expect(random!.heads).toHaveLength(12);
    expect(random!.heads.filter((h) => !bestKeys.has(key(h)))).toHaveLength(4);
  });

  it('refuse a k outside 1..heads', () => {
    expect(() => buildConditions(profile(), [17])).toThrow(ConditionError);
    expect(() => buildConditions(profile(), [0])).toThrow(/k must be an integer in 1..16/);
  });
});
