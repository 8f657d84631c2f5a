// Attention injection (issue 13 item 4): the chosen heads' softmax rows replaced by exact patterns in the rows
// of the query and the generated tokens. This file is the pure part: which heads, where the analysed texts sit
// in the prompt, the rows of each decode call and what the report says. The engine runs injected requests in
// a context whose KV cells equal positions (engine.ts), so a row's columns are its pattern's positions.
import fs from 'node:fs';
import { PATTERN_NAMES, PATTERNS, mapToPrompt, type PromptAnalysis, type PromptSpan, type SparseRow, type UseDefResult } from '../analysis';
import { chooseHeads, HeadProfileError, headProfilePath, parseHeadProfile, type HeadChoice, type HeadProfile } from '../heads/profile';
import type { AttentionInjection, InjectedRows } from '../../native/binding';
import type { InjectionReport } from '../../app/completion/vocabulary';
import { InvalidRequestError } from './types';

/** Edges listed in the report (`edgeCount` counts them all). */
export const MAX_REPORTED_EDGES = 200;

export const NO_PROFILE_NOTE = 'no head profile for this model: run steerway heads';

/** Checks a request's head list against the model's shape; the first bad entry gives the one-line error. */
export function checkHeads(heads: readonly HeadChoice[], nLayer: number, nHead: number): HeadChoice[] {
  const seen = new Set<string>();
  for (const h of heads) {
    const where = `head ${String(h?.layer)}.${String(h?.head)}`;
    if (!h || !Number.isInteger(h.layer) || h.layer < 0 || h.layer >= nLayer) throw new InvalidRequestError(`inject: ${where}: layer must be in [0, ${nLayer - 1}]`);
    if (!Number.isInteger(h.head) || h.head < 0 || h.head >= nHead) throw new InvalidRequestError(`inject: ${where}: head must be in [0, ${nHead - 1}]`);
    if (!(h.pattern === 'zero' || (PATTERN_NAMES as readonly string[]).includes(h.pattern))) {
      throw new InvalidRequestError(`inject: ${where}: pattern must be ${[...PATTERN_NAMES, 'zero'].join(', ')}, got ${String(h.pattern)}`);
    }
    if (seen.has(`${h.layer}.${h.head}`)) throw new InvalidRequestError(`inject: ${where} is listed twice`);
    seen.add(`${h.layer}.${h.head}`);
  }
  return heads.map((h) => ({ layer: h.layer, head: h.head, pattern: h.pattern }));
}

/** Reads `auto`'s profile; caches it by file stamp, so a request costs one stat. */
export class HeadProfileReader {
  private cached: { file: string; stamp: string; profile: HeadProfile | null; error: string | null } | null = null;

  constructor(
    private readonly cacheDir: string | null,
    private readonly identity: string,
  ) {}

  /** The heads `auto` chooses, or none with a note saying why. */
  autoHeads(nLayer: number, nHead: number): { heads: HeadChoice[]; note: string | null } {
    if (!this.cacheDir) return { heads: [], note: NO_PROFILE_NOTE };
    const file = headProfilePath(this.cacheDir, this.identity);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return { heads: [], note: NO_PROFILE_NOTE };
    }
    const stamp = `${stat.size}|${stat.mtimeMs}|${stat.ino}`;
    if (this.cached?.file !== file || this.cached.stamp !== stamp) this.cached = { file, stamp, ...readProfile(file, this.identity, nLayer, nHead) };
    if (!this.cached.profile) return { heads: [], note: `head profile ${file} not used: ${this.cached.error}` };
    const heads = chooseHeads(this.cached.profile);
    return heads.length > 0 ? { heads, note: null } : { heads: [], note: 'the head profile chooses no head (none agrees with a pattern often enough): no injection' };
  }
}

function readProfile(file: string, identity: string, nLayer: number, nHead: number): { profile: HeadProfile | null; error: string | null } {
  try {
    const profile = parseHeadProfile(file, fs.readFileSync(file, 'utf8'));
    if (profile.model.identity !== identity) return { profile: null, error: 'it is for another model' };
    if (profile.model.nLayer !== nLayer || profile.model.nHead !== nHead) return { profile: null, error: 'its shape differs from the model' };
    return { profile, error: null };
  } catch (err) {
    return { profile: null, error: err instanceof HeadProfileError ? err.why : (err as Error).message };
  }
}

/** The prompt as text and the UTF-16 offset where each token starts (a token starting inside a character gets that character's). */
export function promptChars(pieces: readonly Uint8Array[]): { text: string; starts: number[] } {
  const decoder = new TextDecoder();
  const starts: number[] = [];
  let text = '';
  for (const piece of pieces) {
    starts.push(text.length);
    text += decoder.decode(piece, { stream: true });
  }
  return { text: text + decoder.decode(), starts };
}

/**
 * Where `text` (tokenized on its own) sits in the prompt: at `from`, or one char later where the tokenizer
 * adds a leading space. Null when it is not there as it is (the tokenizer did not round-trip it).
 */
export function locate(prompt: string, text: string, from: number): number | null {
  if (prompt.startsWith(text, from)) return from;
  if (prompt[from] === ' ' && prompt.startsWith(text, from + 1)) return from + 1;
  return null;
}

/** The rows of the query and the generated tokens for each chosen head, and the decode calls' injections. */
export class InjectionRows {
  /** Distinct patterns used, by name; a `zero` head has empty rows (all weights 0) at every injected position. */
  private readonly byPattern = new Map<string, Map<number, SparseRow>>();
  private readonly headIndex: number[];

  /**
   * `analysis` covers the prompt; `end` is the prompt's length plus the tokens that may be generated (rows of
   * the patterns that need no analysis, previous token and sink, go on into the generation). Rows before
   * `queryStart` (documents, shared header) are never injected: their KV stays the model's own.
   */
  constructor(
    readonly heads: readonly HeadChoice[],
    analysis: PromptAnalysis,
    readonly queryStart: number,
    readonly end: number,
  ) {
    const extended = { ...analysis, tokenCount: end };
    const names = [...new Set(heads.map((h) => h.pattern))];
    for (const name of names) {
      const rows = new Map<number, SparseRow>();
      if (name === 'zero') for (let row = queryStart; row < end; row++) rows.set(row, { row, cols: [], weights: [] });
      else for (const r of PATTERNS[name](extended)) if (r.row >= queryStart && r.row < end) rows.set(r.row, r);
      this.byPattern.set(name, rows);
    }
    this.headIndex = heads.map((h) => names.indexOf(h.pattern));
  }

  /** Rows of head choice `i` at positions [from, to). */
  rowsOf(i: number, from: number, to: number): number {
    const rows = this.byPattern.get(this.heads[i]!.pattern)!;
    let n = 0;
    for (const row of rows.keys()) if (row >= from && row < to) n++;
    return n;
  }

  /** What position `p`'s row is under this injection ('' when no head replaces it): equal strings, equal KV. */
  signature(p: number): string {
    let s = '';
    this.heads.forEach((h, i) => {
      const row = this.byPattern.get(h.pattern)!.get(p);
      if (row) s += `${h.layer}.${h.head}:${i}:${row.cols.join(',')};`;
    });
    return s;
  }

  /**
   * The injection for one decode call of tokens at positions [first, first + n) (batch index = position - first),
   * or null when none of them has a row. `cellOf` maps a position to its KV cell.
   */
  forBatch(first: number, n: number, cellOf: (position: number) => number): AttentionInjection | null {
    const patterns: InjectedRows[] = [];
    let any = false;
    for (const rows of this.byPattern.values()) {
      const tokens: number[] = [];
      const offsets: number[] = [0];
      const cells: number[] = [];
      const weights: number[] = [];
      for (let b = 0; b < n; b++) {
        const row = rows.get(first + b);
        if (!row) continue;
        tokens.push(b);
        row.cols.forEach((col, j) => {
          cells.push(cellOf(col));
          weights.push(row.weights[j]!);
        });
        offsets.push(cells.length);
      }
      if (tokens.length > 0) any = true;
      patterns.push({ tokens: Int32Array.from(tokens), offsets: Int32Array.from(offsets), cells: Int32Array.from(cells), weights: Float32Array.from(weights) });
    }
    if (!any) return null;
    return { patterns, heads: this.heads.map((h, i) => ({ layer: h.layer, head: h.head, pattern: this.headIndex[i]! })) };
  }
}

/** The spans of the analysed texts in the prompt (from `locate`) and the analysis in token positions. */
export function analysisInPrompt(result: UseDefResult | null, spans: readonly PromptSpan[], tokenStarts: readonly number[]): PromptAnalysis {
  if (!result) return { tokenCount: tokenStarts.length, edges: [], occurrences: [], brackets: [] };
  return mapToPrompt(result, spans, tokenStarts);
}

/** The report's edges: those whose use is in the cursor's code (the rows injection may replace), first MAX_REPORTED_EDGES. */
export function reportEdges(result: UseDefResult | null, cursorFile: string): Pick<InjectionReport, 'edges' | 'edgeCount'> {
  const edges = (result?.edges ?? []).filter((e) => e.use.file === cursorFile);
  return {
    edgeCount: edges.length,
    edges: edges.slice(0, MAX_REPORTED_EDGES).map((e) => ({ name: e.name, use: { line: e.use.line, column: e.use.column }, def: { file: e.def.file, line: e.def.line, column: e.def.column } })),
  };
}
