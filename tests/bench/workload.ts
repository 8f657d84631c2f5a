// The journal-like workload of the benchmark: a few attached documents and the code around the
// cursor, then the edits a journal makes between two completions. The request sequence and the
// cutting to size are pure; reading the source files is kept apart so tests need no files.
import fs from 'node:fs';
import path from 'node:path';

export interface BenchDoc {
  /** Short letter used in the tables (A, B, ...). */
  id: string;
  /** Where the text came from (a file under node_modules). */
  source: string;
  text: string;
}

/** The code around the cursor: a FIM prefix and suffix. */
export interface BenchQuery {
  prefix: string;
  suffix: string;
}

export interface BenchRequest {
  /** Stable key used in the JSON (cold, cursor, ...). */
  key: string;
  title: string;
  /** Document ids in prompt order. */
  docs: string[];
  query: BenchQuery;
  /** Documents that no earlier request of the sequence carried (they must be computed by any mode). */
  newDocs: string[];
}

/** Pure: the longest prefix of `text` with at most `maxTokens` tokens, cut at a line end where that loses little. */
export function cutToTokens(text: string, maxTokens: number, countTokens: (s: string) => number): string {
  if (countTokens(text) <= maxTokens) return text;
  let lo = 0;
  let hi = text.length;
  // Binary search on characters: token counts grow monotonically with a longer prefix (to within a merge).
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (countTokens(text.slice(0, mid)) <= maxTokens) lo = mid;
    else hi = mid;
  }
  const cut = text.slice(0, lo);
  const nl = cut.lastIndexOf('\n');
  // Prefer a whole line unless that throws away more than a tenth of the text.
  return nl > lo * 0.9 ? cut.slice(0, nl + 1) : cut;
}

/**
 * Pure: the cursor positions of successive requests. The cursor starts `cursorLine` lines into
 * `code` and moves one line down per step (the user keeps typing), so each query differs from the
 * previous one near its end; prefix and suffix are cut to their token budgets around the cursor.
 */
export function cursorQueries(
  code: string,
  steps: number,
  budget: { prefixTokens: number; suffixTokens: number },
  countTokens: (s: string) => number,
  cursorLine?: number,
): BenchQuery[] {
  const lines = code.split('\n').map((l, i, all) => (i < all.length - 1 ? `${l}\n` : l));
  const start = cursorLine ?? Math.floor(lines.length / 2);
  if (start + steps > lines.length) throw new RangeError(`cursorQueries: ${lines.length} lines cannot hold ${steps} steps from line ${start}`);
  const out: BenchQuery[] = [];
  for (let s = 0; s < steps; s++) {
    const at = start + s;
    const before = lines.slice(0, at).join('');
    const after = lines.slice(at).join('');
    // The prefix keeps its end (next to the cursor): cut the reversed text, then restore it.
    const prefix = tail(before, budget.prefixTokens, countTokens);
    const suffix = cutToTokens(after, budget.suffixTokens, countTokens);
    out.push({ prefix, suffix });
  }
  return out;
}

function tail(text: string, maxTokens: number, countTokens: (s: string) => number): string {
  const lines = text.split('\n');
  let taken = '';
  for (let i = lines.length - 1; i >= 0; i--) {
    const next = (i > 0 ? '\n' : '') + lines[i] + taken;
    if (countTokens(next) > maxTokens) break;
    taken = next;
  }
  return taken.startsWith('\n') ? taken.slice(1) : taken;
}

/** The steps of the sequence, by document ids; `q` is the index of the query (cursor position) used. */
interface Step {
  key: string;
  title: string;
  docs: (ids: readonly string[]) => string[];
  q: number;
}

// ids = [A, B, C, D, E, ...]: the first four are attached at the start, the fifth arrives later.
const STEPS: readonly Step[] = [
  { key: 'cold', title: 'cold (A B C D)', docs: ([a, b, c, d]) => [a!, b!, c!, d!], q: 0 },
  { key: 'cursor', title: 'cursor moved', docs: ([a, b, c, d]) => [a!, b!, c!, d!], q: 1 },
  { key: 'insert', title: 'E added in front', docs: ([a, b, c, d, e]) => [e!, a!, b!, c!, d!], q: 2 },
  { key: 'remove', title: 'B removed', docs: ([a, , c, d, e]) => [e!, a!, c!, d!], q: 3 },
  { key: 'swap', title: 'A and C swapped', docs: ([a, , c, d, e]) => [e!, c!, a!, d!], q: 4 },
  { key: 'back', title: 'earlier set back (A B C D)', docs: ([a, b, c, d]) => [a!, b!, c!, d!], q: 5 },
];

/** How many cursor positions `buildRequests` needs. */
export const QUERY_STEPS = STEPS.length;

/**
 * Pure: the request sequence (cold, cursor moved, a document added in front, one removed, the
 * order changed, an earlier step's set back). Needs five document ids, or two for the quick run,
 * where the fifth is the second's stand-in and only cold/cursor/swap/back are kept.
 */
export function buildRequests(ids: readonly string[], queries: readonly BenchQuery[]): BenchRequest[] {
  if (queries.length < QUERY_STEPS) throw new RangeError(`buildRequests: needs ${QUERY_STEPS} queries, got ${queries.length}`);
  let steps: { key: string; title: string; docs: string[]; q: number }[];
  if (ids.length >= 5) {
    steps = STEPS.map((s) => ({ key: s.key, title: s.title, docs: s.docs(ids), q: s.q }));
  } else if (ids.length === 2) {
    const [a, b] = ids as [string, string];
    steps = [
      { key: 'cold', title: `cold (${a} ${b})`, docs: [a, b], q: 0 },
      { key: 'cursor', title: 'cursor moved', docs: [a, b], q: 1 },
      { key: 'swap', title: `${a} and ${b} swapped`, docs: [b, a], q: 4 },
      { key: 'back', title: `earlier set back (${a} ${b})`, docs: [a, b], q: 5 },
    ];
  } else {
    throw new RangeError(`buildRequests: needs 5 document ids (or 2 for --quick), got ${ids.length}`);
  }
  const seen = new Set<string>();
  return steps.map((s) => {
    const newDocs = s.docs.filter((d) => !seen.has(d));
    for (const d of s.docs) seen.add(d);
    return { key: s.key, title: s.title, docs: s.docs, query: queries[s.q]!, newDocs };
  });
}

/** The request that decodes the query with no document at all. */
export function queryAloneRequest(query: BenchQuery): BenchRequest {
  return { key: 'alone', title: 'query alone (no documents)', docs: [], query, newDocs: [] };
}

/**
 * Real text the documents are cut from: code and docs of installed packages (a journal attaches
 * READMEs and source files). Listed in order A, B, C, D, E; each is long enough for 1k tokens.
 */
export const DOC_SOURCES: readonly string[] = [
  'node_modules/ws/lib/websocket.js',
  'node_modules/ws/README.md',
  'node_modules/typescript/lib/lib.es2015.collection.d.ts',
  'node_modules/dompurify/README.md',
  'node_modules/@xterm/xterm/README.md',
];

/** The file the cursor is in. */
export const QUERY_SOURCE = 'node_modules/ws/lib/receiver.js';

/** Reads `rel` under `root`; throws with the path when a package is missing. */
export function readSource(root: string, rel: string): string {
  const file = path.join(root, rel);
  if (!fs.existsSync(file)) throw new Error(`bench workload: source file missing: ${file}`);
  return fs.readFileSync(file, 'utf8');
}
