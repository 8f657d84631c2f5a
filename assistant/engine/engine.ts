// The completion engine: one model, one kv_unified context, document blocks placed by sequence sharing.
//
// Sequences: 0 is the query (what the cursor's tokens attend to), 1 holds the shared prefix
// (BOS + header) at [0, h), 2.. are placed block copies. A block is encoded once as [shared prefix +
// block] at [h, h+len), saved without the prefix cells, and placed by shifting its own sequence
// (RoPE re-rotation) to its offset, then tagged into the query sequence. The current layout's copies stay
// in the context between requests so a cursor move only re-decodes the query; copies a request leaves out
// are dropped before its query is decoded (their KV is one restore away in the memory or disk tier).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isNativeError, loadAddon, type AddonContext, type AddonModel, type KvCacheType } from '../../native/binding';
import { GgufFormatError, readGgufHeader } from '../gguf/header';
import { documentTokens, detectFormat, queryTokens, sharedPrefixTokens, splitBlocks, type PromptFormat } from './format';
import { boundaryCut, logprobsOf, partialStopLength, sampleToken, SeededRandom, stopCut } from './sampling';
import type { BlockRejection } from './blockFile';
import { BLOCK_DIR_MODE, BLOCK_FILE_MODE, DiskTier, MemoryTier } from './tiers';
import { COMPLETION_MODES, DEFAULT_COMPLETION_MODE, STOP_BOUNDARIES } from '../../app/completion/vocabulary';
import {
  CompletionAbortedError,
  ContextOverflowError,
  EngineDisposedError,
  InvalidRequestError,
  ModelLoadError,
  ModelNotFoundError,
  ModelTooLargeError,
  TooManyBlocksError,
  type BlockReport,
  type BlockSource,
  type CacheStats,
  type CompletionEngine,
  type CompletionMode,
  type CompletionReport,
  type CompletionRequest,
  type CompletionResult,
  type EngineOptions,
  type ModelDescription,
} from './types';

const SEQ_QUERY = 0;
const SEQ_SHARED = 1;
const FIRST_BLOCK_SEQ = 2;
/** llama.cpp's hard cap on sequences; it also needs nSeqMax <= nBatch. */
const N_SEQ_MAX = 256;
/** A resident copy is re-rotated at most this often; F16 keys lose a little at every rotation. */
const MAX_SHIFTS = 2;
const MAX_LOGPROBS = 20;
/** gpuLayers meaning "all of them". */
const ALL_LAYERS = 999;
const TOKENIZE_MEMO = 256;

interface Copy {
  key: string;
  seq: number;
  offset: number;
  length: number;
  shifts: number;
  lastUsed: number;
}

interface Entry {
  key: string;
  tokens: number[];
  offset: number;
  document: string;
  index: number;
}

/** What the query sequence holds now. */
interface QueryState {
  kind: 'causal' | 'sparse';
  /** Token id at each position of the sequence. */
  tokens: number[];
  /** Sparse: the placed blocks in order, and the boundary they were assembled with. */
  entries: { key: string; offset: number; copy: Copy }[];
  boundary: number;
  /** Position ranges of cells that belong to the query sequence alone. */
  own: [number, number][];
}

function clip(ranges: [number, number][], cut: number): [number, number][] {
  return ranges.filter(([a]) => a < cut).map(([a, b]) => [a, Math.min(b, cut)] as [number, number]);
}

const cells = (ranges: [number, number][]): number => ranges.reduce((n, [a, b]) => n + b - a, 0);

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

const KV_BYTES: Record<KvCacheType, number> = { f16: 2, f32: 4 };

async function checkModelFile(file: string): Promise<fs.Stats> {
  let stat: fs.Stats;
  try {
    stat = await fsp.stat(file);
  } catch {
    throw new ModelNotFoundError(file);
  }
  if (!stat.isFile()) throw new ModelNotFoundError(file);
  // Only a sane GGUF file reaches llama.cpp's parser.
  try {
    await readGgufHeader(file);
  } catch (error) {
    if (error instanceof GgufFormatError) throw new ModelLoadError(file, error.message);
    throw error;
  }
  return stat;
}

/**
 * sha256 of the model file, remembered in the cache folder by path, size, mtime, ctime and inode. The ctime
 * (which no one sets by hand) tells a file rewritten in place with its old size and mtime restored: its blocks
 * must not be taken for the old model's.
 */
async function modelIdentity(file: string, stat: fs.Stats, cacheDir: string | null): Promise<string> {
  const stamp = `${path.resolve(file)}|${stat.size}|${stat.mtimeMs}|${stat.ctimeMs}|${stat.ino}`;
  const memoFile = cacheDir ? path.join(cacheDir, 'model-identity.json') : null;
  let memo: Record<string, string> = {};
  if (memoFile) {
    try {
      memo = JSON.parse(await fsp.readFile(memoFile, 'utf8')) as Record<string, string>;
    } catch {
      memo = {};
    }
    const known = memo[stamp];
    if (typeof known === 'string' && /^[0-9a-f]{64}$/.test(known)) return known;
  }
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 22 })) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  if (memoFile) {
    memo[stamp] = digest;
    await fsp.writeFile(memoFile, JSON.stringify(memo), { mode: BLOCK_FILE_MODE }).catch(() => undefined);
  }
  return digest;
}

function checkInt(name: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
    throw new InvalidRequestError(`${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
}

export async function createCompletionEngine(options: EngineOptions): Promise<CompletionEngine> {
  checkInt('contextSize', options.contextSize, 64);
  checkInt('batchSize', options.batchSize, 16);
  checkInt('blockTokens', options.blockTokens, 1);
  const stat = await checkModelFile(options.modelPath);
  const limit = options.memoryLimitBytes ?? os.totalmem();
  if (stat.size > limit) throw new ModelTooLargeError(options.modelPath, stat.size, limit);
  const addon = loadAddon({ gpu: options.gpu ?? false, ...(options.cpuBackend ? { cpuBackend: options.cpuBackend } : {}) });
  addon.setLogLevel(options.logLevel ?? 'none');
  let model: AddonModel;
  try {
    // With a GPU backend every layer goes to the GPU (llama.cpp caps the count at the model's layers).
    model = await addon.loadModel(options.modelPath, { gpuLayers: options.gpu ? ALL_LAYERS : 0 });
  } catch (err) {
    throw new ModelLoadError(options.modelPath, (err as Error).message);
  }
  const nCtx = options.contextSize ?? 4096;
  const typeK = options.typeK ?? 'f16';
  const typeV = options.typeV ?? 'f16';
  const { info } = model;
  const kvPerToken = info.nLayer * (info.nEmbd / info.nHead) * info.nHeadKv * (KV_BYTES[typeK] + KV_BYTES[typeV]);
  if (stat.size + kvPerToken * nCtx > limit) {
    model.dispose();
    throw new ModelTooLargeError(options.modelPath, stat.size + kvPerToken * nCtx, limit);
  }
  try {
    const batch = Math.min(options.batchSize ?? 512, nCtx);
    // The engine never sends more than `batch` tokens per decode; the context's nBatch is only raised so
    // that it allows enough sequences (llama.cpp requires nSeqMax <= nBatch).
    const nBatch = Math.min(Math.max(batch, N_SEQ_MAX), nCtx);
    const ctx = await model.createContext({
      nCtx,
      nBatch,
      nUbatch: Math.min(batch, 512),
      nSeqMax: Math.min(N_SEQ_MAX, nBatch),
      typeK,
      typeV,
      flashAttention: options.flashAttention ?? 'auto',
      ...(options.threads ? { threads: options.threads, threadsBatch: options.threads } : {}),
    });
    const cacheDir = options.cacheDir ? path.resolve(options.cacheDir) : null;
    if (cacheDir) await fsp.mkdir(cacheDir, { recursive: true, mode: BLOCK_DIR_MODE });
    const identity = await modelIdentity(options.modelPath, stat, cacheDir);
    const disk = cacheDir ? await DiskTier.open(cacheDir, options.diskBudgetBytes ?? 2 * 2 ** 30) : null;
    return new Engine(model, ctx, options, identity, disk, batch);
  } catch (err) {
    model.dispose();
    throw err;
  }
}

class Engine implements CompletionEngine {
  readonly model: ModelDescription;
  private readonly format: PromptFormat;
  private readonly shared: number[];
  private readonly layout: string;
  private readonly blockTokens: number;
  private readonly memory: MemoryTier;
  private readonly tokenMemo = new Map<string, number[]>();
  private copies: Copy[] = [];
  private prefixReady = false;
  private q: QueryState | null = null;
  private requestNo = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private diskWrites: Promise<void> = Promise.resolve();
  private readonly pendingDiskKeys = new Set<string>();
  private disposed = false;

  constructor(
    private readonly llama: AddonModel,
    private readonly ctx: AddonContext,
    options: EngineOptions,
    identity: string,
    private readonly disk: DiskTier | null,
    /** Most tokens per decode call. */
    private readonly batch: number,
  ) {
    this.format = detectFormat(llama);
    const { info, vocab } = llama;
    this.model = {
      path: llama.path,
      identity,
      architecture: info.architecture,
      contextLength: info.nCtxTrain,
      chatTemplate: info.chatTemplate,
      fim: this.format.fim,
      format: this.format.name,
      formatNote: this.format.note,
    };
    this.shared = sharedPrefixTokens(llama, this.format, options.repoName ?? 'workspace');
    // Everything that changes the bytes or meaning of a saved sequence state.
    this.layout = [
      `k=${ctx.typeK}`, `v=${ctx.typeV}`, `fa=${ctx.flashAttention}`, `gpu=${String(options.gpu ?? false)}`,
      `L=${info.nLayer}`, `E=${info.nEmbd}`, `H=${info.nHead}/${info.nHeadKv}`, `vocab=${vocab.nVocab}`,
    ].join(',');
    this.blockTokens = Math.min(options.blockTokens ?? 256, batch);
    this.memory = new MemoryTier(options.memoryBudgetBytes ?? 256 * 2 ** 20);
  }

  complete(request: CompletionRequest): Promise<CompletionResult> {
    if (this.disposed) return Promise.reject(new EngineDisposedError());
    const run = this.queue.then(() => this.run(request));
    this.queue = run.catch(() => undefined);
    return run;
  }

  promptTokens(request: CompletionRequest): number[] {
    const p = this.prompt(request);
    return [...this.shared, ...p.entries.flatMap((e) => e.tokens), ...p.query];
  }

  cacheStats(): CacheStats {
    return {
      memoryBytes: this.memory.bytes,
      memoryBlocks: this.memory.size,
      diskBytes: this.disk?.bytes ?? 0,
      diskBlocks: this.disk?.size ?? 0,
      placedBlocks: this.copies.length,
      contextCells: this.usedCells(),
    };
  }

  resetContext(): Promise<void> {
    // In the queue, like a request, so it never runs in the middle of one.
    const run = this.queue.then(() => {
      if (!this.disposed) this.reset();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async flushDisk(): Promise<void> {
    await this.queue;
    await this.diskWrites;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.ctx.abort();
    await this.queue;
    await this.diskWrites;
    this.ctx.dispose();
    this.llama.dispose();
  }

  private reset(): void {
    this.ctx.clearMemory();
    this.copies = [];
    this.prefixReady = false;
    this.q = null;
  }

  private docTokens(name: string, text: string): number[] {
    const memoKey = `${name}\u0000${text}`;
    let tokens = this.tokenMemo.get(memoKey);
    if (!tokens) {
      tokens = documentTokens(this.llama, this.format, name, text);
      if (this.tokenMemo.size >= TOKENIZE_MEMO) this.tokenMemo.delete(this.tokenMemo.keys().next().value!);
      this.tokenMemo.set(memoKey, tokens);
    }
    return tokens;
  }

  private blockKey(tokens: readonly number[]): string {
    const h = createHash('sha256');
    h.update(`steerway-kv-block/1|${this.model.identity}|${this.layout}|`);
    h.update(new Uint8Array(Int32Array.from(this.shared).buffer));
    h.update('|');
    h.update(new Uint8Array(Int32Array.from(tokens).buffer));
    return h.digest('hex');
  }

  private prompt(request: CompletionRequest): { entries: Entry[]; query: number[] } {
    const entries: Entry[] = [];
    let offset = this.shared.length;
    for (const doc of request.documents ?? []) {
      if (typeof doc?.name !== 'string' || typeof doc.text !== 'string') throw new InvalidRequestError('each document needs a string name and text');
      splitBlocks(this.docTokens(doc.name, doc.text), this.blockTokens).forEach((tokens, index) => {
        entries.push({ key: this.blockKey(tokens), tokens, offset, document: doc.name, index });
        offset += tokens.length;
      });
    }
    if (typeof request.prefix !== 'string') throw new InvalidRequestError('prefix must be a string');
    const query = queryTokens(this.llama, this.format, request.prefix, request.suffix ?? '', request.fileName);
    if (query.length === 0) throw new InvalidRequestError('nothing to complete: the prefix is empty');
    return { entries, query };
  }

  private validate(r: CompletionRequest): void {
    if (r.mode !== undefined && !(COMPLETION_MODES as readonly string[]).includes(r.mode)) throw new InvalidRequestError(`mode must be ${COMPLETION_MODES.join(', ')}, got ${String(r.mode)}`);
    if (r.stopAt !== undefined && !(STOP_BOUNDARIES as readonly string[]).includes(r.stopAt)) throw new InvalidRequestError(`stopAt must be ${STOP_BOUNDARIES.join(', ')}, got ${String(r.stopAt)}`);
    checkInt('boundary', r.boundary, 0);
    checkInt('maxTokens', r.maxTokens, 0);
    checkInt('topK', r.topK, 0);
    checkInt('seed', r.seed, 0, 0xffffffff);
    checkInt('logprobs', r.logprobs, 0, MAX_LOGPROBS);
    if (r.temperature !== undefined && !(r.temperature >= 0 && Number.isFinite(r.temperature))) throw new InvalidRequestError('temperature must be a number >= 0');
    if (r.topP !== undefined && !(r.topP > 0 && r.topP <= 1)) throw new InvalidRequestError('topP must be in (0, 1]');
    if (r.stop !== undefined && !(Array.isArray(r.stop) && r.stop.every((x) => typeof x === 'string' && x.length > 0))) throw new InvalidRequestError('stop must be a list of non-empty strings');
  }

  private async run(request: CompletionRequest): Promise<CompletionResult> {
    if (this.disposed) throw new EngineDisposedError();
    this.validate(request);
    const started = performance.now();
    const mode: CompletionMode = request.mode ?? DEFAULT_COMPLETION_MODE;
    const maxTokens = request.maxTokens ?? 64;
    const { entries, query } = this.prompt(request);
    const promptIds = [...this.shared, ...entries.flatMap((e) => e.tokens), ...query];
    const needed = promptIds.length + maxTokens;
    if (needed > this.ctx.nCtx) throw new ContextOverflowError(needed, this.ctx.nCtx);
    const signal = request.signal;
    if (signal?.aborted) throw new CompletionAbortedError();
    const onAbort = (): void => this.ctx.abort();
    signal?.addEventListener('abort', onAbort);
    this.requestNo++;
    const report: CompletionReport = {
      mode,
      format: this.format.name,
      notes: this.format.name === 'plain-prefix' ? [this.format.note] : [],
      promptTokens: promptIds.length,
      reusedFromContext: 0,
      reusedFromMemory: 0,
      reusedFromDisk: 0,
      computedTokens: 0,
      boundaryRecomputed: 0,
      blocks: [],
      generatedTokens: 0,
      stopReason: 'maxTokens',
      timeToFirstTokenMs: 0,
      tokensPerSecond: 0,
      promptMs: 0,
      totalMs: 0,
    };
    try {
      const lastIndex = await this.evaluate(mode, promptIds, entries, request.boundary ?? 0, maxTokens, report, signal);
      report.promptMs = performance.now() - started;
      const result = await this.generate(request, promptIds, lastIndex, maxTokens, report, started, signal);
      report.totalMs = performance.now() - started;
      return result;
    } catch (err) {
      this.recover();
      if (signal?.aborted || isNativeError(err, 'ERR_ABORTED')) throw new CompletionAbortedError();
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** After a failed or aborted request the query sequence and any half-built copy are in an unknown state. */
  private recover(): void {
    if (this.ctx.disposed) return;
    this.ctx.seqRm(SEQ_QUERY, -1, -1);
    this.q = null;
    const live = new Set(this.copies.map((c) => c.seq));
    for (let seq = FIRST_BLOCK_SEQ; seq < this.ctx.nSeqMax; seq++) if (!live.has(seq) && this.ctx.seqPosMax(seq) >= 0) this.ctx.seqRm(seq, -1, -1);
    if (!this.prefixReady) this.ctx.seqRm(SEQ_SHARED, -1, -1);
  }

  private usedCells(): number {
    return (this.prefixReady ? this.shared.length : 0) + this.copies.reduce((n, c) => n + c.length, 0) + (this.q ? cells(this.q.own) : 0);
  }

  /** Evicts least recently used copies outside `keep` until `extra` more cells fit. */
  private makeRoom(extra: number, keep: Set<Copy>): void {
    const victims = this.copies.filter((c) => !keep.has(c)).sort((a, b) => a.lastUsed - b.lastUsed);
    while (this.usedCells() + extra > this.ctx.nCtx && victims.length > 0) this.evictCopy(victims.shift()!);
    if (this.usedCells() + extra > this.ctx.nCtx) throw new ContextOverflowError(this.usedCells() + extra, this.ctx.nCtx);
  }

  /** Whether a block's KV can be brought back without recomputing it. */
  private recoverable(key: string): boolean {
    return this.memory.has(key) || (this.disk?.has(key) ?? false) || this.pendingDiskKeys.has(key);
  }

  private evictCopy(copy: Copy): void {
    this.ctx.seqRm(copy.seq, -1, -1);
    this.copies = this.copies.filter((c) => c !== copy);
  }

  private freeSeq(keep: Set<Copy>): number {
    const used = new Set(this.copies.map((c) => c.seq));
    for (let seq = FIRST_BLOCK_SEQ; seq < this.ctx.nSeqMax; seq++) if (!used.has(seq)) return seq;
    const victim = this.copies.filter((c) => !keep.has(c)).sort((a, b) => a.lastUsed - b.lastUsed)[0];
    if (!victim) throw new TooManyBlocksError(this.ctx.nSeqMax - FIRST_BLOCK_SEQ);
    this.evictCopy(victim);
    return victim.seq;
  }

  private async decode(tokens: readonly number[], start: number, seq: number, signal: AbortSignal | undefined, wantLast: boolean): Promise<number> {
    let last = -1;
    for (let i = 0; i < tokens.length; i += this.batch) {
      if (signal?.aborted) throw new CompletionAbortedError();
      const chunk = tokens.slice(i, i + this.batch);
      const n = chunk.length;
      const logits = new Uint8Array(n);
      const final = i + n >= tokens.length;
      if (final && wantLast) logits[n - 1] = 1;
      await this.ctx.decode({
        tokens: Int32Array.from(chunk),
        positions: Int32Array.from({ length: n }, (_, j) => start + i + j),
        seqIds: new Int32Array(n).fill(seq),
        logits,
      });
      last = n - 1;
    }
    return last;
  }

  /** Decodes the prompt in `mode`; returns the batch index of the last prompt token's logits. */
  private async evaluate(
    mode: CompletionMode,
    ids: number[],
    entries: Entry[],
    boundary: number,
    maxTokens: number,
    report: CompletionReport,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    if (mode === 'sparse') return this.evaluateSparse(ids, entries, boundary, maxTokens, report, signal);
    let keep = 0;
    if (mode === 'prefix' && this.q?.kind === 'causal') keep = Math.min(commonPrefix(this.q.tokens, ids), ids.length - 1);
    this.ctx.seqRm(SEQ_QUERY, keep, -1);
    this.q = { kind: 'causal', tokens: ids.slice(0, keep), entries: [], boundary: 0, own: keep > 0 ? [[0, keep]] : [] };
    this.makeRoom(ids.length - keep + maxTokens, new Set());
    const last = await this.decode(ids.slice(keep), keep, SEQ_QUERY, signal, true);
    this.q = { kind: 'causal', tokens: ids.slice(), entries: [], boundary: 0, own: [[0, ids.length]] };
    report.reusedFromContext = keep;
    report.computedTokens = ids.length - keep;
    return last;
  }

  private async evaluateSparse(
    ids: number[],
    entries: Entry[],
    boundary: number,
    maxTokens: number,
    report: CompletionReport,
    signal: AbortSignal | undefined,
  ): Promise<number> {
    const h = this.shared.length;
    const queryStart = h + entries.reduce((n, e) => n + e.tokens.length, 0);
    const prev = this.q?.kind === 'sparse' && this.q.boundary === boundary ? this.q : null;
    let common = 0;
    if (prev) {
      while (common < entries.length && common < prev.entries.length && prev.entries[common]!.key === entries[common]!.key && prev.entries[common]!.offset === entries[common]!.offset) common++;
    }
    const sameLayout = prev !== null && common === entries.length && common === prev.entries.length;
    const kept = prev ? prev.entries.slice(0, common) : [];
    const claimed = new Set(kept.map((k) => k.copy));
    for (const c of claimed) c.lastUsed = this.requestNo;

    // The query sequence keeps what still matches: the shared prefix, the unchanged leading blocks, and
    // (same layout) the common prefix of the query tokens.
    let cut: number;
    if (sameLayout) cut = Math.min(commonPrefix(prev.tokens, ids), ids.length - 1);
    else cut = common < entries.length ? entries[common]!.offset : queryStart;
    if (!prev) {
      this.ctx.seqRm(SEQ_QUERY, -1, -1);
      this.q = null;
    } else {
      this.ctx.seqRm(SEQ_QUERY, cut, -1);
      prev.own = clip(prev.own, cut);
    }

    if (!this.prefixReady) {
      this.makeRoom(h, claimed);
      await this.decode(this.shared, 0, SEQ_SHARED, signal, false);
      this.prefixReady = true;
      report.computedTokens += h;
    } else {
      report.reusedFromContext += h;
    }
    if (!prev && h > 0) this.ctx.seqCp(SEQ_SHARED, SEQ_QUERY, 0, h);
    const own: [number, number][] = prev ? prev.own : [];
    this.q = { kind: 'sparse', tokens: ids.slice(0, prev ? cut : h), entries: kept, boundary, own };

    const blockReports: BlockReport[] = entries.map((e) => ({ document: e.document, index: e.index, tokens: e.tokens.length, position: e.offset, source: 'resident' as BlockSource }));
    const assigned: (Copy | null)[] = entries.map((_, i) => (i < common ? kept[i]!.copy : null));
    // Exact copies first, so a later block's resident copy is not moved away by an earlier one.
    for (let i = common; i < entries.length; i++) {
      const e = entries[i]!;
      const copy = this.copies.find((c) => c.key === e.key && c.offset === e.offset && !claimed.has(c));
      if (copy) {
        assigned[i] = copy;
        claimed.add(copy);
      }
    }
    for (let i = common; i < entries.length; i++) {
      const e = entries[i]!;
      if (assigned[i]) continue;
      const copy = this.copies.find((c) => c.key === e.key && !claimed.has(c) && c.shifts < MAX_SHIFTS);
      if (!copy) continue;
      this.ctx.seqAdd(copy.seq, copy.offset, copy.offset + copy.length, e.offset - copy.offset);
      copy.offset = e.offset;
      copy.shifts++;
      assigned[i] = copy;
      claimed.add(copy);
      blockReports[i]!.source = 'shifted';
    }
    for (const c of claimed) c.lastUsed = this.requestNo;
    // Copies outside this layout would still widen every decode of the query (llama.cpp's n_kv spans the used
    // cells; the mask hides other sequences, it does not remove their cells from the work), so they go now,
    // while their KV is one restore away in the memory or disk tier. A copy held nowhere else stays (LRU).
    for (const c of this.copies.slice()) if (!claimed.has(c) && this.recoverable(c.key)) this.evictCopy(c);

    const missing = entries.map((_, i) => i).filter((i) => !assigned[i]);
    const queryCells = ids.length - Math.max(cut, queryStart) + maxTokens + entries.reduce((n, e, i) => n + (i >= common ? Math.min(boundary, e.tokens.length) : 0), 0);
    this.makeRoom(missing.reduce((n, i) => n + entries[i]!.tokens.length, 0) + queryCells, claimed);

    // A block that appears twice is computed once; its second copy is restored after that.
    let pass = missing;
    while (pass.length > 0) {
      const toCompute: number[] = [];
      const deferred: number[] = [];
      const computing = new Set<string>();
      for (const i of pass) {
        const e = entries[i]!;
        if (computing.has(e.key)) {
          deferred.push(i);
          continue;
        }
        const seq = this.freeSeq(claimed);
        const restored = await this.restore(e, seq, blockReports[i]!);
        if (!restored) {
          toCompute.push(i);
          computing.add(e.key);
          assigned[i] = { key: e.key, seq, offset: h, length: e.tokens.length, shifts: 0, lastUsed: this.requestNo };
        } else {
          assigned[i] = restored;
        }
        this.copies.push(assigned[i]!);
        claimed.add(assigned[i]!);
      }
      try {
        await this.encode(toCompute.map((i) => ({ entry: entries[i]!, copy: assigned[i]! })), signal);
      } catch (err) {
        // A copy whose encoding did not finish holds only part of its KV: it must never be found again.
        for (const i of toCompute) this.evictCopy(assigned[i]!);
        throw err;
      }
      for (const i of toCompute) blockReports[i]!.source = 'computed';
      pass = deferred;
    }
    for (const i of missing) {
      const copy = assigned[i]!;
      const delta = entries[i]!.offset - copy.offset;
      if (delta !== 0) {
        this.ctx.seqAdd(copy.seq, copy.offset, copy.offset + copy.length, delta);
        copy.offset += delta;
        copy.shifts++;
      }
    }

    // Tag the blocks into the query sequence in order; boundary tokens are decoded there instead, attending to
    // everything placed before them.
    for (let i = common; i < entries.length; i++) {
      const e = entries[i]!;
      const copy = assigned[i]!;
      const k = Math.min(boundary, e.tokens.length);
      if (k > 0) {
        await this.decode(e.tokens.slice(0, k), e.offset, SEQ_QUERY, signal, false);
        own.push([e.offset, e.offset + k]);
        report.boundaryRecomputed += k;
        report.computedTokens += k;
      }
      if (k < e.tokens.length) this.ctx.seqCp(copy.seq, SEQ_QUERY, e.offset + k, e.offset + e.tokens.length);
      this.q.entries.push({ key: e.key, offset: e.offset, copy });
      this.q.tokens.push(...e.tokens);
      const rest = e.tokens.length - k;
      const source = blockReports[i]!.source;
      if (source === 'memory') report.reusedFromMemory += rest;
      else if (source === 'disk') report.reusedFromDisk += rest;
      else if (source === 'computed') report.computedTokens += rest;
      else report.reusedFromContext += rest;
    }
    for (let i = 0; i < common; i++) report.reusedFromContext += entries[i]!.tokens.length;
    report.blocks = blockReports;

    const from = Math.max(cut, queryStart);
    report.reusedFromContext += from - queryStart;
    const last = await this.decode(ids.slice(from), from, SEQ_QUERY, signal, true);
    own.push([from, ids.length]);
    this.q.tokens = ids.slice();
    report.computedTokens += ids.length - from;
    return last;
  }

  /** Restores a block from memory or disk into `seq` at [h, h+len); null when it must be computed. */
  private async restore(e: Entry, seq: number, block: BlockReport): Promise<Copy | null> {
    const h = this.shared.length;
    const make = (): Copy => ({ key: e.key, seq, offset: h, length: e.tokens.length, shifts: 0, lastUsed: this.requestNo });
    const fromMemory = this.memory.get(e.key);
    if (fromMemory && this.setState(seq, fromMemory, e)) {
      block.source = 'memory';
      return make();
    }
    if (!this.disk) return null;
    if (this.pendingDiskKeys.has(e.key)) await this.diskWrites;
    const read = await this.disk.read({ key: e.key, model: this.model.identity, layout: this.layout, tokenCount: e.tokens.length });
    if (read && 'rejected' in read) block.rejectedFile = read.rejected;
    if (read && 'payload' in read) {
      if (this.setState(seq, read.payload, e)) {
        this.memory.put(e.key, read.payload);
        block.source = 'disk';
        return make();
      }
      // Its checks passed, yet llama.cpp refused it: gone, so the recomputed state is written in its place.
      await this.disk.remove(e.key);
      block.rejectedFile = 'state-refused' satisfies BlockRejection;
    }
    return null;
  }

  /** A state llama.cpp refuses, or one that lands at other positions, is cleared away and recomputed. */
  private setState(seq: number, state: Buffer, e: Entry): boolean {
    const h = this.shared.length;
    try {
      this.ctx.stateSeqSet(seq, state);
      if (this.ctx.seqPosMin(seq) === h && this.ctx.seqPosMax(seq) === h + e.tokens.length - 1) return true;
    } catch (err) {
      if (!isNativeError(err, 'ERR_STATE')) throw err;
    }
    this.ctx.seqRm(seq, -1, -1);
    this.memory.delete(e.key);
    return false;
  }

  /** Encodes blocks standalone after the shared prefix, several per decode, and stores their states. */
  private async encode(items: { entry: Entry; copy: Copy }[], signal: AbortSignal | undefined): Promise<void> {
    const h = this.shared.length;
    let i = 0;
    while (i < items.length) {
      const group: typeof items = [];
      let n = 0;
      while (i < items.length && n + items[i]!.entry.tokens.length <= this.batch) {
        n += items[i]!.entry.tokens.length;
        group.push(items[i++]!);
      }
      const tokens = new Int32Array(n);
      const positions = new Int32Array(n);
      const seqIds = new Int32Array(n);
      let at = 0;
      for (const { entry, copy } of group) {
        if (h > 0) this.ctx.seqCp(SEQ_SHARED, copy.seq, 0, h);
        entry.tokens.forEach((t, j) => {
          tokens[at] = t;
          positions[at] = h + j;
          seqIds[at++] = copy.seq;
        });
      }
      if (signal?.aborted) throw new CompletionAbortedError();
      await this.ctx.decode({ tokens, positions, seqIds, logits: new Uint8Array(n) });
      for (const { entry, copy } of group) {
        if (h > 0) this.ctx.seqRm(copy.seq, 0, h);
        const state = this.ctx.stateSeqGet(copy.seq);
        this.memory.put(entry.key, state);
        this.saveToDisk(entry, state);
      }
    }
  }

  private saveToDisk(entry: Entry, state: Buffer): void {
    const disk = this.disk;
    if (!disk || disk.has(entry.key) || this.pendingDiskKeys.has(entry.key)) return;
    this.pendingDiskKeys.add(entry.key);
    const expect = { key: entry.key, model: this.model.identity, layout: this.layout, tokenCount: entry.tokens.length };
    this.diskWrites = this.diskWrites
      .then(() => disk.write(expect, state))
      // A failed write only costs a later recompute.
      .catch(() => undefined)
      .finally(() => this.pendingDiskKeys.delete(entry.key));
  }

  private async generate(
    request: CompletionRequest,
    promptIds: number[],
    lastIndex: number,
    maxTokens: number,
    report: CompletionReport,
    started: number,
    signal: AbortSignal | undefined,
  ): Promise<CompletionResult> {
    const temperature = request.temperature ?? 0;
    const k = request.logprobs ?? 0;
    const rng = new SeededRandom(request.seed ?? 0);
    const params = { temperature, topK: request.topK ?? 0, topP: request.topP ?? 1 };
    const needRow = temperature > 0 || k > 0;
    const row = new Float32Array(this.ctx.nVocab);
    const result: CompletionResult = { text: '', tokens: [], promptTokenIds: promptIds, report };
    if (request.returnPromptLogits) result.promptLogits = this.ctx.logits(lastIndex, new Float32Array(this.ctx.nVocab));
    if (k > 0) result.logprobs = [];
    const decoder = new TextDecoder();
    const stops = request.stop ?? [];
    const piece = (t: number): Uint8Array => this.llama.tokenPiece(t);
    let raw = '';
    let emitted = 0;
    let index = lastIndex;
    let pos = promptIds.length;
    let firstAt = 0;
    report.timeToFirstTokenMs = performance.now() - started;
    report.stopReason = 'maxTokens';
    while (result.tokens.length < maxTokens) {
      if (signal?.aborted) throw new CompletionAbortedError();
      let token: number;
      if (needRow) {
        this.ctx.logits(index, row);
        token = sampleToken(row, params, rng);
      } else {
        token = this.ctx.argmax(index);
      }
      if (result.tokens.length === 0) {
        firstAt = performance.now();
        report.timeToFirstTokenMs = firstAt - started;
      }
      if (this.llama.isEog(token)) {
        report.stopReason = 'eog';
        break;
      }
      result.tokens.push(token);
      if (k > 0) {
        const lp = logprobsOf(row, token, k);
        const text = (t: number): string => new TextDecoder().decode(piece(t));
        result.logprobs!.push({ token, text: text(token), logprob: lp.logprob, top: lp.top.map((x) => ({ ...x, text: text(x.token) })) });
      }
      raw += decoder.decode(piece(token), { stream: true });
      const cut = boundaryCut(raw, request.stopAt ?? 'none');
      if (cut >= 0) {
        raw = raw.slice(0, cut);
        report.stopReason = request.stopAt === 'line' ? 'line' : 'block';
        break;
      }
      const stopAt = stopCut(raw, stops);
      if (stopAt >= 0) {
        raw = raw.slice(0, stopAt);
        report.stopReason = 'stop';
        break;
      }
      // Trailing whitespace is held back: a later stop boundary may cut there; so is the start of a stop string.
      const visible = Math.min(raw.trimEnd().length, raw.length - partialStopLength(raw, stops));
      if (request.onText && visible > emitted) {
        request.onText(raw.slice(emitted, visible));
        emitted = visible;
      }
      if (result.tokens.length >= maxTokens) break;
      index = await this.decode([token], pos, SEQ_QUERY, signal, true);
      this.q!.tokens.push(token);
      this.q!.own.push([pos, pos + 1]);
      pos++;
    }
    result.text = raw + (report.stopReason === 'line' || report.stopReason === 'block' || report.stopReason === 'stop' ? '' : decoder.decode());
    if (request.onText && result.text.length > emitted) request.onText(result.text.slice(emitted));
    report.generatedTokens = result.tokens.length;
    const span = (performance.now() - firstAt) / 1000;
    report.tokensPerSecond = result.tokens.length > 1 && span > 0 ? (result.tokens.length - 1) / span : 0;
    return result;
  }
}
