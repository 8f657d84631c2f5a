// Docs versus memory (issue 16, part 1; CodeUpdateArena-style): does a suggestion follow an attached document
// that describes an API differently from what the model saw in training? A held-out package's exported function
// is renamed consistently in its declarations, README and code; infill tasks are cut where the function is
// called, and the completion is scored on whether it uses the new name. The pure parts live here (finding the
// functions, the rename, the tasks, the scores); docsVsMemoryRun.ts drives the model.
import ts from 'typescript';
import { Rng } from '../../tools/gguf-fixtures/random';
import { comparable, scoreIdiom } from './metrics';

export interface PackageFiles {
  name: string;
  /** The corpus split the package was in: `eval` packages were held out of training. */
  split: 'train' | 'eval';
  readme: { path: string; text: string } | null;
  /** Declaration files (.d.ts, .d.mts, .d.cts). */
  declarations: { path: string; text: string }[];
  /** The package's own code (not declarations). */
  code: { path: string; text: string }[];
}

export const DECLARATION_FILE = /\.d\.[cm]?ts$/;
export const CODE_FILE = /\.(?:[cm]?js|[cm]?ts|jsx|tsx)$/;

/** An identifier as a whole word: not part of a longer identifier (`$` and `_` count as identifier characters). */
export function wholeWord(name: string): RegExp {
  return new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g');
}

/**
 * Member names of JavaScript's own globals (`JSON.parse`, `Array.prototype.filter`, ...): renaming one of them
 * in a package's code could not be done by name alone, so such functions are never chosen.
 */
const BUILTIN_MEMBERS: ReadonlySet<string> = new Set(
  [JSON, Math, Object, Reflect, Promise, Number, String, Array, Symbol, Date, Object.prototype, Array.prototype, String.prototype,
    Function.prototype, Promise.prototype, Map.prototype, Set.prototype, Number.prototype, RegExp.prototype, Date.prototype, globalThis]
    .flatMap((o) => Object.getOwnPropertyNames(o)),
);

/** Names of the functions a declaration file declares (top level, or in `declare module` / namespace bodies). */
export function declaredFunctions(text: string, path: string): string[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const names = new Set<string>();
  const visit = (statements: readonly ts.Statement[]): void => {
    for (const s of statements) {
      if (ts.isFunctionDeclaration(s) && s.name) names.add(s.name.text);
      else if (ts.isModuleDeclaration(s) && s.body && ts.isModuleBlock(s.body)) visit(s.body.statements);
    }
  };
  visit(source.statements);
  return [...names];
}

function scriptKind(path: string): ts.ScriptKind {
  if (/\.[cm]?tsx?$/.test(path)) return path.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  return path.endsWith('x') ? ts.ScriptKind.JSX : ts.ScriptKind.JS;
}

/**
 * `text` with the identifier `from` renamed to `to`: in code, every identifier token named `from` (found by the
 * TypeScript parser, so strings, `fromX` and `xfrom` are left alone) and every whole-word mention inside comments
 * (JSDoc, `{@link from}`); in Markdown (any other file), every whole-word mention.
 */
export function renameIdentifier(text: string, path: string, from: string, to: string): string {
  if (!CODE_FILE.test(path)) return text.replace(wholeWord(from), to);
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, false, scriptKind(path));
  const edits: [number, number][] = [];
  const comments = new Map<number, number>();
  const visit = (node: ts.Node): void => {
    for (const at of [node.pos, node.end]) {
      for (const r of [...(ts.getLeadingCommentRanges(text, at) ?? []), ...(ts.getTrailingCommentRanges(text, at) ?? [])]) comments.set(r.pos, r.end);
    }
    if (ts.isIdentifier(node) && node.text === from) {
      const start = node.getStart(source);
      edits.push([start, start + from.length]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  for (const [pos, end] of comments) {
    for (const m of text.slice(pos, end).matchAll(wholeWord(from))) edits.push([pos + m.index, pos + m.index + from.length]);
  }
  edits.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of edits) {
    if (start < at) continue;
    out += text.slice(at, start) + to;
    at = end;
  }
  return out + text.slice(at);
}

/** Words appended to a renamed function: the new name keeps the old one's start, so only a document can tell it. */
const RENAME_WORDS = ['Strict', 'Value', 'Entry', 'Exact', 'Safe', 'Now', 'Item', 'Data'] as const;

/** The updated name of `name`: a seeded word appended (never one the package already uses). */
export function newName(name: string, seed: number, taken: (candidate: string) => boolean): string {
  const rng = new Rng(seed, [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0, 0x811c9dc5));
  const start = rng.next() % RENAME_WORDS.length;
  for (let i = 0; i < RENAME_WORDS.length; i++) {
    const candidate = `${name}${RENAME_WORDS[(start + i) % RENAME_WORDS.length]}`;
    if (!taken(candidate)) return candidate;
  }
  throw new Error(`no free new name for ${name}`);
}

/** The package with `from` renamed to `to` in its declarations, README and code. */
export function rewritePackage(pkg: PackageFiles, from: string, to: string): PackageFiles {
  const rename = <F extends { path: string; text: string }>(f: F): F => ({ ...f, text: renameIdentifier(f.text, f.path, from, to) });
  return { ...pkg, readme: pkg.readme && rename(pkg.readme), declarations: pkg.declarations.map(rename), code: pkg.code.map(rename) };
}

/** Functions of `pkg` fit for a task: declared in a declaration file, named in the README, not a built-in's member name. */
export function candidateFunctions(pkg: PackageFiles): string[] {
  if (!pkg.readme) return [];
  const names = new Set(pkg.declarations.flatMap((d) => declaredFunctions(d.text, d.path)));
  return [...names].filter((n) => n.length >= 4 && !BUILTIN_MEMBERS.has(n) && wholeWord(n).test(pkg.readme!.text)).sort();
}

export interface ApiTask {
  id: string;
  package: string;
  /** `call-site`: a call in the package's own code; `usage`: a short program that calls it through the package. */
  kind: 'call-site' | 'usage';
  path: string;
  prefix: string;
  middle: string;
  suffix: string;
  /** The name the documents attached as `updated` give (the original one for unchanged packages). */
  updatedName: string;
  originalName: string;
  /** Documents with the updated API (`updated`) and with the original one (`original`): its declaration and README. */
  documents: { updated: { name: string; text: string }[]; original: { name: string; text: string }[] };
}

/** Characters of prefix and suffix kept beside a call site (as the held-out evaluation's tasks). */
const PREFIX_CHARS = 2400;
const SUFFIX_CHARS = 800;
/** Characters of each document excerpt. */
export const EXCERPT_CHARS = 1200;

/** The declaration of `name` with its JSDoc, from the first declaration file that has it. */
function declarationExcerpt(pkg: PackageFiles, name: string): { name: string; text: string } | null {
  for (const d of pkg.declarations) {
    const source = ts.createSourceFile(d.path, d.text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    let found: ts.Node | null = null;
    const visit = (node: ts.Node): void => {
      if (!found && ts.isFunctionDeclaration(node) && node.name?.text === name) found = node;
      else if (!found) ts.forEachChild(node, visit);
    };
    visit(source);
    if (found) return { name: d.path, text: d.text.slice((found as ts.Node).getFullStart(), (found as ts.Node).end).trim().slice(0, EXCERPT_CHARS) };
  }
  return null;
}

/** The README from a few lines before its first mention of `name`. */
function readmeExcerpt(pkg: PackageFiles, name: string): { name: string; text: string } | null {
  if (!pkg.readme) return null;
  const lines = pkg.readme.text.split('\n');
  const at = lines.findIndex((l) => wholeWord(name).test(l));
  if (at < 0) return null;
  return { name: pkg.readme.path, text: lines.slice(Math.max(0, at - 4)).join('\n').slice(0, EXCERPT_CHARS) };
}

export function documentsFor(pkg: PackageFiles, name: string): { name: string; text: string }[] {
  return [declarationExcerpt(pkg, name), readmeExcerpt(pkg, name)].filter((d): d is { name: string; text: string } => d !== null);
}

/**
 * A call of `name` in the package's code whose surroundings (the kept prefix and suffix) never name it
 * otherwise, so only memory or a document can supply the name: the gap runs from the name to the end of its line.
 */
export function callSite(pkg: PackageFiles, name: string): { path: string; prefix: string; middle: string; suffix: string } | null {
  for (const f of pkg.code) {
    for (const m of f.text.matchAll(new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}\\s*\\(`, 'g'))) {
      const start = m.index;
      const before = f.text.slice(0, start);
      if (/\bfunction\s*\*?\s*$/.test(before)) continue;
      const lineEnd = f.text.indexOf('\n', start) < 0 ? f.text.length : f.text.indexOf('\n', start);
      const prefix = before.slice(-PREFIX_CHARS);
      const middle = f.text.slice(start, lineEnd).trimEnd();
      const suffix = f.text.slice(start + middle.length, start + middle.length + SUFFIX_CHARS);
      if (wholeWord(name).test(prefix) || wholeWord(name).test(suffix)) continue;
      return { path: f.path, prefix, middle, suffix };
    }
  }
  return null;
}

/** A short program that calls `name` through the package: the gap is the name itself. */
export function usageTask(pkg: string, name: string): { path: string; prefix: string; middle: string; suffix: string } {
  return { path: 'example.mjs', prefix: `import * as api from '${pkg}';\n\nexport function example(input) {\n  return api.`, middle: name, suffix: '(input);\n}\n' };
}

/**
 * The tasks of one package: for each chosen function, its call site (when the code has a clean one) and a usage
 * task. `rename` (held-out packages): the function is renamed everywhere and the middles use the new name; the
 * original package's excerpts are the `original` documents. Without `rename` (training packages), nothing changes.
 */
export function packageTasks(pkg: PackageFiles, functions: readonly string[], rename: boolean, seed: number): ApiTask[] {
  const allText = [pkg.readme, ...pkg.declarations, ...pkg.code].map((f) => f?.text ?? '').join('\n');
  const tasks: ApiTask[] = [];
  for (const name of functions) {
    const updatedName = rename ? newName(name, seed, (c) => wholeWord(c).test(allText)) : name;
    const updated = rename ? rewritePackage(pkg, name, updatedName) : pkg;
    const documents = { updated: documentsFor(updated, updatedName), original: documentsFor(pkg, name) };
    if (documents.updated.length === 0) continue;
    const cuts = [['call-site', callSite(updated, updatedName)], ['usage', usageTask(pkg.name, updatedName)]] as const;
    for (const [kind, cut] of cuts) {
      if (cut) tasks.push({ id: `${pkg.name}:${name}:${kind}`, package: pkg.name, kind, ...cut, updatedName, originalName: name, documents });
    }
  }
  return tasks;
}

export interface ApiScore {
  /** The answer's first line names the updated API. */
  updated: boolean;
  /** It names the original API (for unchanged packages the same as `updated`). */
  original: boolean;
  /** The first line is the expected middle (a copy of the suffix's rest of line aside, as for the idioms). */
  exact: boolean;
}

export function scoreApiUse(answer: string, task: Pick<ApiTask, 'middle' | 'suffix' | 'updatedName' | 'originalName'>): ApiScore {
  const line = comparable(answer, 1);
  return {
    updated: wholeWord(task.updatedName).test(line),
    original: wholeWord(task.originalName).test(line),
    exact: scoreIdiom(answer, task.middle, task.suffix).exact,
  };
}

/** Up to `count` functions in a seeded order, one per package in turn, as [package, function] pairs. */
export function chooseFunctions(packages: readonly PackageFiles[], count: number, seed: number): [PackageFiles, string[]][] {
  const rng = new Rng(seed, 0xd0c5);
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = rng.next() % (i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  };
  const pools = shuffle([...packages].sort((a, b) => a.name.localeCompare(b.name)).map((p) => ({ p, names: shuffle(candidateFunctions(p)), taken: [] as string[] })))
    .filter((x) => x.names.length > 0);
  let left = count;
  for (let round = 0; left > 0 && pools.some((x) => x.names.length > x.taken.length); round++) {
    for (const x of pools) {
      if (left > 0 && round < x.names.length) {
        x.taken.push(x.names[round]!);
        left--;
      }
    }
  }
  return pools.filter((x) => x.taken.length > 0).map((x) => [x.p, x.taken]);
}
