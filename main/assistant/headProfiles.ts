import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { HeadProfileFile } from '../../app/completion/headProfile';
import { PATTERN_NAMES } from '../../assistant/analysis';
import type { HeadProfile } from '../../assistant/heads/profile';

/** A profile file that exists but cannot be used: the message says which file and what is wrong, in one line. */
export class HeadProfileError extends Error {
  override readonly name = 'HeadProfileError';
}

/**
 * The head profile at `file` for the model `identity` (`steerway heads` writes it), checked whole: null when there
 * is none, HeadProfileError when it is not JSON, not a profile, another model's, lacks a pattern or names a head
 * the model does not have.
 */
export async function readHeadProfile(file: string, identity: string): Promise<HeadProfile | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new HeadProfileError(`The head profile ${file} cannot be read: ${(error as Error).message}`);
  }
  const broken = (why: string) => new HeadProfileError(`The head profile ${file} is broken (${why}); run steerway heads again.`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw broken(`not JSON: ${(error as Error).message}`);
  }
  const parsed = HeadProfileFile.safeParse(json);
  if (!parsed.success) throw broken(firstIssue(parsed.error));
  const profile = parsed.data;
  if (profile.model.identity !== identity) throw broken(`it is the profile of another model, ${profile.model.identity.slice(0, 12)}…`);
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
