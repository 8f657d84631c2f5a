// Docs versus memory (issue 16, part 1; CodeUpdateArena-style): does a suggestion follow an attached document
// that describes an API differently from what the model saw in training? A held-out package's API is rewritten
// consistently in its declarations, README and code (a function renamed, its first two parameters swapped, or an
// options key renamed); infill tasks are cut where the function is called, and the completion is scored on
// whether it follows the updated API or the original one. The pure parts live here (finding the functions, the
// rewrites, the tasks, the scores); docsVsMemoryRun.ts drives the model.
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
  return mapFiles(pkg, (f) => renameIdentifier(f.text, f.path, from, to));
}

function mapFiles(pkg: PackageFiles, rewrite: (f: { path: string; text: string }) => string): PackageFiles {
  const each = <F extends { path: string; text: string }>(f: F): F => ({ ...f, text: rewrite(f) });
  return { ...pkg, readme: pkg.readme && each(pkg.readme), declarations: pkg.declarations.map(each), code: pkg.code.map(each) };
}

function parse(text: string, path: string): ts.SourceFile {
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, DECLARATION_FILE.test(path) ? ts.ScriptKind.TS : scriptKind(path));
}

/**
 * Reprints `text` from its syntax tree, node by node: `hook` may replace a node's text (it gets the printer for
 * the node's parts); `instead` prints a child's replacement where it stood. The text between nodes (punctuation, spaces,
 * comments) is kept, passed through `gap` where given (comments are only ever in gaps).
 */
function reprint(
  text: string, path: string,
  hook: (node: ts.Node, print: (n: ts.Node, instead?: ReadonlyMap<ts.Node, () => string>) => string) => string | undefined,
  gap: (between: string) => string = (between) => between,
): string {
  const source = parse(text, path);
  const print = (node: ts.Node, instead?: ReadonlyMap<ts.Node, () => string>): string => {
    const replaced = instead ? undefined : hook(node, print);
    if (replaced !== undefined) return replaced;
    const children: ts.Node[] = [];
    node.forEachChild((c) => void children.push(c));
    // A token's own text (a string, a name) is never a gap.
    if (children.length === 0 && node !== source) return text.slice(node.getStart(source), node.end);
    children.sort((a, b) => a.getStart(source) - b.getStart(source));
    let at = node === source ? 0 : node.getStart(source);
    let out = '';
    for (const child of children) {
      out += gap(text.slice(at, child.getStart(source))) + (instead?.get(child)?.() ?? print(child));
      at = child.end;
    }
    return out + gap(text.slice(at, node.end));
  };
  return print(source);
}

/** The function (or method) name a function-like node is known by: its own, or the variable, property or member it is assigned to. */
function functionName(node: ts.Node): string | undefined {
  if (!ts.isFunctionLike(node)) return undefined;
  const named = (n: ts.Node | undefined): string | undefined => (n && (ts.isIdentifier(n) || ts.isPrivateIdentifier(n)) ? n.text : undefined);
  if ('name' in node && node.name && named(node.name as ts.Node)) return named(node.name as ts.Node);
  const parent = node.parent;
  if ((ts.isFunctionExpression(node) || ts.isArrowFunction(node)) && parent) {
    if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return named(parent.name);
    if (ts.isBinaryExpression(parent) && parent.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      return ts.isPropertyAccessExpression(parent.left) ? parent.left.name.text : named(parent.left);
    }
  }
  return undefined;
}

const moduleBindingsOf = new WeakMap<ts.SourceFile, ReadonlySet<string>>();

/** Names a file binds to a whole module: `import * as x`, `import x from`, `const x = require(...)`. */
function moduleBindings(source: ts.SourceFile): ReadonlySet<string> {
  let names = moduleBindingsOf.get(source);
  if (!names) {
    const found = new Set<string>();
    const visit = (node: ts.Node): void => {
      if (ts.isImportClause(node)) {
        if (node.name) found.add(node.name.text);
        if (node.namedBindings && ts.isNamespaceImport(node.namedBindings)) found.add(node.namedBindings.name.text);
      } else if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && ts.isCallExpression(node.initializer)
        && ts.isIdentifier(node.initializer.expression) && node.initializer.expression.text === 'require') found.add(node.name.text);
      ts.forEachChild(node, visit);
    };
    visit(source);
    names = found;
    moduleBindingsOf.set(source, names);
  }
  return names;
}

/**
 * Whether `call` calls `name` directly (`name(...)`) or as a member of a module, `this` or `exports`
 * (`api.name(...)` with `api` imported or required): not `t.name(...)` on some other object, which only shares the name.
 */
function calls(call: ts.Node, name: string): call is ts.CallExpression | ts.NewExpression {
  if (!ts.isCallExpression(call) && !ts.isNewExpression(call)) return false;
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text === name;
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== name) return false;
  const owner = callee.expression;
  if (owner.kind === ts.SyntaxKind.ThisKeyword) return true;
  if (ts.isPropertyAccessExpression(owner)) return ts.isIdentifier(owner.expression) && owner.expression.text === 'module' && owner.name.text === 'exports';
  return ts.isIdentifier(owner) && (owner.text === 'exports' || moduleBindings(call.getSourceFile()).has(owner.text));
}

/** Top-level comma-separated parts of an argument list, from just after its `(` to its `)` (or the end). */
export function splitArguments(text: string): { parts: string[]; closed: boolean } {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let part = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') part += c + (text[++i] ?? '');
      else {
        if (c === quote) quote = '';
        part += c;
      }
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) return { parts: part.trim() || parts.length ? [...parts, part.trim()] : parts, closed: true };
      depth--;
    } else if (c === ',' && depth === 0) {
      parts.push(part.trim());
      part = '';
      continue;
    }
    part += c;
  }
  return { parts: part.trim() || parts.length ? [...parts, part.trim()] : parts, closed: false };
}

/** Markdown or comment text with every `name(a, b, ...)` written `name(b, a, ...)`. */
function swapInProse(text: string, name: string): string {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}\\(`, 'g'))) {
    const open = m.index + m[0].length;
    if (open < at) continue;
    const { parts, closed } = splitArguments(text.slice(open));
    if (!closed || parts.length < 2) continue;
    const close = closeOfCall(text, open - 1) - 1;
    const inner = text.slice(open, close);
    // Keep the spacing of the original list: swap the first two parts where they stand.
    const first = inner.indexOf(parts[0]!);
    const second = inner.indexOf(parts[1]!, first + parts[0]!.length);
    if (first < 0 || second < 0) continue;
    out += text.slice(at, open) + inner.slice(0, first) + parts[1] + inner.slice(first + parts[0]!.length, second) + parts[0] + inner.slice(second + parts[1]!.length);
    at = close;
  }
  return out + text.slice(at);
}

/** Parameter names of the first declaration of `name` in the package's declaration files, with whether each is required. */
function declaredParameters(pkg: PackageFiles, name: string): { decl: ts.FunctionDeclaration; file: { path: string; text: string }; params: { name: string; required: boolean; type: ts.TypeNode | undefined }[] }[] {
  const found: ReturnType<typeof declaredParameters> = [];
  for (const d of pkg.declarations) {
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionDeclaration(node) && node.name?.text === name) {
        found.push({
          decl: node, file: d,
          params: node.parameters.map((p) => ({
            name: ts.isIdentifier(p.name) ? p.name.text : '', required: !p.questionToken && !p.initializer && !p.dotDotDotToken, type: p.type,
          })),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(parse(d.text, d.path));
  }
  return found;
}

/**
 * The two parameters a reorder swaps (the first two), when that can be done soundly: every declaration of
 * `name` has them, both required, plainly named and distinct (no `this` parameter), and no call in the
 * package's code spreads arguments into them (`name(...args)` cannot be reordered by text).
 */
export function reorderableParameters(pkg: PackageFiles, name: string): [string, string] | null {
  const decls = declaredParameters(pkg, name);
  if (decls.length === 0) return null;
  const [a, b] = decls[0]!.params;
  if (!a || !b || !a.name || !b.name || a.name === b.name || a.name === 'this' || !a.required || !b.required) return null;
  if (!decls.every((d) => d.params[0]?.name === a.name && d.params[1]?.name === b.name && d.params[1].required)) return null;
  for (const f of pkg.code) {
    let spread = false;
    const visit = (node: ts.Node): void => {
      if (calls(node, name) && (node.arguments ?? []).slice(0, 2).some((x) => ts.isSpreadElement(x))) spread = true;
      ts.forEachChild(node, visit);
    };
    visit(parse(f.text, f.path));
    if (spread) return null;
  }
  return [a.name, b.name];
}

/**
 * The package with the first two parameters of `name` swapped: in every declaration and implementation (function,
 * method, or function assigned to that name), every call's first two arguments (a call with one gets `undefined`
 * first, as the original call left the second parameter undefined), and every `name(a, b)` written in the README or
 * in comments. Not followed: calls through another name (`const f = name`, `.call`, `.apply`), `arguments[i]`.
 */
export function reorderPackage(pkg: PackageFiles, name: string): PackageFiles {
  return mapFiles(pkg, (f) => {
    if (!CODE_FILE.test(f.path)) return swapInProse(f.text, name);
    return reprint(f.text, f.path, (node, print) => {
      if (functionName(node) === name && (node as ts.SignatureDeclaration).parameters.length >= 2) {
        const [p0, p1] = (node as ts.SignatureDeclaration).parameters;
        return print(node, new Map([[p0!, () => print(p1!)], [p1!, () => print(p0!)]]));
      }
      if (calls(node, name) && node.arguments && node.arguments.length >= 1 && !node.arguments.slice(0, 2).some((x) => ts.isSpreadElement(x))) {
        const [a0, a1] = node.arguments;
        if (a1) return print(node, new Map([[a0!, () => print(a1)], [a1, () => print(a0!)]]));
        return print(node, new Map([[a0!, () => `undefined, ${print(a0!)}`]]));
      }
      return undefined;
    }, (between) => swapInProse(between, name));
  });
}

/** The options object parameter of `name` and the key a rewrite renames in it. */
export interface OptionKey {
  /** Index of the options parameter. */
  index: number;
  key: string;
  /** The interface or type alias declaring the options, when it is named (not an inline `{ ... }`). */
  typeName: string | null;
}

/**
 * An options key of `name` fit for a rename: the function's declaration takes an object (an inline type or an
 * interface / type alias of the same declaration file) with a plainly named key, at least four characters, not a
 * built-in member name, that the README mentions as code (`key` or in a code block). The first such key in
 * a seeded order.
 */
export function optionKeyOf(pkg: PackageFiles, name: string, seed: number): OptionKey | null {
  const readmeCode = pkg.readme ? markdownCode(pkg.readme.text) : '';
  for (const { decl, params } of declaredParameters(pkg, name)) {
    const source = decl.getSourceFile();
    for (const [index, p] of params.entries()) {
      let members: ts.NodeArray<ts.TypeElement> | null = null;
      let typeName: string | null = null;
      if (p.type && ts.isTypeLiteralNode(p.type)) members = p.type.members;
      else if (p.type && ts.isTypeReferenceNode(p.type) && ts.isIdentifier(p.type.typeName)) {
        typeName = p.type.typeName.text;
        const visit = (node: ts.Node): void => {
          if (members) return;
          if (ts.isInterfaceDeclaration(node) && node.name.text === typeName) members = node.members;
          else if (ts.isTypeAliasDeclaration(node) && node.name.text === typeName && ts.isTypeLiteralNode(node.type)) members = node.type.members;
          else ts.forEachChild(node, visit);
        };
        visit(source);
      }
      if (!members) continue;
      const keys = (members as ts.NodeArray<ts.TypeElement>)
        .filter((m): m is ts.PropertySignature => ts.isPropertySignature(m) && ts.isIdentifier(m.name))
        .map((m) => (m.name as ts.Identifier).text)
        .filter((k) => k.length >= 4 && !BUILTIN_MEMBERS.has(k) && k !== name && wholeWord(k).test(readmeCode))
        .sort();
      if (keys.length === 0) continue;
      const rng = new Rng(seed, [...name].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0, 0x0b7e));
      return { index, key: keys[rng.next() % keys.length]!, typeName };
    }
  }
  return null;
}

/** The code in Markdown: fenced blocks and inline spans, joined (for finding a key the README shows as code). */
function markdownCode(text: string): string {
  return [...text.matchAll(/```[^\n]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) => m[1] ?? m[2]).join('\n');
}

/** Markdown with `key` renamed where it is code (fenced blocks, inline spans) or a heading's first word; prose is left alone. */
function renameKeyInMarkdown(text: string, key: string, to: string): string {
  return text
    .replace(/```[^\n]*\n[\s\S]*?```|`[^`\n]+`/g, (code) => code.replace(wholeWord(key), to))
    .replace(new RegExp(`^(#+\\s+)${key.replace(/\$/g, '\\$')}(?![\\w$])`, 'gm'), `$1${to}`);
}

/** A comment with `key` renamed where it reads as a key: in a code span, after a dot (`options.key`), or after `@property`. */
function renameKeyInComments(text: string, key: string, to: string): string {
  const word = key.replace(/\$/g, '\\$');
  return text
    .replace(/`[^`\n]+`/g, (code) => code.replace(wholeWord(key), to))
    .replace(new RegExp(`(?<=\\.|@property\\s+(?:\\{[^}]*\\}\\s*)?)${word}(?![\\w$])`, 'g'), to);
}

/**
 * The package with the options key `key` renamed `to`: every property name spelled `key` in declarations and code
 * (type members, object literals, property accesses, destructuring; a shorthand `{ key }` becomes `{ to: key }` so
 * that its variable keeps its name), and its mentions as code in the README and comments. Not followed: keys
 * written as strings (`options['key']`, `'key' in options`).
 */
export function renameOptionKey(pkg: PackageFiles, key: string, to: string): PackageFiles {
  return mapFiles(pkg, (f) => {
    if (!CODE_FILE.test(f.path)) return renameKeyInMarkdown(f.text, key, to);
    return reprint(f.text, f.path, (node) => {
      if (!ts.isIdentifier(node) || node.text !== key) return undefined;
      const parent = node.parent;
      if (ts.isShorthandPropertyAssignment(parent) && parent.name === node) return `${to}: ${key}`;
      if (ts.isBindingElement(parent) && ts.isObjectBindingPattern(parent.parent)) {
        if (parent.propertyName === node) return to;
        if (!parent.propertyName && parent.name === node) return `${to}: ${key}`;
        return undefined;
      }
      const namesAProperty = (ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertyAssignment(parent)
        || ts.isMethodSignature(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyAccessExpression(parent)) && parent.name === node;
      return namesAProperty ? to : undefined;
    }, (between) => renameKeyInComments(between, key, to));
  });
}

/** The key a function that now returns an object wraps its result in (`{ value }`). */
export const RESULT_KEY = 'value';

/** Whether `node` is a function's own `return` (not one of a function nested in it), for the function known as `name`. */
function returnsOf(node: ts.Node, name: string): node is ts.ReturnStatement {
  if (!ts.isReturnStatement(node)) return false;
  let at: ts.Node = node.parent;
  while (!ts.isFunctionLike(at) && !ts.isSourceFile(at)) at = at.parent;
  return functionName(at) === name;
}

/** The end of the call whose `(` is at `open` in `text` (just after its `)`), or -1 when it does not close. */
function closeOfCall(text: string, open: number): number {
  for (let i = open, depth = 0, quote = ''; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c) && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * Whether `name` can be made to return `{ value }` soundly: every declaration has a return type that is a plain
 * value (not `void`, `never`, `undefined`, a Promise, a type predicate or `asserts`), no implementation is async or a
 * generator, and the package's code only ever calls it (never `new`, never passes or stores it as a value), so
 * that every use of its result can be rewritten.
 */
export function reshapeableResult(pkg: PackageFiles, name: string): boolean {
  const decls = declaredParameters(pkg, name);
  if (decls.length === 0) return false;
  for (const { decl } of decls) {
    const type = decl.type;
    if (!type || ts.isTypePredicateNode(type) || [ts.SyntaxKind.VoidKeyword, ts.SyntaxKind.NeverKeyword, ts.SyntaxKind.UndefinedKeyword].includes(type.kind)) return false;
    if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && /^(?:Promise|PromiseLike|Generator|AsyncGenerator|Iterator|IterableIterator)$/.test(type.typeName.text)) return false;
  }
  for (const f of pkg.code) {
    let sound = true;
    const visit = (node: ts.Node): void => {
      if (functionName(node) === name) {
        const fn = node as ts.FunctionLikeDeclaration;
        if (fn.asteriskToken || ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Async) sound = false;
      }
      if (ts.isIdentifier(node) && node.text === name) {
        const parent = node.parent;
        const called = (ts.isCallExpression(parent) && parent.expression === node)
          || (ts.isPropertyAccessExpression(parent) && parent.name === node && ts.isCallExpression(parent.parent) && parent.parent.expression === parent);
        const declares = (ts.isFunctionDeclaration(parent) || ts.isFunctionExpression(parent) || ts.isVariableDeclaration(parent) || ts.isMethodDeclaration(parent)
          || ts.isPropertyAssignment(parent)) && parent.name === node;
        const assigned = ts.isPropertyAccessExpression(parent) && parent.name === node && ts.isBinaryExpression(parent.parent) && parent.parent.left === parent;
        const listed = ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent) || ts.isImportClause(parent) || ts.isShorthandPropertyAssignment(parent);
        if (!called && !declares && !assigned && !listed) sound = false;
      }
      if (sound) ts.forEachChild(node, visit);
    };
    visit(parse(f.text, f.path));
    if (!sound) return false;
  }
  return true;
}

/** Markdown (or a JSDoc comment) with every call of `name` in a fenced code block followed by `.value` (a `function name(` definition aside). */
function reshapeInMarkdown(text: string, name: string): string {
  return text.replace(/```[^\n]*\n[\s\S]*?```/g, (block) => {
    let out = '';
    let at = 0;
    for (const m of block.matchAll(new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}\\(`, 'g'))) {
      const close = closeOfCall(block, m.index + m[0].length - 1);
      if (close < 0 || close <= at || /\bfunction\s*$/.test(block.slice(0, m.index))) continue;
      out += `${block.slice(at, close)}.${RESULT_KEY}`;
      at = close;
    }
    return out + block.slice(at);
  });
}

/**
 * The package with `name` returning `{ value: T }` instead of `T`: its declared return types, its implementations'
 * `return`s (an expression body too), every call in the code (`name(x)` becomes `name(x).value`), and calls in the
 * README's and JSDoc's code blocks. Left as they were: the README's and JSDoc's prose about what it returns.
 */
export function reshapeResult(pkg: PackageFiles, name: string): PackageFiles {
  return mapFiles(pkg, (f) => {
    if (!CODE_FILE.test(f.path)) return reshapeInMarkdown(f.text, name);
    return reprint(f.text, f.path, (node, print) => {
      if (functionName(node) === name) {
        const fn = node as ts.SignatureDeclaration & { body?: ts.Node };
        const instead = new Map<ts.Node, () => string>();
        if (fn.type) instead.set(fn.type, () => `{ ${RESULT_KEY}: ${print(fn.type!)} }`);
        if (fn.body && !ts.isBlock(fn.body)) instead.set(fn.body, () => `({ ${RESULT_KEY}: ${print(fn.body!)} })`);
        return print(node, instead);
      }
      if (returnsOf(node, name)) {
        return node.expression ? print(node, new Map([[node.expression, () => `{ ${RESULT_KEY}: ${print(node.expression!)} }`]])) : `return { ${RESULT_KEY}: undefined };`;
      }
      if (ts.isCallExpression(node) && calls(node, name)) return `${print(node, new Map())}.${RESULT_KEY}`;
      return undefined;
    }, (between) => reshapeInMarkdown(between, name));
  });
}

/** Functions of `pkg` fit for a task: declared in a declaration file, named in the README, not a built-in's member name. */
export function candidateFunctions(pkg: PackageFiles): string[] {
  if (!pkg.readme) return [];
  const names = new Set(pkg.declarations.flatMap((d) => declaredFunctions(d.text, d.path)));
  return [...names].filter((n) => n.length >= 4 && !BUILTIN_MEMBERS.has(n) && wholeWord(n).test(pkg.readme!.text)).sort();
}

/**
 * The ways an API is rewritten: the function renamed, its first two parameters swapped, a key of its options
 * renamed, or its result wrapped (`{ value }`).
 */
export const REWRITE_KINDS = ['rename', 'reorder', 'option-key', 'result-shape'] as const;
export type RewriteKind = (typeof REWRITE_KINDS)[number];

/** Functions of `pkg` that a rewrite of this kind can change soundly. */
export function rewritableFunctions(pkg: PackageFiles, kind: RewriteKind, seed: number): string[] {
  const names = candidateFunctions(pkg);
  if (kind === 'reorder') return names.filter((n) => reorderableParameters(pkg, n) !== null);
  if (kind === 'option-key') return names.filter((n) => optionKeyOf(pkg, n, seed) !== null);
  if (kind === 'result-shape') return names.filter((n) => reshapeableResult(pkg, n));
  return names;
}

/**
 * What an answer's first line must say to follow one form of the API: a whole word (a function's or key's name),
 * a call's leading arguments in this order (whitespace aside), or a call of `call` whose result is read through
 * `.value` (`wrapped`) or not.
 */
export type ApiForm = { word: string } | { args: string[] } | { call: string; wrapped: boolean };

export interface ApiTask {
  id: string;
  package: string;
  rewrite: RewriteKind;
  /** `call-site`: a call in the package's own code; `usage`: a short program that calls it through the package. */
  kind: 'call-site' | 'usage';
  path: string;
  prefix: string;
  middle: string;
  suffix: string;
  /** The function whose API changed (its original name). */
  functionName: string;
  /** The API as the `updated` documents give it, and as the original package had it (the same for unchanged packages). */
  updated: ApiForm;
  original: ApiForm;
  /** Documents with the updated API (`updated`) and with the original one (`original`): declarations and README. */
  documents: { updated: { name: string; text: string }[]; original: { name: string; text: string }[] };
}

/** Characters of prefix and suffix kept beside a call site (as the held-out evaluation's tasks). */
const PREFIX_CHARS = 2400;
const SUFFIX_CHARS = 800;
/** Characters of each document excerpt. */
export const EXCERPT_CHARS = 1200;

/** The declaration of `name` with its JSDoc, from the first declaration file that has it. */
function declarationExcerpt(pkg: PackageFiles, name: string): { name: string; text: string } | null {
  const found = declaredParameters(pkg, name)[0];
  if (!found) return null;
  return { name: found.file.path, text: found.file.text.slice(found.decl.getFullStart(), found.decl.end).trim().slice(0, EXCERPT_CHARS) };
}

/** The options type's member `key` with its JSDoc, under the type's first line (`interface Options {`). */
function optionExcerpt(pkg: PackageFiles, typeName: string, key: string): { name: string; text: string } | null {
  for (const d of pkg.declarations) {
    const source = parse(d.text, d.path);
    let excerpt: string | null = null;
    const visit = (node: ts.Node): void => {
      if (excerpt !== null) return;
      if ((ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) && node.name.text === typeName) {
        const member = (ts.isInterfaceDeclaration(node) ? node.members : ts.isTypeLiteralNode(node.type) ? node.type.members : [])
          .find((m) => m.name && ts.isIdentifier(m.name) && m.name.text === key);
        if (member) {
          const header = d.text.slice(node.getStart(source), node.end).split('\n', 1)[0]!;
          excerpt = `${header}\n${d.text.slice(member.getFullStart(), member.end).replace(/^\n+/, '')}\n}`;
        }
      } else ts.forEachChild(node, visit);
    };
    visit(source);
    if (excerpt !== null) return { name: d.path, text: (excerpt as string).slice(0, EXCERPT_CHARS) };
  }
  return null;
}

/** The README from a few lines before the first line where `test` holds. */
function readmeExcerpt(pkg: PackageFiles, test: (line: string) => boolean): { name: string; text: string } | null {
  if (!pkg.readme) return null;
  const lines = pkg.readme.text.split('\n');
  const at = lines.findIndex(test);
  if (at < 0) return null;
  return { name: pkg.readme.path, text: lines.slice(Math.max(0, at - 4)).join('\n').slice(0, EXCERPT_CHARS) };
}

/** The documents of `name`'s API: its declaration and the README where it (or, for an options key, the key) first shows. */
export function documentsFor(pkg: PackageFiles, name: string, option?: OptionKey & { key: string }): { name: string; text: string }[] {
  const docs = [declarationExcerpt(pkg, name)];
  if (option) {
    if (option.typeName) docs.push(optionExcerpt(pkg, option.typeName, option.key));
    docs.push(readmeExcerpt(pkg, (l) => wholeWord(option.key).test(l) && (l.includes('`') || /^\s*#|:/.test(l))) ?? readmeExcerpt(pkg, (l) => wholeWord(name).test(l)));
  } else docs.push(readmeExcerpt(pkg, (l) => wholeWord(name).test(l)));
  return docs.filter((d): d is { name: string; text: string } => d !== null);
}

type Cut = { path: string; prefix: string; middle: string; suffix: string };

/** A cut at `at` in a file: the kept prefix, the middle to the end of that line, and the kept suffix. */
function cutAt(path: string, text: string, at: number): Cut {
  const lineEnd = text.indexOf('\n', at) < 0 ? text.length : text.indexOf('\n', at);
  const middle = text.slice(at, lineEnd).trimEnd();
  return { path, prefix: text.slice(0, at).slice(-PREFIX_CHARS), middle, suffix: text.slice(at + middle.length, at + middle.length + SUFFIX_CHARS) };
}

/** Whether the kept surroundings name any of `words` (then memory and documents are not all that can tell the answer). */
const surroundingsName = (cut: Cut, words: readonly string[]): boolean => words.some((w) => wholeWord(w).test(cut.prefix) || wholeWord(w).test(cut.suffix));

/**
 * A call of `name` in the package's code whose surroundings (the kept prefix and suffix) never name it
 * otherwise, so only memory or a document can supply the name: the gap runs from the name to the end of its line.
 */
export function callSite(pkg: PackageFiles, name: string): Cut | null {
  for (const f of pkg.code) {
    for (const m of f.text.matchAll(new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}\\s*\\(`, 'g'))) {
      if (/\bfunction\s*\*?\s*$/.test(f.text.slice(0, m.index))) continue;
      const cut = cutAt(f.path, f.text, m.index);
      if (!surroundingsName(cut, [name])) return cut;
    }
  }
  return null;
}

/**
 * A call of `name` (a module's, see `calls`) on one line, whose surroundings name `name` nowhere else: the gap
 * runs from the name to the end of the line (for a result read through `.value`, that read is in it).
 */
export function resultSite(pkg: PackageFiles, name: string): Cut | null {
  for (const f of pkg.code) {
    const source = parse(f.text, f.path);
    let found: Cut | null = null;
    const visit = (node: ts.Node): void => {
      if (found) return;
      if (ts.isCallExpression(node) && calls(node, name)) {
        const at = ts.isPropertyAccessExpression(node.expression) ? node.expression.name.getStart(source) : node.expression.getStart(source);
        const line = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
        const cut = cutAt(f.path, f.text, at);
        if (line(node.end) === line(at) && !surroundingsName(cut, [name])) found = cut;
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    if (found) return found;
  }
  return null;
}

/** Whitespace-free text of an argument, for comparing an answer's arguments with the expected ones. */
const bare = (text: string): string => text.replace(/\s+/g, '');

/**
 * A call of `name` (in a package whose first two parameters were swapped) whose first two arguments are on the
 * call's line and differ: the gap runs from just after `(` to the end of the line, so the answer's order tells
 * which API it follows. Its surroundings name `name` nowhere else (so no other call shows the order).
 */
export function reorderSite(pkg: PackageFiles, name: string): (Cut & { args: [string, string] }) | null {
  for (const f of pkg.code) {
    const source = parse(f.text, f.path);
    let found: (Cut & { args: [string, string] }) | null = null;
    const visit = (node: ts.Node): void => {
      if (found) return;
      if (calls(node, name) && node.arguments && node.arguments.length >= 2) {
        const [a0, a1] = node.arguments;
        const open = node.arguments.pos;
        const line = (at: number) => source.getLineAndCharacterOfPosition(at).line;
        const args: [string, string] = [bare(a0!.getText(source)), bare(a1!.getText(source))];
        const cut = cutAt(f.path, f.text, open);
        const before = { ...cut, prefix: cut.prefix.slice(0, cut.prefix.length - (open - node.expression.getStart(source))) };
        if (line(a1!.end) === line(open) && args[0] !== args[1] && !surroundingsName(before, [name])) found = { ...cut, args };
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    if (found) return found;
  }
  return null;
}

/**
 * A call of `name` whose object-literal argument sets `key` (`key: value`, not a shorthand): the gap runs from
 * the key to the end of its line; the surroundings name neither the key nor `alsoUnnamed` (the other spelling).
 */
export function optionSite(pkg: PackageFiles, name: string, key: string, alsoUnnamed: string): Cut | null {
  for (const f of pkg.code) {
    const source = parse(f.text, f.path);
    let found: Cut | null = null;
    const visit = (node: ts.Node): void => {
      if (found) return;
      if (calls(node, name)) {
        for (const arg of node.arguments ?? []) {
          if (!ts.isObjectLiteralExpression(arg)) continue;
          for (const p of arg.properties) {
            if (!found && ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === key && !wholeWord(alsoUnnamed).test(p.initializer.getText(source))) {
              const cut = cutAt(f.path, f.text, p.name.getStart(source));
              if (!surroundingsName(cut, [key, alsoUnnamed])) found = cut;
            }
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    if (found) return found;
  }
  return null;
}

const usagePrefix = (pkg: string) => `import * as api from '${pkg}';\n\n`;

/** A short program that returns what `name` gives (`.value` of it when `wrapped`): the gap is the call. */
export function resultUsageTask(pkg: string, name: string, wrapped: boolean): Cut {
  return { path: 'example.mjs', prefix: `${usagePrefix(pkg)}export function example(input) {\n  return api.`, middle: `${name}(input)${wrapped ? `.${RESULT_KEY}` : ''};`, suffix: '\n}\n' };
}

/** A short program that calls `name` through the package: the gap is the name itself. */
export function usageTask(pkg: string, name: string): Cut {
  return { path: 'example.mjs', prefix: `${usagePrefix(pkg)}export function example(input) {\n  return api.`, middle: name, suffix: '(input);\n}\n' };
}

/**
 * A short program that calls `name` with its required parameters, named as in the declaration but listed in
 * alphabetical order in its own signature (so that neither order is copied from it): the gap is the arguments.
 */
export function reorderUsageTask(pkg: string, name: string, params: readonly string[]): Cut {
  const own = [...params].sort().join(', ');
  return { path: 'example.mjs', prefix: `${usagePrefix(pkg)}export function example(${own}) {\n  return api.${name}(`, middle: `${params.join(', ')});`, suffix: '\n}\n' };
}

/** A short program that passes the options object with the key set: the gap is the key and its value. */
export function optionUsageTask(pkg: string, name: string, before: readonly string[], key: string): Cut {
  const leading = before.map((p) => `${p}, `).join('');
  return {
    path: 'example.mjs',
    prefix: `${usagePrefix(pkg)}export function example(${leading}setting) {\n  return api.${name}(${leading}{ `,
    middle: `${key}: setting });`,
    suffix: '\n}\n',
  };
}

/** The seeded new name of `name` that the package does not use yet. */
function freshName(pkg: PackageFiles, name: string, seed: number): string {
  const allText = [pkg.readme, ...pkg.declarations, ...pkg.code].map((f) => f?.text ?? '').join('\n');
  return newName(name, seed, (c) => wholeWord(c).test(allText));
}

/**
 * The tasks of one package for one rewrite kind: for each chosen function, a call site (when the code has a clean
 * one) and a usage task. With `rewrite` (held-out packages) the API is rewritten everywhere and the middles follow
 * the updated API; the original package's excerpts are the `original` documents. Without it (training packages),
 * nothing changes and the updated API is the original one.
 */
export function packageTasks(pkg: PackageFiles, functions: readonly string[], rewrite: boolean, seed: number, kind: RewriteKind = 'rename'): ApiTask[] {
  const tasks: ApiTask[] = [];
  for (const name of functions) {
    const base = { package: pkg.name, rewrite: kind, functionName: name };
    const push = (cuts: readonly (readonly [ApiTask['kind'], Cut | null])[], updated: ApiForm, original: ApiForm, documents: ApiTask['documents']): void => {
      if (documents.updated.length === 0) return;
      for (const [site, cut] of cuts) {
        if (cut) tasks.push({ id: `${pkg.name}:${name}:${kind}:${site}`, ...base, kind: site, ...cut, updated, original, documents });
      }
    };
    if (kind === 'rename') {
      const to = rewrite ? freshName(pkg, name, seed) : name;
      const updated = rewrite ? rewritePackage(pkg, name, to) : pkg;
      push([['call-site', callSite(updated, to)], ['usage', usageTask(pkg.name, to)]], { word: to }, { word: name },
        { updated: documentsFor(updated, to), original: documentsFor(pkg, name) });
    } else if (kind === 'reorder') {
      const params = reorderableParameters(pkg, name);
      if (!params) continue;
      const updated = rewrite ? reorderPackage(pkg, name) : pkg;
      const required = declaredParameters(updated, name)[0]!.params.filter((p) => p.required).map((p) => p.name);
      const site = reorderSite(updated, name);
      const order = (args: readonly string[]) => ({ args: [...args] });
      const documents = { updated: documentsFor(updated, name), original: documentsFor(pkg, name) };
      if (site) push([['call-site', site]], order(site.args), order(rewrite ? [site.args[1], site.args[0]] : site.args), documents);
      const usageArgs = required.slice(0, 2);
      push([['usage', reorderUsageTask(pkg.name, name, required)]], order(usageArgs), order(rewrite ? [usageArgs[1]!, usageArgs[0]!] : usageArgs), documents);
    } else if (kind === 'result-shape') {
      if (!reshapeableResult(pkg, name)) continue;
      const updated = rewrite ? reshapeResult(pkg, name) : pkg;
      push([['call-site', resultSite(updated, name)], ['usage', resultUsageTask(pkg.name, name, rewrite)]], { call: name, wrapped: rewrite }, { call: name, wrapped: false },
        { updated: documentsFor(updated, name), original: documentsFor(pkg, name) });
    } else {
      const option = optionKeyOf(pkg, name, seed);
      if (!option) continue;
      const to = rewrite ? freshName(pkg, option.key, seed) : option.key;
      const updated = rewrite ? renameOptionKey(pkg, option.key, to) : pkg;
      const before = declaredParameters(pkg, name)[0]!.params.slice(0, option.index).map((p, i) => p.name || `arg${i}`);
      push([['call-site', optionSite(updated, name, to, option.key)], ['usage', optionUsageTask(pkg.name, name, before, to)]], { word: to }, { word: option.key },
        { updated: documentsFor(updated, name, { ...option, key: to }), original: documentsFor(pkg, name, option) });
    }
  }
  return tasks;
}

export interface ApiScore {
  /** The answer's first line follows the updated API. */
  updated: boolean;
  /** It follows the original API (for unchanged packages the same as `updated`). */
  original: boolean;
  /** The first line is the expected middle (a copy of the suffix's rest of line aside, as for the idioms). */
  exact: boolean;
}

/** Whether the first line of an answer follows `form`: names the word, starts the call's arguments in that order, or calls and reads the result so. */
export function follows(line: string, form: ApiForm): boolean {
  if ('word' in form) return wholeWord(form.word).test(line);
  if ('call' in form) {
    const m = new RegExp(`(?<![\\w$])${form.call.replace(/\$/g, '\\$')}\\s*\\(`).exec(line);
    const close = m ? closeOfCall(line, m.index + m[0].length - 1) : -1;
    return close >= 0 && new RegExp(`^\\s*\\.${RESULT_KEY}(?![\\w$])`).test(line.slice(close)) === form.wrapped;
  }
  const { parts } = splitArguments(line);
  return form.args.every((a, i) => parts[i] !== undefined && bare(parts[i]!) === a);
}

export function scoreApiUse(answer: string, task: Pick<ApiTask, 'middle' | 'suffix' | 'updated' | 'original'>): ApiScore {
  const line = comparable(answer, 1);
  return { updated: follows(line, task.updated), original: follows(line, task.original), exact: scoreIdiom(answer, task.middle, task.suffix).exact };
}

/** Up to `count` functions (of those `eligible`) in a seeded order, one per package in turn, as [package, functions] pairs. */
export function chooseFunctions(
  packages: readonly PackageFiles[], count: number, seed: number, eligible: (pkg: PackageFiles) => string[] = candidateFunctions,
): [PackageFiles, string[]][] {
  const rng = new Rng(seed, 0xd0c5);
  const shuffle = <T>(items: T[]): T[] => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = rng.next() % (i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  };
  const pools = shuffle([...packages].sort((a, b) => a.name.localeCompare(b.name)).map((p) => ({ p, names: shuffle(eligible(p)), taken: [] as string[] })))
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
