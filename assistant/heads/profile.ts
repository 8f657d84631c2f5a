// A model's head profile (issue 13): how closely each attention head's observed attention follows each exact
// pattern, and the choice of heads whose rows injection replaces. Written by `steerway heads`, read by the engine.
import path from 'node:path';
import type { z } from 'zod';
import { HEAD_PROFILE_VERSION, HeadProfileFile, type HeadScore, type PatternProfile } from '../../app/completion/headProfile';
import { PATTERN_NAMES, type PatternName } from '../analysis';

export { HEAD_PROFILE_VERSION, type HeadScore, type PatternProfile };

/** The profile file (its shape is the app's schema), with a score for every pattern of the analysis. */
export type HeadProfile = Omit<HeadProfileFile, 'patterns'> & { patterns: Record<PatternName, PatternProfile> };

/** A profile file that cannot be used: the message names the file and says, in one line, what is wrong (`why`). */
export class HeadProfileError extends Error {
  override readonly name = 'HeadProfileError';

  constructor(
    message: string,
    readonly why: string = message,
  ) {
    super(message);
  }

  /** The profile at `file` is there but not usable, for `why`. */
  static broken(file: string, why: string): HeadProfileError {
    return new HeadProfileError(`The head profile ${file} is broken (${why}); run steerway heads again.`, why);
  }
}

/**
 * The profile `steerway heads` wrote to `file`, checked whole: JSON, the schema, a score for every pattern, every
 * head inside the model's layers x heads. Whose model it is, the caller checks.
 */
export function parseHeadProfile(file: string, text: string): HeadProfile {
  const broken = (why: string) => HeadProfileError.broken(file, why);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw broken(`not JSON: ${(error as Error).message}`);
  }
  const parsed = HeadProfileFile.safeParse(json);
  if (!parsed.success) throw broken(firstIssue(parsed.error));
  const profile = parsed.data;
  const missing = PATTERN_NAMES.filter((name) => !Object.hasOwn(profile.patterns, name));
  if (missing.length > 0) throw broken(`no scores for ${missing.join(', ')}`);
  const { nLayer, nHead } = profile.model;
  for (const [name, pattern] of Object.entries(profile.patterns)) {
    const outside = pattern.heads.find((s) => s.layer >= nLayer || s.head >= nHead);
    if (outside) throw broken(`${name} scores head ${outside.layer}.${outside.head}, outside the model's ${nLayer} layers x ${nHead} heads`);
  }
  // Every pattern name is there and the rest matches HeadProfile field for field.
  return profile as HeadProfile;
}

/** The first thing wrong, where it is: `patterns.sink.heads.0.top1: Too big: expected number to be <=1`. */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}${more}`;
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
