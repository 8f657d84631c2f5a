// A model's head profile as it crosses to the page (issue 13): the file `steerway heads` writes
// (assistant/heads/profile.ts's HeadProfile), checked by main with these schemas, and the heads `auto` chooses.
import { z } from 'zod';

const Count = z.number().int().nonnegative();
const Share = z.number().min(0).max(1);

export const HEAD_PROFILE_VERSION = 1;

export const HeadScore = z.object({
  layer: Count,
  head: Count,
  /** Mean over the pattern's rows of the attention mass the head puts on the pattern's targets. */
  mass: Share,
  /** Share of the pattern's rows whose most attended key is one of the targets. */
  top1: Share,
});
export type HeadScore = z.infer<typeof HeadScore>;

export const PatternProfile = z.object({
  /** Query rows the pattern has over all probed files (each head is scored on all of them). */
  rows: Count,
  /** One score per (layer, head), ordered by layer then head. */
  heads: z.array(HeadScore),
  /**
   * The control: the mass of a head attending uniformly to the visible keys, which is also the expected top-1 of a
   * head picking one visible key at random (mean over rows of targets / visible keys). Absent in older profiles.
   */
  chance: Share.optional(),
});
export type PatternProfile = z.infer<typeof PatternProfile>;

/** The profile file; patterns by name (the engine's pattern names: main checks that each is there). */
export const HeadProfileFile = z.object({
  version: z.literal(HEAD_PROFILE_VERSION),
  model: z.object({
    /** The engine's model identity (sha256 of the file): the profile's key. */
    identity: z.string().min(1),
    name: z.string(),
    nLayer: z.number().int().positive(),
    nHead: z.number().int().positive(),
    nHeadKv: z.number().int().positive(),
  }),
  files: z.object({ count: Count, tokens: Count }),
  patterns: z.record(z.string(), PatternProfile),
});
export type HeadProfileFile = z.infer<typeof HeadProfileFile>;

/** `layer.head`, as `steerway heads` and `--inject` name a head. */
export function headName(head: { layer: number; head: number }): string {
  return `${head.layer}.${head.head}`;
}

/** A head whose softmax rows injection replaces by a pattern's rows. */
export const HeadChoice = z.object({ layer: Count, head: Count, pattern: z.string() });
export type HeadChoice = z.infer<typeof HeadChoice>;

/** What `heads.profile` answers for the loaded model: its profile (null: none written yet) and the heads `auto` replaces. */
export const HeadProfileView = z.object({
  modelPath: z.string(),
  /** Where the profile is (or would be) read from. */
  profilePath: z.string(),
  profile: HeadProfileFile.nullable(),
  /** The heads `auto` chooses: top-1 agreement at least `threshold`, each head once, for its best pattern. */
  chosen: z.array(HeadChoice),
  threshold: Share,
});
export type HeadProfileView = z.infer<typeof HeadProfileView>;
