// Head probing (issue 13 item 3): runs code files through a model with attention observed and scores every
// (layer, query head) per exact pattern: the mass its rows put on the pattern's targets, and how often its most
// attended key is a target.
import { isNativeError, type AddonContext, type AddonModel, type AttentionObservation, type NativeErrorCode } from '../../native/binding';
import { charOfByte, mapToPrompt, PATTERN_NAMES, PATTERNS, UseDefAnalyzer, type PatternName, type PromptAnalysis, type SparseRow } from '../analysis';
import type { HeadProfile, HeadScore, PatternProfile } from './profile';

/** The part of an observation the scoring reads: probabilities at ((token * nHead) + head) * nKv + cell. */
export type ObservedLayer = Pick<AttentionObservation, 'nTokens' | 'nHead' | 'nKv' | 'data'>;

/** Sums over rows, per query head: attention mass on the targets, and rows whose argmax cell is a target. */
export interface LayerScore {
  mass: Float64Array;
  top1: Float64Array;
}

/**
 * Scores one layer's observed attention on a pattern's rows. Cells are token indices (a cleared cache decoded in
 * order from position 0). The argmax is the first largest cell of the row; rows past the observed tokens are skipped.
 */
export function scoreLayer(observed: ObservedLayer, rows: readonly SparseRow[]): LayerScore {
  const { nHead, nKv, data } = observed;
  const mass = new Float64Array(nHead);
  const top1 = new Float64Array(nHead);
  for (const row of rows) {
    if (row.row >= observed.nTokens) continue;
    for (let head = 0; head < nHead; head++) {
      const start = (row.row * nHead + head) * nKv;
      let best = 0;
      for (let cell = 1; cell <= row.row && cell < nKv; cell++) if (data[start + cell]! > data[start + best]!) best = cell;
      let onTargets = 0;
      for (const col of row.cols) onTargets += data[start + col]!;
      mass[head]! += onTargets;
      if (row.cols.includes(best)) top1[head]!++;
    }
  }
  return { mass, top1 };
}

/** Sum over rows of targets / visible keys (cells 0..row): what a uniform head puts on the targets (the control). */
export function chanceSum(rows: readonly SparseRow[]): number {
  let sum = 0;
  for (const row of rows) sum += row.cols.length / (row.row + 1);
  return sum;
}

/** Running sums of every (layer, head) per pattern over the probed files. */
export class HeadTally {
  private readonly rows = new Map<PatternName, number>(PATTERN_NAMES.map((p) => [p, 0]));
  private readonly chance = new Map<PatternName, number>(PATTERN_NAMES.map((p) => [p, 0]));
  private readonly sums = new Map<PatternName, LayerScore[]>();

  constructor(
    readonly nLayer: number,
    readonly nHead: number,
  ) {
    for (const pattern of PATTERN_NAMES) {
      this.sums.set(pattern, Array.from({ length: nLayer }, () => ({ mass: new Float64Array(nHead), top1: new Float64Array(nHead) })));
    }
  }

  /** Counts a file's rows of a pattern (once per file: every head is scored on the same rows). */
  addRows(pattern: PatternName, rows: readonly SparseRow[]): void {
    this.rows.set(pattern, this.rows.get(pattern)! + rows.length);
    this.chance.set(pattern, this.chance.get(pattern)! + chanceSum(rows));
  }

  add(pattern: PatternName, layer: number, score: LayerScore): void {
    const sums = this.sums.get(pattern)![layer];
    if (!sums || score.mass.length !== this.nHead) throw new RangeError(`no layer ${layer} with ${score.mass.length} heads in a ${this.nLayer}x${this.nHead} tally`);
    for (let head = 0; head < this.nHead; head++) {
      sums.mass[head]! += score.mass[head]!;
      sums.top1[head]! += score.top1[head]!;
    }
  }

  /** Means over each pattern's rows (0 for a pattern without rows). */
  patterns(): Record<PatternName, PatternProfile> {
    const out = {} as Record<PatternName, PatternProfile>;
    for (const pattern of PATTERN_NAMES) {
      const rows = this.rows.get(pattern)!;
      const heads: HeadScore[] = [];
      this.sums.get(pattern)!.forEach((sums, layer) => {
        for (let head = 0; head < this.nHead; head++) {
          heads.push({ layer, head, mass: rows ? sums.mass[head]! / rows : 0, top1: rows ? sums.top1[head]! / rows : 0 });
        }
      });
      out[pattern] = { rows, heads, chance: rows ? this.chance.get(pattern)! / rows : 0 };
    }
    return out;
  }
}

/**
 * Where each token starts in `text` (UTF-16 offsets), from the tokens' UTF-8 pieces; null when the pieces do not
 * spell the start of the text (a tokenizer that normalizes). `end` is where the last piece ends (rounded up to a whole
 * character).
 */
export function tokenStartsOf(text: string, pieces: readonly Uint8Array[]): { starts: number[]; end: number } | null {
  const bytes = Buffer.from(text, 'utf8');
  const charAt = charOfByte(text);
  const starts: number[] = [];
  let at = 0;
  for (const piece of pieces) {
    if (at + piece.length > bytes.length || !bytes.subarray(at, at + piece.length).equals(piece)) return null;
    starts.push(charAt[at]!);
    at += piece.length;
  }
  let end = at;
  while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end++; // a piece that stopped inside a character
  return { starts, end: charAt[end]! };
}

export interface ProbeFile {
  file: string;
  text: string;
}

export interface ProbeOptions {
  /** Tokens of each file probed (the rest is left out). */
  maxTokens: number;
  /** Most bytes of observed attention held at once: layers are observed in groups under it (default 256 MiB). */
  observeBudgetBytes?: number;
  /** After each file: its tokens, and whether its analysis could be placed on them. */
  onFile?: (file: string, info: { tokens: number; analysed: boolean }) => void;
}

/** A file the model could not tokenize or decode: left out of the profile. */
export interface SkippedFile {
  file: string;
  reason: string;
}

export type ProbeResult = Pick<HeadProfile, 'files' | 'patterns'> & { skipped: SkippedFile[] };

/** Native errors that concern one file's text, not the model or the context: that file is skipped. */
const FILE_ERRORS: readonly NativeErrorCode[] = ['ERR_TOKENIZE', 'ERR_DECODE_NO_KV_SLOT', 'ERR_DECODE_INVALID_BATCH', 'ERR_DECODE_FAILED'];

/** llama.cpp pads the observed cells to a multiple of 256. */
const KV_PADDING = 256;

/** Layer groups whose observation of `tokens` tokens fits the budget (at least one layer each). */
export function layerGroups(nLayer: number, nHead: number, tokens: number, budgetBytes: number): number[][] {
  const cells = Math.ceil(tokens / KV_PADDING) * KV_PADDING;
  const perLayer = tokens * nHead * cells * Float32Array.BYTES_PER_ELEMENT;
  const size = Math.max(1, Math.floor(budgetBytes / perLayer));
  const groups: number[][] = [];
  for (let first = 0; first < nLayer; first += size) groups.push(Array.from({ length: Math.min(size, nLayer - first) }, (_, i) => first + i));
  return groups;
}

/**
 * Scores every head of `model` on the files; files that give fewer than two tokens are left out, and so are files
 * the model fails to tokenize or decode (in `skipped`, nothing of them counted).
 */
export async function probeHeads(model: AddonModel, files: readonly ProbeFile[], options: ProbeOptions): Promise<ProbeResult> {
  const { nLayer, nHead } = model.info;
  const maxTokens = options.maxTokens;
  const tally = new HeadTally(nLayer, nHead);
  const analyzer = await UseDefAnalyzer.create();
  let ctx: AddonContext | null = null;
  let count = 0;
  let total = 0;
  const skipped: SkippedFile[] = [];
  const skip = (file: string, error: unknown): void => {
    if (!isNativeError(error) || !FILE_ERRORS.includes(error.code)) throw error;
    skipped.push({ file, reason: `${error.code}: ${error.message}` });
  };
  try {
    ctx = await model.createContext({ nCtx: Math.max(KV_PADDING, maxTokens), nBatch: maxTokens, nUbatch: Math.min(maxTokens, 512), nSeqMax: 1, flashAttention: 'disabled', attentionHook: true });
    for (const { file, text } of files) {
      let tokens: Int32Array;
      let pieces: Uint8Array[];
      try {
        tokens = model.tokenize(text).slice(0, maxTokens);
        pieces = Array.from(tokens, (token) => model.tokenPiece(token));
      } catch (error) {
        skip(file, error);
        continue;
      }
      const n = tokens.length;
      if (n < 2) continue;
      const placed = tokenStartsOf(text, pieces);
      const prompt: PromptAnalysis = placed
        ? mapToPrompt(analyzer.analyze({ file, code: text }), [{ file, start: 0, end: placed.end, promptStart: 0 }], placed.starts)
        : { tokenCount: n, edges: [], occurrences: [], brackets: [] };
      const rows = new Map<PatternName, SparseRow[]>(PATTERN_NAMES.map((pattern) => [pattern, PATTERNS[pattern](prompt)]));

      const logits = new Uint8Array(n);
      logits[n - 1] = 1;
      const batch = { tokens, positions: Int32Array.from({ length: n }, (_, i) => i), seqIds: new Int32Array(n), logits };
      // Held until every layer group decoded: a file that fails halfway adds nothing.
      const scores: { pattern: PatternName; layer: number; score: LayerScore }[] = [];
      try {
        for (const layers of layerGroups(nLayer, nHead, n, options.observeBudgetBytes ?? 256 * 2 ** 20)) {
          ctx.clearMemory();
          ctx.observeAttention(layers);
          await ctx.decode(batch);
          for (const observed of ctx.attention()) {
            for (const [pattern, list] of rows) scores.push({ pattern, layer: observed.layer, score: scoreLayer(observed, list) });
          }
        }
      } catch (error) {
        skip(file, error);
        continue;
      }
      for (const [pattern, list] of rows) tally.addRows(pattern, list);
      for (const { pattern, layer, score } of scores) tally.add(pattern, layer, score);
      count++;
      total += n;
      options.onFile?.(file, { tokens: n, analysed: placed !== null });
    }
  } finally {
    ctx?.dispose();
    analyzer.dispose();
  }
  return { files: { count, tokens: total }, patterns: tally.patterns(), skipped };
}
