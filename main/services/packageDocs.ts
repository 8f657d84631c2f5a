import { join, posix } from 'node:path';
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

/** Badge images (CI status, licence, downloads, chat): pictures of a word or two that say nothing to a model. */
const BADGE = /shields\.io|badge|travis-ci|codecov|coveralls|circleci|badgen|david-dm|snyk\.io/i;

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };

function attribute(tag: string, name: string): string | null {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return match ? (match[1] ?? match[2] ?? match[3] ?? '') : null;
}

/** The HTML elements READMEs use for layout; only these go, so `Promise<void>` in prose stays. */
const HTML_TAG = /<\/?(?:a|b|big|blockquote|br|center|code|dd|del|details|div|dl|dt|em|figcaption|figure|font|h[1-6]|hr|i|ins|kbd|li|ol|p|picture|pre|s|section|small|source|span|strong|sub|summary|sup|table|tbody|td|th|thead|tr|u|ul)\b[^>]*>/gi;

/** README prose: HTML tags go, an image becomes its alt text (a badge goes whole), and so do Markdown badges; inline code stays. */
function readableProse(text: string): string {
  return text
    .split(/(`[^`\n]*`)/)
    .map((part, index) => (index % 2 === 1 ? part : readableHtml(part)))
    .join('');
}

function readableHtml(text: string): string {
  return text
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/\[!\[[^\]\n]*\]\([^)\s]*\)\]\([^)\s]*\)/g, (badge) => (BADGE.test(badge) ? '' : badge))
    .replace(/!\[([^\]\n]*)\]\(([^)\s]*)\)/g, (image, alt: string, src: string) => (BADGE.test(src) ? '' : image))
    .replace(/<img\b[^>]*>/gi, (tag) => (BADGE.test(attribute(tag, 'src') ?? '') ? '' : (attribute(tag, 'alt') ?? '')))
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(HTML_TAG, '')
    .replace(/&(nbsp|amp|lt|gt|quot|apos|#39);/g, (_, name: string) => ENTITIES[name]!)
    .replace(/[ \t]+(?=\n)/g, '');
}

/**
 * A README as readable text for the model and the viewer: the raw HTML many READMEs open with (centred logos, badge rows,
 * link bars) reduced to its words and image alt texts, badges dropped; fenced code is left exactly as written.
 */
export function readableReadme(markdown: string): string {
  const parts = markdown.split(/(^(?:```|~~~)[^\n]*\n[\s\S]*?^(?:```|~~~)[ \t]*$)/m);
  return parts
    .map((part, index) => (index % 2 === 1 ? part : readableProse(part)))
    .join('')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A declarations file this small that only imports and re-exports is a stub pointing elsewhere, not documentation. */
const STUB_MAX_CHARS = 4 * 1024;

/**
 * The target of a re-export stub (`export * from './x'`, with imports and other re-exports beside it, and nothing
 * declared), or null when the file declares something itself. `isStub` is true for any file of only imports and re-exports.
 */
export function reExportStub(text: string): { isStub: boolean; target: string | null } {
  if (text.length > STUB_MAX_CHARS) return { isStub: false, target: null };
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const rest = code
    .replace(/\b(?:import|export)\b[^;'"]*?\bfrom\s*(['"])[^'"\n]*\1\s*;?/g, '')
    .replace(/\bexport\s*(?:type\s*)?\{[^}]*\}\s*;?/g, '')
    .replace(/\bexport\s+(?:default\s+[\w$.]+|=\s*[\w$.]+)\s*;?/g, '')
    .replace(/\bimport\s*(['"])[^'"\n]*\1\s*;?/g, '');
  if (rest.trim() !== '') return { isStub: false, target: null };
  const star = /\bexport\s*\*\s*from\s*(['"])([^'"\n]*)\1/.exec(code);
  return { isStub: true, target: star?.[2] ?? null };
}

/** The declarations file a relative module specifier names (`./x.cjs` → `./x.d.cts`, `./x` → `./x.d.ts` or `./x/index.d.ts`). */
function declarationCandidates(fromFile: string, specifier: string): string[] {
  if (!specifier.startsWith('.')) return [];
  const base = posix.join(posix.dirname(fromFile), specifier);
  if (/\.d\.[cm]?ts$/.test(base)) return [base];
  const byExtension: Record<string, string> = { '.cjs': '.d.cts', '.mjs': '.d.mts', '.js': '.d.ts', '.ts': '.d.ts' };
  const extension = posix.extname(base);
  if (byExtension[extension]) return [base.slice(0, -extension.length) + byExtension[extension]];
  return [`${base}.d.ts`, posix.join(base, 'index.d.ts')];
}

/**
 * The declarations to show from `file`: the file itself, or for a re-export stub what it points to, followed once
 * inside the package; null when that is a stub too (or missing), so no stub is ever shown as the package's API.
 */
async function readDeclarations(folder: string, file: string): Promise<{ text: string; truncated: boolean; shown: string } | null> {
  const types = await readInside(folder, file, MAX_TYPES_BYTES);
  if (!types) return null;
  const stub = reExportStub(types.text);
  if (!stub.isStub) return { ...types, shown: file };
  for (const candidate of stub.target ? declarationCandidates(posix.normalize(file), stub.target) : []) {
    const followed = await readInside(folder, candidate, MAX_TYPES_BYTES);
    if (followed && !reExportStub(followed.text).isStub) return { ...followed, shown: candidate };
  }
  return null;
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
      parts.push(readableReadme(readme.text));
      truncated ||= readme.truncated;
      break;
    }
  }
  const typesName = packageName.startsWith('@') ? packageName.slice(1).replace('/', '__') : packageName;
  const sources = [
    { folder: packageDir, file: declarationsEntry(manifest), label: '' },
    { folder: join(workspaceRoot, 'node_modules', '@types', typesName), file: 'index.d.ts', label: `@types/${typesName}/` },
  ];
  for (const { folder, file, label } of sources) {
    const types = await readDeclarations(folder, file);
    if (types) {
      parts.push(`## Type declarations (${label}${types.shown.replace(/^\.\//, '')})`, '```ts', types.text, '```');
      truncated ||= types.truncated;
      break;
    }
  }
  if (parts.length === 1) throw new UserFacingError('not-found', `${packageName} has neither a README nor type declarations.`);
  return { text: parts.join('\n\n'), truncated };
}
