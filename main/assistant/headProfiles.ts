import { readFile } from 'node:fs/promises';
import { HeadProfileError, parseHeadProfile, type HeadProfile } from '../../assistant/heads/profile';

/**
 * The head profile at `file` for the model `identity` (`steerway heads` writes it), checked whole: null when there
 * is none, HeadProfileError when it cannot be read, is broken (parseHeadProfile) or is another model's.
 */
export async function readHeadProfile(file: string, identity: string): Promise<HeadProfile | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new HeadProfileError(`The head profile ${file} cannot be read: ${(error as Error).message}`);
  }
  const profile = parseHeadProfile(file, text);
  if (profile.model.identity !== identity) throw HeadProfileError.broken(file, `it is the profile of another model, ${profile.model.identity.slice(0, 12)}…`);
  return profile;
}
