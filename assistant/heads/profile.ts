// A model's head profile (issue 13): how closely each attention head's observed attention follows each exact
// pattern, and the choice of heads whose rows injection replaces. Written by `steerway heads`, read by the engine.
import path from 'node:path';
import { PATTERN_NAMES, type PatternName } from '../analysis';

export const HEAD_PROFILE_VERSION = 1;

export interface HeadScore {
  layer: number;
  head: number;
  /** Mean over the pattern's rows of the attention mass the head puts on the pattern's targets, in [0, 1]. */
  mass: number;
  /** Share of the pattern's rows whose most attended key is one of the targets, in [0, 1]. */
  top1: number;
}

export interface PatternProfile {
  /** Query rows the pattern has over all probed files (each head is scored on all of them). */
  rows: number;
  /** One score per (layer, head), ordered by layer then head. */
  heads: HeadScore[];
  /**
   * The control: the mass of a head attending uniformly to the visible keys, which is also the expected top-1 of a
   * head picking one visible key at random (mean over rows of targets / visible keys). Absent in older profiles.
   */
  chance?: number;
}

export interface HeadProfile {
  version: typeof HEAD_PROFILE_VERSION;
  /** `identity` is the engine's model identity (sha256 of the file): the profile's key. */
  model: { identity: string; name: string; nLayer: number; nHead: number; nHeadKv: number };
  files: { count: number; tokens: number };
  patterns: Record<PatternName, PatternProfile>;
}

/** A head whose softmax rows injection replaces by a pattern's rows (`zero`: by nothing, the ablation). */
export interface HeadChoice {
  layer: number;
  head: number;
  pattern: PatternName | 'zero';
}

/** Agreement a head needs for `auto` to choose it. */
export const AUTO_TOP1_THRESHOLD = 0.5;

/** Where a model's profile lives in a cache folder (the engine's block cache folder). */
export function headProfilePath(cacheDir: string, identity: string): string {
  return path.join(cacheDir, 'heads', `${identity}.json`);
}

/** The heads `auto` replaces: per pattern, those with top-1 agreement >= threshold, a head taken once (best pattern). */
export function chooseHeads(profile: HeadProfile, threshold = AUTO_TOP1_THRESHOLD): HeadChoice[] {
  const best = new Map<string, { choice: HeadChoice; top1: number }>();
  for (const pattern of PATTERN_NAMES) {
    for (const score of profile.patterns[pattern].heads) {
      if (score.top1 < threshold) continue;
      const key = `${score.layer}.${score.head}`;
      const seen = best.get(key);
      if (!seen || score.top1 > seen.top1) best.set(key, { choice: { layer: score.layer, head: score.head, pattern }, top1: score.top1 });
    }
  }
  return [...best.values()].map((b) => b.choice).sort((a, b) => a.layer - b.layer || a.head - b.head);
}

export class HeadListError extends Error {
  override name = 'HeadListError';
}

/** Parses `2.1=previous-token,3.0=use-def,1.4=zero` (layer.head=pattern); layers and heads checked by the caller. */
export function parseHeadList(spec: string): HeadChoice[] {
  const choices: HeadChoice[] = [];
  const seen = new Set<string>();
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\.(\d+)=([a-z-]+)\s*$/.exec(part);
    const pattern = m?.[3];
    if (!m || !pattern || !(pattern === 'zero' || (PATTERN_NAMES as readonly string[]).includes(pattern))) {
      throw new HeadListError(`"${part.trim()}" is not layer.head=pattern (patterns: ${[...PATTERN_NAMES, 'zero'].join(', ')})`);
    }
    const key = `${m[1]}.${m[2]}`;
    if (seen.has(key)) throw new HeadListError(`head ${key} is listed twice`);
    seen.add(key);
    choices.push({ layer: Number(m[1]), head: Number(m[2]), pattern: pattern as HeadChoice['pattern'] });
  }
  return choices;
}
