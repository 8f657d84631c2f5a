import { join } from 'node:path';
import { UserFacingError } from '../transport/dispatcher';
import { readFileHead } from './fileHead';
import { resolveInsideWorkspace } from './workspaceFiles';

/** Bounds on what one package contributes: a README and one declarations file are plenty of context. */
const MAX_README_BYTES = 256 * 1024;
const MAX_TYPES_BYTES = 512 * 1024;
const MAX_MANIFEST_BYTES = 256 * 1024;
const README_NAMES = ['README.md', 'readme.md', 'Readme.md', 'README.markdown', 'README'];

/**
 * The head of `relativePath` inside `folder`, reading at most `limit` bytes; null when it is missing or when its
 * real path (links followed) leaves the folder: a package's files, whatever its package.json says, stay its own.
 */
async function readInside(folder: string, relativePath: string, limit: number): Promise<{ text: string; truncated: boolean } | null> {
  const path = await resolveInsideWorkspace(folder, relativePath).catch(() => null);
  const file = path && (await readFileHead(path, limit));
  if (!file) return null;
  return { text: file.head.toString('utf8'), truncated: file.size > file.head.length };
}

function declarationsEntry(manifest: Record<string, unknown>): string {
  const declared = manifest.types ?? manifest.typings;
  return typeof declared === 'string' && declared !== '' ? declared : 'index.d.ts';
}

/**
 * A package's documentation as one text: its README and its type declarations, from the workspace's
 * node_modules (falling back to @types/<name> for declarations). Throws when the package is not installed.
 */
export async function readPackageDocs(workspaceRoot: string, packageName: string): Promise<{ text: string; truncated: boolean }> {
  const packageDir = await resolveInsideWorkspace(workspaceRoot, join('node_modules', packageName)).catch(() => {
    throw new UserFacingError('not-found', `${packageName} is not installed in this workspace's node_modules.`);
  });
  let manifest: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse((await readInside(packageDir, 'package.json', MAX_MANIFEST_BYTES))?.text ?? '{}');
    if (parsed && typeof parsed === 'object') manifest = parsed as Record<string, unknown>;
  } catch {
    // A broken manifest still leaves the README and the default declarations file.
  }
  const version = typeof manifest.version === 'string' ? `@${manifest.version}` : '';
  const parts = [`# ${packageName}${version}`];
  let truncated = false;
  for (const name of README_NAMES) {
    const readme = await readInside(packageDir, name, MAX_README_BYTES);
    if (readme) {
      parts.push(readme.text);
      truncated ||= readme.truncated;
      break;
    }
  }
  const typesName = packageName.startsWith('@') ? packageName.slice(1).replace('/', '__') : packageName;
  const declarationCandidates = [
    { folder: packageDir, file: declarationsEntry(manifest), shown: declarationsEntry(manifest) },
    { folder: join(workspaceRoot, 'node_modules', '@types', typesName), file: 'index.d.ts', shown: `@types/${typesName}/index.d.ts` },
  ];
  for (const { folder, file, shown } of declarationCandidates) {
    const types = await readInside(folder, file, MAX_TYPES_BYTES);
    if (types) {
      parts.push(`## Type declarations (${shown})`, '```ts', types.text, '```');
      truncated ||= types.truncated;
      break;
    }
  }
  if (parts.length === 1) throw new UserFacingError('not-found', `${packageName} has neither a README nor type declarations.`);
  return { text: parts.join('\n\n'), truncated };
}
