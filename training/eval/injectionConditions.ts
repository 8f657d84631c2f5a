// The conditions of the injection evaluation (issue 13, item 5), chosen from a model's head profile: per pattern,
// the k heads that follow it best replaced by it, k random heads replaced by it (the control), and the k best
// zeroed (the ablation), beside no injection at all.
import { PATTERN_NAMES, type PatternName } from '../../assistant/analysis';
import type { HeadChoice, HeadProfile, HeadScore } from '../../assistant/heads/profile';
import { Rng } from '../../tools/gguf-fixtures/random';

export type ConditionKind = 'none' | 'best' | 'random' | 'zeroed';

export interface InjectionCondition {
  /** `none`, or `<kind> <pattern> k=<k>`. */
  name: string;
  kind: ConditionKind;
  /** The pattern whose profile chose the heads (null for none). */
  pattern: PatternName | null;
  k: number;
  /** The heads replaced, each by the pattern or by nothing (`zero`), ordered by layer then head. */
  heads: HeadChoice[];
}

export const DEFAULT_KS: readonly number[] = [1, 2, 4, 8];

export class ConditionError extends Error {
  override name = 'ConditionError';
}

/** A pattern's heads, best first: top-1 agreement, then attention mass, then layer and head (ties stay reproducible). */
export function rankHeads(scores: readonly HeadScore[]): HeadScore[] {
  return [...scores].sort((a, b) => b.top1 - a.top1 || b.mass - a.mass || a.layer - b.layer || a.head - b.head);
}

const byPlace = (a: HeadChoice, b: HeadChoice) => a.layer - b.layer || a.head - b.head;

/**
 * `k` heads drawn without replacement from all the model's heads, seeded by (seed, pattern, k): from those not
 * among `best` while there are k of them, else all of those and the rest drawn from `best`.
 */
export function randomHeads(profile: HeadProfile, best: readonly HeadChoice[], k: number, seed: number, stream: number): { layer: number; head: number }[] {
  const taken = new Set(best.map((h) => `${h.layer}.${h.head}`));
  const all = Array.from({ length: profile.model.nLayer * profile.model.nHead }, (_, i) => ({ layer: Math.floor(i / profile.model.nHead), head: i % profile.model.nHead }));
  const rng = new Rng(seed, stream);
  const draw = <T>(pool: T[], n: number): T[] => {
    const left = [...pool];
    const out: T[] = [];
    while (out.length < n && left.length > 0) out.push(left.splice(rng.next() % left.length, 1)[0]!);
    return out;
  };
  const others = all.filter((h) => !taken.has(`${h.layer}.${h.head}`));
  const fromOthers = draw(others, k);
  return [...fromOthers, ...draw(all.filter((h) => taken.has(`${h.layer}.${h.head}`)), k - fromOthers.length)];
}

/**
 * None, then for each pattern and each k: the k best heads replaced by the pattern, k random heads replaced by it,
 * the k best zeroed. A k larger than the model's heads is refused.
 */
export function buildConditions(profile: HeadProfile, ks: readonly number[] = DEFAULT_KS, seed = 1, patterns: readonly PatternName[] = PATTERN_NAMES): InjectionCondition[] {
  const heads = profile.model.nLayer * profile.model.nHead;
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1 || k > heads) throw new ConditionError(`k must be an integer in 1..${heads} (the model's heads), got ${k}`);
  }
  const conditions: InjectionCondition[] = [{ name: 'none', kind: 'none', pattern: null, k: 0, heads: [] }];
  for (const pattern of patterns) {
    const ranked = rankHeads(profile.patterns[pattern].heads);
    for (const k of ks) {
      const best = ranked.slice(0, k).map((s): HeadChoice => ({ layer: s.layer, head: s.head, pattern }));
      // One stream per (pattern, k): a condition's heads do not depend on which other conditions are built.
      const random = randomHeads(profile, best, k, seed, PATTERN_NAMES.indexOf(pattern) * 1024 + k);
      conditions.push(
        { name: `best ${pattern} k=${k}`, kind: 'best', pattern, k, heads: [...best].sort(byPlace) },
        { name: `random ${pattern} k=${k}`, kind: 'random', pattern, k, heads: random.map((h) => ({ ...h, pattern })).sort(byPlace) },
        { name: `zeroed ${pattern} k=${k}`, kind: 'zeroed', pattern, k, heads: best.map((h) => ({ ...h, pattern: 'zero' as const })).sort(byPlace) },
      );
    }
  }
  return conditions;
}
