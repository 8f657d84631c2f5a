// Use-def edges for the code at the cursor and its attached documents (tree-sitter, in the engine host).
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Edit, Parser, type Point, type Tree } from 'web-tree-sitter';
import { closersAt, errorChars } from './cursorRepair';
import { collectFacts, lookup, type Def, type FileFacts, type Span } from './facts';
import { collectPythonFacts } from './pythonFacts';
import { plainTree, withoutInsertion, type PlainNode } from './plainTree';
import { languageOfFile, loadGrammars, type AnalysisLanguage, type Grammars } from './grammars';

/** A place in a file: 1-based line, 0-based column (UTF-16 code units), and its char offsets in the file's text. */
export interface SourceRange {
  file: string;
  line: number;
  column: number;
  start: number;
  end: number;
}

export interface UseDefEdge {
  name: string;
  use: SourceRange;
  def: SourceRange;
}

export interface AnalysisDocument {
  file: string;
  text: string;
}

/** The code at the cursor: a whole file, or the prefix and suffix around the cursor (analysed as one text). */
export type CursorCode = { file: string; code: string } | { file: string; prefix: string; suffix: string };

export interface UseDefResult {
  /** Edges whose use is in the cursor code or in a document, by file (the cursor's first), then position. */
  edges: UseDefEdge[];
  /** The facts of every file analysed (the cursor's first): identifier occurrences and brackets for the patterns. */
  files: FileFacts[];
}

/** Longer texts are not analysed (no edges): the analysis must never hold the engine host up. */
export const MAX_ANALYSIS_CHARS = 1_000_000;
/** Analysed documents kept (by content hash), as their KV blocks are. */
const CACHE_ENTRIES = 64;
/** Cursor files whose last tree is kept for an incremental reparse. */
const TREES_KEPT = 4;
/** How far an import, re-export or `x: C` chain is followed. */
const MAX_HOPS = 8;

const MODULE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
/** A Python module `a/b` is `a/b.py`, its stub, or the package `a/b/__init__.py`. */
const PYTHON_EXTENSIONS = ['.py', '.pyi'];

function slashes(path: string): string {
  return path.replace(/\\/g, '/');
}

function stem(path: string): string {
  const base = posix.basename(path);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

function pointAt(text: string, index: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: index - lineStart };
}

/** The one edit that turns `before` into `after` (common prefix and suffix kept), for an incremental reparse. */
function editBetween(before: string, after: string): Edit {
  const max = Math.min(before.length, after.length);
  let start = 0;
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < max - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  const oldEnd = before.length - tail;
  const newEnd = after.length - tail;
  return new Edit({
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition: pointAt(before, start),
    oldEndPosition: pointAt(before, oldEnd),
    newEndPosition: pointAt(after, newEnd),
  });
}

function lineOf(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A text, its tree-sitter tree and the tree's plain copy. */
interface Parsed {
  readonly text: string;
  readonly tree: Tree;
  readonly plain: PlainNode;
}

/** A cursor file's last parse, and the parse with the brackets open at the cursor closed when that was used. */
interface KeptTrees {
  readonly language: AnalysisLanguage;
  readonly parsed: Parsed;
  readonly closed: Parsed | null;
}

function deleteTrees(kept: KeptTrees): void {
  kept.parsed.tree.delete();
  kept.closed?.tree.delete();
}

/** `text` parsed, incrementally from `before` (left as it was) when given: its tree and copy are one edit away. */
function parseFrom(parser: Parser, text: string, before?: Parsed | null): Parsed | null {
  if (!before) {
    const tree = parser.parse(text);
    return tree && { text, tree, plain: plainTree(tree) };
  }
  const change = editBetween(before.text, text);
  const old = before.tree.copy();
  old.edit(change);
  const tree = parser.parse(text, old);
  old.delete();
  return tree && { text, tree, plain: plainTree(tree, before.plain, { start: change.startIndex, oldEnd: change.oldEndIndex, newEnd: change.newEndIndex }) };
}

/**
 * `parsed` with the brackets open at `cursor` closed there, parsed from the last such text (or from `parsed`);
 * null when nothing is open or the parser reads no more of it than of the text as typed.
 */
function closedAtCursor(parser: Parser, parsed: Parsed, cursor: number, before: Parsed | null | undefined): Parsed | null {
  const closers = closersAt(parsed.plain, cursor);
  if (!closers) return null;
  const closed = parseFrom(parser, parsed.text.slice(0, cursor) + closers + parsed.text.slice(cursor), before ?? parsed);
  if (!closed || errorChars(closed.plain) < errorChars(parsed.plain)) return closed;
  closed.tree.delete();
  return null;
}

export class UseDefAnalyzer {
  private readonly parsers = new Map<AnalysisLanguage, Parser>();
  private readonly cache = new Map<string, FileFacts>();
  private readonly trees = new Map<string, KeptTrees>();

  private constructor(private readonly grammars: Grammars) {}

  /** Loads the grammars (once per process); rejects only if the packages' .wasm files cannot be loaded. */
  static async create(): Promise<UseDefAnalyzer> {
    return new UseDefAnalyzer(await loadGrammars());
  }

  /** Edges for the code at the cursor and the attached documents; bad code or an unknown language gives no edges. */
  analyze(cursor: CursorCode, documents: readonly AnalysisDocument[] = []): UseDefResult {
    const [code, at] = 'code' in cursor ? [cursor.code, undefined] : [cursor.prefix + cursor.suffix, cursor.prefix.length];
    const files: FileFacts[] = [];
    const own = this.facts(cursor.file, code, true, at);
    if (own) files.push(own);
    for (const doc of documents) {
      if (slashes(doc.file) === slashes(cursor.file)) continue;
      const facts = this.facts(doc.file, doc.text, false);
      if (facts) files.push(facts);
    }
    return { edges: resolveEdges(files), files };
  }

  /**
   * The facts of one file, from the cache or parsed now; null for an unknown language, a huge text or a failure.
   * With the `cursor` offset, brackets left open there are closed for the parse: the facts of a text that does not
   * parse are cached for that cursor, those of one that does for any.
   */
  private facts(file: string, text: string, atCursor: boolean, cursor?: number): FileFacts | null {
    const language = languageOfFile(file);
    if (!language || text.length > MAX_ANALYSIS_CHARS) return null;
    const textKey = createHash('sha256').update(`${language}\0${file}\0`).update(text).digest('hex');
    const cursorKey = `${textKey}@${cursor}`;
    const key = cursor === undefined || this.cache.has(textKey) ? textKey : cursorKey;
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    try {
      const parsed = this.parse(file, language, text, atCursor, cursor);
      if (!parsed) return null;
      const facts = language === 'python' ? collectPythonFacts(file, text, parsed.root) : collectFacts(file, text, parsed.root);
      this.cache.set(parsed.cursorDependent ? cursorKey : textKey, facts);
      if (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      return facts;
    } catch {
      return null; // never an error to the user: this file just gives no edges
    }
  }

  /**
   * Parses into a plain tree; the cursor's file reuses its previous trees (one edit apart while the user types), and
   * where its text does not parse, the tree with the brackets open at `cursor` closed is used when it reads more
   * (`cursorDependent`: the tree may then differ with the cursor).
   */
  private parse(file: string, language: AnalysisLanguage, text: string, atCursor: boolean, cursor?: number): { root: PlainNode; cursorDependent: boolean } | null {
    let parser = this.parsers.get(language);
    if (!parser) {
      parser = new Parser().setLanguage(this.grammars[language]);
      this.parsers.set(language, parser);
    }
    const key = slashes(file);
    const previous = atCursor ? this.trees.get(key) : undefined;
    if (previous) this.trees.delete(key);
    const usable = previous?.language === language ? previous : undefined;
    try {
      const parsed = parseFrom(parser, text, usable?.parsed);
      if (!parsed) return null;
      if (!atCursor) {
        parsed.tree.delete();
        return { root: parsed.plain, cursorDependent: false };
      }
      const cursorDependent = cursor !== undefined && parsed.tree.rootNode.hasError;
      const closed = cursorDependent ? closedAtCursor(parser, parsed, cursor, usable?.closed) : null;
      this.trees.set(key, { language, parsed, closed });
      if (this.trees.size > TREES_KEPT) {
        const [oldest, entry] = this.trees.entries().next().value!;
        deleteTrees(entry);
        this.trees.delete(oldest);
      }
      return { root: closed ? withoutInsertion(closed.plain, cursor!, closed.text.length - text.length) : parsed.plain, cursorDependent };
    } finally {
      if (previous) deleteTrees(previous);
    }
  }

  /** Frees the parsers and kept trees (the grammars stay loaded for the process). */
  dispose(): void {
    for (const entry of this.trees.values()) deleteTrees(entry);
    this.trees.clear();
    for (const parser of this.parsers.values()) parser.delete();
    this.parsers.clear();
    this.cache.clear();
  }
}

/** Resolves every file's uses across files: imports reach the attached document that exports the name. */
function resolveEdges(files: readonly FileFacts[]): UseDefEdge[] {
  const byPath = new Map<string, FileFacts>();
  const byStem = new Map<string, FileFacts[]>();
  for (const facts of files) {
    byPath.set(posix.normalize(slashes(facts.file)), facts);
    const list = byStem.get(stem(slashes(facts.file))) ?? [];
    list.push(facts);
    byStem.set(stem(slashes(facts.file)), list);
  }
  const factsOf = new Map(files.map((facts) => [facts.file, facts]));

  /** The attached document a relative import names: exact path first, else the one document of that name. */
  const modules = new Map<string, FileFacts | null>();
  const moduleOf = (from: string, source: string): FileFacts | null => {
    const key = `${from}\0${source}`;
    if (!modules.has(key)) modules.set(key, findModule(from, source));
    return modules.get(key)!;
  };
  const findModule = (from: string, source: string): FileFacts | null => {
    if (!source.startsWith('.')) return null;
    const python = languageOfFile(from) === 'python';
    // `from . import x` names the package folder itself.
    const base = posix.normalize(posix.join(posix.dirname(slashes(from)), source)).replace(/(.)\/$/, '$1');
    const bare = python ? base : base.replace(/\.(m|c)?jsx?$/, '');
    const extensions = python ? PYTHON_EXTENSIONS : MODULE_EXTENSIONS;
    for (const candidate of [...(python ? [] : [base]), ...[bare, `${bare}/${python ? '__init__' : 'index'}`].flatMap((b) => extensions.map((ext) => b + ext))]) {
      const hit = byPath.get(posix.normalize(candidate));
      if (hit && hit.file !== from) return hit;
    }
    // By name only within the importing file's language (a `csv.py` never answers `./csv` in TypeScript).
    const named = (byStem.get(stem(bare)) ?? []).filter((facts) => facts.file !== from && (languageOfFile(facts.file) === 'python') === python);
    return named.length === 1 ? named[0]! : null;
  };

  const importTarget = (def: Def): Def | null => {
    if (!def.import || def.import.imported === '*') return null;
    const target = moduleOf(def.file, def.import.source);
    if (!target) return null;
    return def.import.imported === 'default' ? target.defaultExport : (target.exports.get(def.import.imported) ?? null);
  };

  const follow = (def: Def): Def => {
    let current = def;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const next = importTarget(current);
      if (!next) break;
      current = next;
    }
    return current;
  };

  const membersOf = (def: Def | null, hops = 0): ReadonlyMap<string, Def> | null => {
    if (!def || hops > MAX_HOPS) return null;
    if (def.import) {
      if (def.import.imported === '*') return moduleOf(def.file, def.import.source)?.exports ?? null;
      return membersOf(importTarget(def), hops + 1);
    }
    if (def.members) return def.members;
    if (def.instanceOf) return membersOf(lookup(def.instanceOf.scope, def.instanceOf.name), hops + 1);
    return null;
  };

  const range = (facts: FileFacts, start: number, end: number): SourceRange => {
    const line = lineOf(facts.lineStarts, start);
    return { file: facts.file, line: line + 1, column: start - facts.lineStarts[line]!, start, end };
  };
  const edges: UseDefEdge[] = [];
  const add = (facts: FileFacts, use: Span, def: Def) => {
    const defFacts = factsOf.get(def.file);
    if (!defFacts || (def.file === facts.file && def.start === use.start)) return;
    edges.push({ name: use.name, use: range(facts, use.start, use.end), def: range(defFacts, def.start, def.end) });
  };

  for (const facts of files) {
    const before = edges.length;
    for (const { span, def } of facts.uses) add(facts, span, follow(def));
    for (const def of facts.imports) {
      const target = importTarget(def);
      if (target && def.import) add(facts, { name: facts.text.slice(def.import.nameStart, def.import.nameEnd), start: def.import.nameStart, end: def.import.nameEnd }, follow(target));
    }
    for (const use of facts.memberUses) {
      const member = membersOf(use.object)?.get(use.member);
      if (member) add(facts, use.span, follow(member));
    }
    const mine = edges.splice(before).sort((a, b) => a.use.start - b.use.start);
    edges.push(...mine);
  }
  return edges;
}
