import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserFacingError } from '../transport/dispatcher';
import { resolveInsideWorkspace } from './workspaceFiles';

/** Bounds on what one package contributes: a README and one declarations file are plenty of context. */
const MAX_README_BYTES = 256 * 1024;
const MAX_TYPES_BYTES = 512 * 1024;
const README_NAMES = ['README.md', 'readme.md', 'Readme.md', 'README.markdown', 'README'];

async function readBounded(path: string, limit: number): Promise<{ text: string; truncated: boolean } | null> {
  const data = await readFile(path).catch(() => null);
  if (!data) return null;
  return { text: data.subarray(0, limit).toString('utf8'), truncated: data.length > limit };
}

function declarationsEntry(manifest: Record<string, unknown>): string {
  const declared = manifest.types ?? manifest.typings;
  return typeof declared === 'string' ? declared : 'index.d.ts';
}

/**
 * A package's documentation as one text: its README and its type declarations, from the workspace's
 * node_modules (falling back to @types/<name> for declarations). Throws when the package is not installed.
 */
export async function readPackageDocs(workspaceRoot: string, packageName: string): Promise<{ text: string; truncated: boolean }> {
  const packageDir = await resolveInsideWorkspace(workspaceRoot, join('node_modules', packageName)).catch(() => {
    throw new UserFacingError('not-found', `${packageName} is not installed in this workspace's node_modules.`);
  });
  const manifestText = await readFile(join(packageDir, 'package.json'), 'utf8').catch(() => '{}');
  let manifest: Record<string, unknown> = {};
  try {
    manifest = JSON.parse(manifestText) as Record<string, unknown>;
  } catch {
    // A broken manifest still leaves the README and the default declarations file.
  }
  const version = typeof manifest.version === 'string' ? `@${manifest.version}` : '';
  const parts = [`# ${packageName}${version}`];
  let truncated = false;
  for (const name of README_NAMES) {
    const readme = await readBounded(join(packageDir, name), MAX_README_BYTES);
    if (readme) {
      parts.push(readme.text);
      truncated ||= readme.truncated;
      break;
    }
  }
  const typesName = packageName.startsWith('@') ? packageName.slice(1).replace('/', '__') : packageName;
  const declarationCandidates = [
    join(packageDir, declarationsEntry(manifest)),
    join(workspaceRoot, 'node_modules', '@types', typesName, 'index.d.ts'),
  ];
  for (const file of declarationCandidates) {
    const types = await readBounded(file, MAX_TYPES_BYTES);
    if (types) {
      parts.push(`## Type declarations (${file.slice(packageDir.length + 1) || file})`, '```ts', types.text, '```');
      truncated ||= types.truncated;
      break;
    }
  }
  if (parts.length === 1) throw new UserFacingError('not-found', `${packageName} has neither a README nor type declarations.`);
  return { text: parts.join('\n\n'), truncated };
}
