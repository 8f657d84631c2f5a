// The samples stage: fixed-length rows of tokens and attention segments (see ../README.md), built as the engine
// builds its prompts: the shared `<|repo_name|>` prefix, related files of the same package as documents split into
// blocks, and the final file as the query (FIM in PSM or SPM order, or plain), padded to the row length.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { healTail, TokenPieceIndex } from '../../assistant/engine';
import { Rng } from '../../tools/gguf-fixtures/random';
import type { Split } from '../corpus/corpus';
import { readCorpus } from '../corpus/read';
import { TOKEN_TYPE, Tokenizer } from '../tokenizer/tokenizer';
import { fitEnd, fitStart } from './fit';
import { NgramCounter, type UniqueCount } from './unique';

/** Segment bytes (see ../README.md). */
export const SEGMENT = { shared: 0, firstBlock: 1, lastBlock: 253, pad: 254, query: 255 } as const;

export interface SampleOptions {
  /** Tokens per row (default 2048). */
  length?: number;
  /** Most tokens per document block, as the engine's `blockTokens` (default 256). */
  blockSize?: number;
  /** Share of rows whose final file is a FIM task (default 0.5). */
  fimRate?: number;
  /** Share of the FIM rows in SPM order (default 0: the engine always asks in PSM order, see FIM_SPANS). */
  spmRate?: number;
  /** Share of rows with block-sparse segments; the others are dense (default 0.5). */
  sparseShare?: number;
  /**
   * Share of the PSM rows asked with token healing (assistant/engine/healing.ts): the prefix's last token left out
   * where a longer token begins with it, its text the start of the middle. Default 0, as the engine asks a FIM model:
   * a miniature trained with 3/4 healed and asked healed did worse than one trained and asked as typed (README,
   * "Token healing, measured").
   */
  healedShare?: number;
  /** How many times each window of each file is a final file (default 1). */
  passes?: number;
  seed?: number;
}

/** The options' defaults, one place for the builder and samples.json. */
export const SAMPLE_DEFAULTS = { length: 2048, blockSize: 256, fimRate: 0.5, spmRate: 0, sparseShare: 0.5, healedShare: 0, passes: 1 } as const;

/**
 * Where a FIM sample's cursor is and how far its middle runs, with their shares. Issue 12 found a model trained on
 * whole lines from a line start and on random character spans (hundreds of characters on average) that ignored the
 * cursor: it had almost never seen a middle that finishes the cursor's line and stops. So most spans are what an
 * editor asks: the rest of the line from a cursor inside it (`lineRest`), or from a cursor inside a line to the end
 * of a line 1 to 3 lines further (`linesFromCursor`), or whole lines from after the indentation as the
 * evaluation's tasks cut them (`fromIndent`, 1 to 4 lines); the middle never takes the newline, the suffix
 * starts with it. Some spans stay any characters (`chars`, short ones likelier) so no cut is strange.
 */
export const FIM_SPANS = { lineRest: 0.4, linesFromCursor: 0.15, fromIndent: 0.25, chars: 0.2 } as const;
export type FimSpan = keyof typeof FIM_SPANS;

/**
 * Share of the cursors inside a line (`lineRest`, `linesFromCursor`) that stand where a word or symbol starts (after a
 * space or punctuation: `return |x`, `map(|x`); the others fall on any character (typing inside a word). Issue 12:
 * with every cursor on any character, most prefixes ended inside a word, and a model fine-tuned on such rows answered
 * `  return ` with the rest of a word (`efined = x;`).
 */
export const WORD_START_SHARE = 2 / 3;

export type QueryKind = 'psm' | 'spm' | 'plain';

/** What went into one row, for the composition and for tests. */
export interface RowInfo {
  package: string;
  path: string;
  kind: QueryKind;
  /** How the FIM span was drawn (null for a plain row). */
  span: FimSpan | null;
  /** The row has document blocks with their own segments. */
  sparse: boolean;
  documents: { path: string; tokens: number; blocks: number; truncated: boolean }[];
  /**
   * The part of the final file in the row: file.slice(start, end) is prefix + middle + suffix (plain: all in `prefix`);
   * `healed`: the end of `prefix` that token healing moved to the middle's tokens ('' when none).
   */
  query: { prefix: string; middle: string; suffix: string; start: number; end: number; endOfText: boolean; healed: string };
  sharedTokens: number;
  documentTokens: number;
  queryTokens: number;
  padTokens: number;
}

export interface Row {
  tokens: Uint16Array;
  segments: Uint8Array;
  info: RowInfo;
}

export interface SplitSummary {
  rows: number;
  /** Tokens that are not padding. */
  tokens: number;
  padTokens: number;
  packages: number;
  files: number;
  psm: number;
  spm: number;
  plain: number;
  /** PSM rows whose prefix's end token healing moved to the middle (`healedShare`). */
  healed: number;
  /** FIM rows by how the span was drawn (FIM_SPANS). */
  spans: Record<FimSpan, number>;
  sparse: number;
  dense: number;
  sharedTokens: number;
  documentTokens: number;
  queryTokens: number;
  /** Rows whose final file reached its end (`<|endoftext|>` after the file or the middle). */
  endOfText: number;
  documentsPerSample: { mean: number; max: number; histogram: Record<string, number> };
  /** Documents cut short to fill a row. */
  truncatedDocuments: number;
  /** The non-repeated text in the rows: distinct n-grams of each row's runs of one segment, padding left out (unique.ts). */
  unique: UniqueCount;
}

export interface SamplesManifest {
  L: number;
  blockSize: number;
  padId: number;
  seed: number;
  options: Required<Omit<SampleOptions, 'length' | 'blockSize' | 'seed'>>;
  /** sha256 of the tokenizer.json the rows were made with. */
  tokenizerSha256: string;
  vocabSize: number;
  splits: Record<Split, SplitSummary & { tokensFile: string; segmentsFile: string }>;
}

export class SampleOptionsError extends Error {
  override readonly name = 'SampleOptionsError';
}

/** A row came out longer than L: a bug in the budgets, never the data's fault. */
export class RowOverflowError extends Error {
  override readonly name = 'RowOverflowError';
}

interface SourceFile {
  path: string;
  dir: string;
  dirParts: string[];
  text: string;
  /** `<|file_sep|>path\ntext\n` as the engine tokenizes a document (made on first use). */
  doc: Uint16Array | null;
}

export interface Package {
  name: string;
  files: SourceFile[];
}

interface Job {
  pkg: number;
  file: number;
  window: number;
  windows: number;
}

/** Reads one split of corpus.jsonl into packages (a package: consecutive records of one name and version). */
export function readPackages(corpusFile: string, split: Split): Package[] {
  const out: Package[] = [];
  let key = '';
  for (const r of readCorpus(corpusFile, split)) {
    const k = `${r.package}@${r.version}`;
    if (k !== key) {
      out.push({ name: r.package, files: [] });
      key = k;
    }
    const dir = path.posix.dirname(r.path);
    out[out.length - 1]!.files.push({ path: r.path, dir, dirParts: dir.split('/'), text: r.text, doc: null });
  }
  return out;
}

const isLow = (text: string, i: number): boolean => i > 0 && i < text.length && text.charCodeAt(i) >= 0xdc00 && text.charCodeAt(i) <= 0xdfff;
/** `i` moved off the middle of a surrogate pair. */
const onChar = (text: string, i: number): number => (isLow(text, i) ? i - 1 : i);

/** Leading folders two paths share. */
function sharedDepth(x: readonly string[], y: readonly string[]): number {
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return n;
}

function resolvedOptions(options: SampleOptions): Required<Omit<SampleOptions, 'length' | 'blockSize' | 'seed'>> {
  const d = SAMPLE_DEFAULTS;
  return {
    fimRate: options.fimRate ?? d.fimRate, spmRate: options.spmRate ?? d.spmRate, sparseShare: options.sparseShare ?? d.sparseShare,
    healedShare: options.healedShare ?? d.healedShare, passes: options.passes ?? d.passes,
  };
}

/** The span kind for a uniform draw `u` in [0, 1), by FIM_SPANS' shares. */
function spanKind(u: number): FimSpan {
  let acc = 0;
  for (const [kind, share] of Object.entries(FIM_SPANS) as [FimSpan, number][]) {
    acc += share;
    if (u < acc) return kind;
  }
  return 'chars';
}

/** The training tokenizer's vocabulary indexed as the engine indexes a loaded model's, for healed rows. */
export function pieceIndex(tok: Tokenizer): TokenPieceIndex {
  return new TokenPieceIndex({
    info: { nVocab: tok.size }, tokenPiece: (t) => tok.piece(t), isControl: (t) => tok.types[t] === TOKEN_TYPE.control, isEog: (t) => t === tok.special.eot,
  });
}

/** Builds rows for the packages of one split. */
export class RowBuilder {
  private readonly L: number;
  private readonly B: number;
  private readonly o: Required<Omit<SampleOptions, 'length' | 'blockSize' | 'seed'>>;
  private readonly encode: (text: string) => number[];
  /** For healed rows (`healedShare`); none without. */
  private readonly pieces: TokenPieceIndex | null;

  constructor(private readonly tok: Tokenizer, private readonly packages: Package[], options: SampleOptions = {}) {
    this.L = options.length ?? SAMPLE_DEFAULTS.length;
    this.B = options.blockSize ?? SAMPLE_DEFAULTS.blockSize;
    this.o = resolvedOptions(options);
    if (!Number.isInteger(this.L) || this.L < 128) throw new SampleOptionsError(`length must be an integer of at least 128, got ${this.L}`);
    if (!Number.isInteger(this.B) || this.B < 1) throw new SampleOptionsError(`blockSize must be a positive integer, got ${this.B}`);
    for (const [name, v] of Object.entries({ fimRate: this.o.fimRate, spmRate: this.o.spmRate, sparseShare: this.o.sparseShare, healedShare: this.o.healedShare })) {
      if (!(v >= 0 && v <= 1)) throw new SampleOptionsError(`${name} must be in [0, 1], got ${v}`);
    }
    if (!Number.isInteger(this.o.passes) || this.o.passes < 1) throw new SampleOptionsError(`passes must be a positive integer, got ${this.o.passes}`);
    this.encode = (text) => tok.encode(text);
    this.pieces = this.o.healedShare > 0 ? pieceIndex(tok) : null;
  }

  private doc(f: SourceFile): Uint16Array {
    f.doc ??= Uint16Array.from([this.tok.special.fimSep, ...this.encode(`${f.path}\n${f.text}\n`)]);
    return f.doc;
  }

  /**
   * Every final file as often as it needs to be seen: a file of more than half a row of tokens is cut into
   * windows (one job each) so that long files are covered, not only their beginnings. Shuffled by `rng`.
   */
  jobs(rng: Rng): Job[] {
    const out: Job[] = [];
    const half = Math.floor(this.L / 2);
    this.packages.forEach((p, pkg) => {
      p.files.forEach((f, file) => {
        const windows = Math.max(1, Math.ceil(this.doc(f).length / half));
        for (let pass = 0; pass < this.o.passes; pass++) {
          for (let window = 0; window < windows; window++) out.push({ pkg, file, window, windows });
        }
      });
    });
    for (let i = out.length - 1; i > 0; i--) {
      const j = rng.next() % (i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  row(job: Job, rng: Rng): Row {
    const uniform = (): number => rng.next() / 2 ** 32;
    const { L, B } = this;
    const s = this.tok.special;
    const pkg = this.packages[job.pkg]!;
    const file = pkg.files[job.file]!;

    // Absurdly long names are cut so that the file always has most of the row.
    const sharedTokens = [s.fimRep, ...this.encode(`${pkg.name}\n`)].slice(0, L >> 3);
    const avail = L - sharedTokens.length;
    const header = [s.fimSep, ...this.encode(`${file.path}\n`)].slice(0, L >> 3);
    const candidates = pkg.files.filter((_, i) => i !== job.file);
    // A quarter to three quarters of the row is kept for documents when there are any; a short file leaves them more.
    // (So a long file's windows of half a row are covered on average, not always: documents matter more here.)
    const reserve = candidates.length > 0 ? Math.floor(avail * (0.25 + 0.5 * uniform())) : 0;

    const fim = uniform() < this.o.fimRate;
    const kind: QueryKind = fim ? (uniform() < this.o.spmRate ? 'spm' : 'psm') : 'plain';
    const q = fim ? this.fimQuery(file, job, avail - reserve - header.length, kind, uniform) : { ...this.plainQuery(file, job, avail - reserve - header.length), span: null };
    const queryTokens = [...header, ...q.tokens];

    // Documents: same folder first, then by how much of the path they share, ties at random.
    const order = candidates
      .map((f) => ({ f, same: f.dir === file.dir ? 1 : 0, depth: sharedDepth(f.dirParts, file.dirParts), r: uniform() }))
      .sort((a, b) => b.same - a.same || b.depth - a.depth || a.r - b.r)
      .map((c) => c.f);
    let room = avail - queryTokens.length;
    const chosen: { f: SourceFile; tokens: Uint16Array; truncated: boolean }[] = [];
    let blocks = 0;
    const maxBlocks = SEGMENT.lastBlock - SEGMENT.firstBlock + 1;
    let tooBig: SourceFile | null = null;
    for (const f of order) {
      const t = this.doc(f);
      const need = Math.ceil(t.length / B);
      if (t.length <= room && blocks + need <= maxBlocks) {
        chosen.push({ f, tokens: t, truncated: false });
        room -= t.length;
        blocks += need;
      } else {
        tooBig ??= f;
      }
      if (room < 16) break;
    }
    // The rest of the row goes to the start of a document that did not fit whole, rather than to padding.
    if (tooBig && room >= Math.min(64, B) && blocks + Math.ceil(room / B) <= maxBlocks) {
      chosen.push({ f: tooBig, tokens: this.doc(tooBig).subarray(0, room), truncated: true });
      blocks += Math.ceil(room / B);
      room = 0;
    }
    // The prompt order of documents is the user's, not a relevance order: shuffle the whole ones.
    const whole = chosen.filter((c) => !c.truncated);
    for (let i = whole.length - 1; i > 0; i--) {
      const j = rng.next() % (i + 1);
      [whole[i], whole[j]] = [whole[j]!, whole[i]!];
    }
    const docs = [...whole, ...chosen.filter((c) => c.truncated)];

    const sparse = docs.length > 0 && uniform() < this.o.sparseShare;
    const tokens = new Uint16Array(L).fill(s.fimPad);
    const segments = new Uint8Array(L).fill(SEGMENT.pad);
    let at = 0;
    const put = (ids: ArrayLike<number>, segment: number): void => {
      if (at + ids.length > L) throw new RowOverflowError(`row overflow: ${at} + ${ids.length} > ${L} (${file.path})`);
      for (let i = 0; i < ids.length; i++) {
        tokens[at] = ids[i]!;
        segments[at++] = segment;
      }
    };
    put(sharedTokens, sparse ? SEGMENT.shared : SEGMENT.query);
    let segment = SEGMENT.firstBlock;
    const documents: RowInfo['documents'] = [];
    for (const d of docs) {
      // The engine chains a document's blocks (block k sees the shared prefix and blocks 0..k-1): one segment a document.
      put(d.tokens, sparse ? segment++ : SEGMENT.query);
      documents.push({ path: d.f.path, tokens: d.tokens.length, blocks: Math.ceil(d.tokens.length / B), truncated: d.truncated });
    }
    put(queryTokens, SEGMENT.query);
    const documentTokens = documents.reduce((n, d) => n + d.tokens, 0);
    return {
      tokens,
      segments,
      info: {
        package: pkg.name, path: file.path, kind, span: q.span, sparse, documents, query: q.info,
        sharedTokens: sharedTokens.length, documentTokens, queryTokens: queryTokens.length, padTokens: L - at,
      },
    };
  }

  /** The window of the file this job covers, in characters. */
  private region(file: SourceFile, job: Job): [number, number] {
    const n = file.text.length;
    return [Math.floor((job.window / job.windows) * n), Math.floor(((job.window + 1) / job.windows) * n)];
  }

  private plainQuery(file: SourceFile, job: Job, budget: number): { tokens: number[]; info: RowInfo['query'] } {
    const text = file.text;
    const [r0] = this.region(file, job);
    const start = r0 === 0 ? 0 : text.lastIndexOf('\n', r0 - 1) + 1;
    const body = fitStart(text.slice(start), budget - 1, this.tok);
    const endOfText = start + body.text.length === text.length;
    // <|endoftext|> only where the file really ends: a cut file must not teach the model to stop there.
    const tokens = endOfText ? [...body.tokens, this.tok.special.eot] : body.tokens;
    return { tokens, info: { prefix: body.text, middle: '', suffix: '', start, end: start + body.text.length, endOfText, healed: '' } };
  }

  private fimQuery(file: SourceFile, job: Job, budget: number, kind: QueryKind, uniform: () => number): { tokens: number[]; span: FimSpan; info: RowInfo['query'] } {
    const s = this.tok.special;
    const text = file.text;
    const n = text.length;
    const [r0, r1] = this.region(file, job);
    const at = r0 + Math.floor(uniform() * (r1 - r0 + 1));
    let span = spanKind(uniform());
    let [a, b] = span === 'chars' ? [at, at] : lineSpan(text, at, span, uniform);
    if (b <= a) {
      // A blank line (or none) where the cursor fell: any characters instead.
      span = 'chars';
      a = onChar(text, Math.min(at, n));
      const u = uniform();
      b = onChar(text, a + Math.floor(u * u * Math.min(n - a, this.L)));
    }
    const room = budget - 4; // <|fim_prefix|> <|fim_suffix|> <|fim_middle|> <|endoftext|>
    const middle = fitStart(text.slice(a, b), Math.floor(room / 2), this.tok);
    b = a + middle.text.length;
    const rest = room - middle.tokens.length;
    // Prefix and suffix share the rest about as the engine's 4,000 / 1,500 characters do.
    const suffixFull = fitStart(text.slice(b), rest, this.tok);
    const prefixFull = fitEnd(text.slice(0, a), rest, this.tok);
    let prefix = prefixFull;
    let suffix = suffixFull;
    if (prefixFull.tokens.length + suffixFull.tokens.length > rest) {
      const suffixShare = Math.max(Math.floor(rest * 0.3), rest - prefixFull.tokens.length);
      suffix = fitStart(suffix.text, Math.min(suffixFull.tokens.length, suffixShare), this.tok);
      prefix = fitEnd(prefix.text, rest - suffix.tokens.length, this.tok);
      suffix = fitStart(suffixFull.text, rest - prefix.tokens.length, this.tok);
    }
    let prefixTokens = prefix.tokens;
    let middleTokens = middle.tokens;
    let healed = '';
    // Drawn for every PSM row, so that rows of different shares differ only in their healing.
    if (kind === 'psm' && uniform() < this.o.healedShare && this.pieces) {
      const h = healTail(prefix.tokens, this.pieces);
      const merged = h.text ? this.encode(h.text + middle.text) : [];
      // Healing moves a token's text; a middle that came out longer than the two were stays as typed (the row's budget).
      if (h.text && h.tokens.length + merged.length <= prefix.tokens.length + middle.tokens.length) {
        prefixTokens = h.tokens;
        middleTokens = merged;
        healed = h.text;
      }
    }
    const tokens = kind === 'psm'
      ? [s.fimPre, ...prefixTokens, s.fimSuf, ...suffix.tokens, s.fimMid, ...middleTokens, s.eot]
      : [s.fimPre, s.fimSuf, ...suffix.tokens, s.fimMid, ...prefixTokens, ...middleTokens, s.eot];
    const start = a - prefix.text.length;
    return { tokens, span, info: { prefix: prefix.text, middle: middle.text, suffix: suffix.text, start, end: b + suffix.text.length, endOfText: true, healed } };
  }
}

/**
 * A line-shaped span around `at` (see FIM_SPANS): [cursor, end of the middle), the middle ending before a newline;
 * empty when the line at `at` is blank.
 */
function lineSpan(text: string, at: number, span: Exclude<FimSpan, 'chars'>, uniform: () => number): [number, number] {
  const lineStart = at === 0 ? 0 : text.lastIndexOf('\n', at - 1) + 1;
  const lineEnd = (from: number): number => {
    const nl = text.indexOf('\n', from);
    return nl < 0 ? text.length : nl;
  };
  const end0 = lineEnd(lineStart);
  const indentEnd = lineStart + /^[ \t]*/.exec(text.slice(lineStart, end0))![0].length;
  if (indentEnd >= end0) return [at, at];
  // A cursor inside the line: after the indentation, before its last character (the middle is never empty).
  const cursor = span === 'fromIndent' ? indentEnd : cursorInLine(text, indentEnd, end0, uniform);
  const more = span === 'lineRest' ? 0 : span === 'linesFromCursor' ? 1 + Math.floor(uniform() * 3) : Math.floor(uniform() * 4);
  let end = end0;
  for (let k = 0; k < more && end < text.length; k++) end = lineEnd(end + 1);
  // Blank lines taken at the end go back to the suffix: the middle ends with code.
  while (end > end0 && text[end - 1] === '\n') end--;
  return [cursor, end];
}

const WORD_CHAR = /[\p{L}\p{N}_$]/u;

/** A cursor in [from, to): after `from`, where a word or symbol starts (WORD_START_SHARE of the time, where the line has one), else on any character. */
function cursorInLine(text: string, from: number, to: number, uniform: () => number): number {
  const any = onChar(text, from + Math.floor(uniform() * (to - from)));
  if (uniform() >= WORD_START_SHARE) return any;
  const starts: number[] = [];
  for (let p = from + 1; p < to; p++) {
    const c = text[p]!;
    const before = text[p - 1]!;
    if (/\s/.test(c) || isLow(text, p)) continue;
    if (!WORD_CHAR.test(c) || !WORD_CHAR.test(before)) starts.push(p);
  }
  return starts.length > 0 ? starts[Math.floor(uniform() * starts.length)]! : any;
}

function summarize(rows: RowInfo[], packages: Package[], unique: UniqueCount): SplitSummary {
  const histogram: Record<string, number> = {};
  let docs = 0;
  let max = 0;
  const files = new Set<string>();
  const sum = (f: (r: RowInfo) => number): number => rows.reduce((n, r) => n + f(r), 0);
  for (const r of rows) {
    histogram[r.documents.length] = (histogram[r.documents.length] ?? 0) + 1;
    docs += r.documents.length;
    max = Math.max(max, r.documents.length);
    files.add(`${r.package}\u0000${r.path}`);
  }
  const kind = (k: QueryKind): number => rows.filter((r) => r.kind === k).length;
  return {
    rows: rows.length,
    tokens: sum((r) => r.sharedTokens + r.documentTokens + r.queryTokens),
    padTokens: sum((r) => r.padTokens),
    packages: packages.length,
    files: files.size,
    psm: kind('psm'),
    spm: kind('spm'),
    plain: kind('plain'),
    healed: rows.filter((r) => r.query.healed !== '').length,
    spans: Object.fromEntries(Object.keys(FIM_SPANS).map((k) => [k, rows.filter((r) => r.span === k).length])) as Record<FimSpan, number>,
    sparse: rows.filter((r) => r.sparse).length,
    dense: rows.filter((r) => !r.sparse).length,
    sharedTokens: sum((r) => r.sharedTokens),
    documentTokens: sum((r) => r.documentTokens),
    queryTokens: sum((r) => r.queryTokens),
    endOfText: rows.filter((r) => r.query.endOfText).length,
    documentsPerSample: { mean: rows.length ? Number((docs / rows.length).toFixed(3)) : 0, max, histogram },
    truncatedDocuments: sum((r) => r.documents.filter((d) => d.truncated).length),
    unique,
  };
}

/** Feeds a row to the counter as its runs of one segment (the shared prefix, each document, the final file), padding left out. */
export function countRuns(counter: Pick<NgramCounter, 'push'>, row: Pick<Row, 'tokens' | 'segments'>): void {
  const { tokens, segments } = row;
  let start = 0;
  for (let i = 1; i <= segments.length; i++) {
    if (i < segments.length && segments[i] === segments[start]) continue;
    if (segments[start] !== SEGMENT.pad) counter.push(tokens.subarray(start, i));
    start = i;
  }
}

const SPLIT_STREAM: Record<Split, number> = { train: 0x10000000, eval: 0x20000000 };

/** Writes `<split>.tokens.u16`, `<split>.segments.u8` for train and eval, and samples.json, into `outDir`. */
export function buildSamples(corpusFile: string, tokenizerFile: string, outDir: string, options: SampleOptions = {}): SamplesManifest {
  const tok = Tokenizer.fromFile(tokenizerFile);
  const seed = options.seed ?? 1;
  fs.mkdirSync(outDir, { recursive: true });
  const splits = {} as SamplesManifest['splits'];
  let builder: RowBuilder | null = null;
  for (const split of ['train', 'eval'] as const) {
    const packages = readPackages(corpusFile, split);
    builder = new RowBuilder(tok, packages, options);
    const jobs = builder.jobs(new Rng(seed, SPLIT_STREAM[split]));
    const tokensFile = `${split}.tokens.u16`;
    const segmentsFile = `${split}.segments.u8`;
    // Written beside and renamed into place: a training run that has the old files mapped keeps reading them.
    const tf = fs.openSync(path.join(outDir, `${tokensFile}.tmp`), 'w');
    const sf = fs.openSync(path.join(outDir, `${segmentsFile}.tmp`), 'w');
    const infos: RowInfo[] = [];
    const unique = new NgramCounter();
    try {
      jobs.forEach((job, i) => {
        const row = builder!.row(job, new Rng(seed, SPLIT_STREAM[split] + 1 + i));
        // uint16 little-endian on every platform.
        const le = Buffer.alloc(row.tokens.length * 2);
        row.tokens.forEach((t, k) => le.writeUInt16LE(t, k * 2));
        fs.writeSync(tf, le);
        fs.writeSync(sf, row.segments);
        infos.push(row.info);
        countRuns(unique, row);
      });
    } finally {
      fs.closeSync(tf);
      fs.closeSync(sf);
    }
    for (const file of [tokensFile, segmentsFile]) fs.renameSync(path.join(outDir, `${file}.tmp`), path.join(outDir, file));
    splits[split] = { ...summarize(infos, packages, unique.result()), tokensFile, segmentsFile };
  }
  const manifest: SamplesManifest = {
    L: options.length ?? SAMPLE_DEFAULTS.length,
    blockSize: options.blockSize ?? SAMPLE_DEFAULTS.blockSize,
    padId: tok.special.fimPad,
    seed,
    options: resolvedOptions(options),
    tokenizerSha256: crypto.createHash('sha256').update(fs.readFileSync(tokenizerFile)).digest('hex'),
    vocabSize: tok.size,
    splits,
  };
  fs.writeFileSync(path.join(outDir, 'samples.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
