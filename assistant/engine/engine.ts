// The completion engine: one model, one kv_unified context, document blocks placed by sequence sharing.
// The context and its layout (sequences, block copies, making room) are kvLayout.ts's; where a block's KV
// lives outside the context is blockStore.ts's; this file loads the model, builds prompts and generates.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isNativeError, loadAddon, type AddonContext, type AddonModel, type ContextOptions, type KvCacheType } from '../../native/binding';
import { GgufFormatError, readGgufHeader } from '../gguf/header';
import { documentTokens, detectFormat, healsByDefault, queryPrompt, sharedPrefixTokens, splitBlocks, type PromptFormat } from './format';
import { HealingConstraint, TokenPieceIndex } from './healing';
import { boundaryCut, logprobsOf, partialStopLength, sampleToken, SeededRandom, stopCut } from './sampling';
import { BlockStore } from './blockStore';
import { emptyPhases, KvLayout, type Entry, type PromptInjection } from './kvLayout';
import { analysisInPrompt, checkHeads, HeadProfileReader, InjectionRows, locate, promptChars, reportEdges } from './injection';
import { UseDefAnalyzer, type PromptSpan, type UseDefResult } from '../analysis';
import type { HeadChoice } from '../heads/profile';
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
  type CacheStats,
  type CompletionEngine,
  type CompletionMode,
  type CompletionReport,
  type CompletionRequest,
  type CompletionResult,
  type EngineOptions,
  type ModelDescription,
} from './types';

/** llama.cpp's hard cap on sequences; it also needs nSeqMax <= nBatch. */
const N_SEQ_MAX = 256;
const MAX_LOGPROBS = 20;
/** gpuLayers meaning "all of them". */
const ALL_LAYERS = 999;
const TOKENIZE_MEMO = 256;
/** Smallest context the engine creates; it grows (in powers of two, up to `contextSize`) as prompts need. */
export const MIN_CONTEXT = 1024;

/**
 * Cells of the context for a request needing `needed` cells: a power of two, at least MIN_CONTEXT, at most
 * `max`. llama.cpp re-rotates every cell of the context at each RoPE shift, so a context sized to the prompt
 * keeps shifts cheap where `contextSize` is large (64k on a GPU for a 4k prompt).
 */
export function contextCellsFor(needed: number, max: number): number {
  let cells = MIN_CONTEXT;
  while (cells < needed) cells *= 2;
  return Math.min(cells, max);
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
export async function modelIdentity(file: string, stat: fs.Stats, cacheDir: string | null): Promise<string> {
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
  /** The model with `cells` KV cells: the main context at its largest, plus the injection context once made. */
  const neededBytes = (cells: number): number => stat.size + kvPerToken * cells;
  if (neededBytes(nCtx) > limit) {
    model.dispose();
    throw new ModelTooLargeError(options.modelPath, neededBytes(nCtx), limit);
  }
  try {
    const batch = Math.min(options.batchSize ?? 512, nCtx);
    // `attentionHook`: the injection context (non-flash attention, where the softmax rows can be replaced).
    const newContext = (cells: number, attentionHook = false): Promise<AddonContext> => {
      // The injection context lives beside the main one: an injected request it would not fit is refused.
      if (attentionHook && neededBytes(nCtx + cells) > limit) {
        return Promise.reject(new ModelTooLargeError(options.modelPath, neededBytes(nCtx + cells), limit, 'with its KV cache and the injection context'));
      }
      // The engine never sends more than `batch` tokens per decode; the context's nBatch is only raised so
      // that it allows enough sequences (llama.cpp requires nSeqMax <= nBatch).
      const nBatch = Math.min(Math.max(batch, N_SEQ_MAX), cells);
      const params: ContextOptions = {
        nCtx: cells,
        nBatch,
        nUbatch: Math.min(batch, 512),
        nSeqMax: Math.min(N_SEQ_MAX, nBatch),
        typeK,
        typeV,
        flashAttention: attentionHook ? 'disabled' : (options.flashAttention ?? 'auto'),
        ...(attentionHook ? { attentionHook } : {}),
        ...(options.threads ? { threads: options.threads, threadsBatch: options.threads } : {}),
      };
      return model.createContext(params);
    };
    const ctx = await newContext(contextCellsFor(0, nCtx));
    const cacheDir = options.cacheDir ? path.resolve(options.cacheDir) : null;
    if (cacheDir) await fsp.mkdir(cacheDir, { recursive: true, mode: BLOCK_DIR_MODE });
    const identity = await modelIdentity(options.modelPath, stat, cacheDir);
    const disk = cacheDir ? await DiskTier.open(cacheDir, options.diskBudgetBytes ?? 2 * 2 ** 30) : null;
    // llama.cpp pads a context to a multiple of 256 cells: that many are usable.
    return new Engine(model, ctx, newContext, Math.ceil(nCtx / 256) * 256, options, identity, disk, batch);
  } catch (err) {
    model.dispose();
    throw err;
  }
}

class Engine implements CompletionEngine {
  readonly model: ModelDescription;
  private readonly format: PromptFormat;
  private readonly shared: number[];
  private readonly blockTokens: number;
  private readonly store: BlockStore;
  private readonly tokenMemo = new Map<string, number[]>();
  private kv: KvLayout;
  /** Key prefix of every block: model, KV layout and shared prefix. */
  private readonly keyBase: string;
  /** The same for blocks encoded in the injection context (no flash attention: V is stored transposed). */
  private readonly injectionKeyBase: string;
  private readonly injectionStore: BlockStore;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  /** Injected requests run here, causally, where KV cells are positions; made on the first one. */
  private injectionKv: KvLayout | null = null;
  private analyzer: Promise<UseDefAnalyzer | null> | null = null;
  private readonly profiles: HeadProfileReader;
  private readonly pieces = new Map<number, Uint8Array>();
  /** For token healing; built on the first request that heals (a pass over the vocabulary). */
  private pieceIndex: TokenPieceIndex | null = null;

  constructor(
    private readonly llama: AddonModel,
    ctx: AddonContext,
    private readonly newContext: (cells: number, attentionHook?: boolean) => Promise<AddonContext>,
    /** Most cells a context may have (`contextSize`). */
    private readonly maxCells: number,
    options: EngineOptions,
    identity: string,
    disk: DiskTier | null,
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
    const layoutOf = (flashAttention: string): string => [
      `k=${ctx.typeK}`, `v=${ctx.typeV}`, `fa=${flashAttention}`, `gpu=${String(options.gpu ?? false)}`,
      `L=${info.nLayer}`, `E=${info.nEmbd}`, `H=${info.nHead}/${info.nHeadKv}`, `vocab=${vocab.nVocab}`,
    ].join(',');
    const layout = layoutOf(ctx.flashAttention);
    this.blockTokens = Math.min(options.blockTokens ?? 256, batch);
    this.store = new BlockStore(new MemoryTier(options.memoryBudgetBytes ?? 256 * 2 ** 20), disk, identity, layout);
    this.kv = new KvLayout(ctx, this.shared, batch, this.store);
    this.profiles = new HeadProfileReader(options.cacheDir ? path.resolve(options.cacheDir) : null, identity);
    // Version 2: a block's KV depends on its document's earlier blocks (chained), not on the prefix alone.
    const keyBase = (kvLayout: string): string =>
      createHash('sha256').update(`steerway-kv-block/2|${identity}|${kvLayout}|`).update(new Uint8Array(Int32Array.from(this.shared).buffer)).digest('hex');
    this.keyBase = keyBase(layout);
    // The injection context's blocks share the tiers; their keys differ unless the main context runs without flash attention too.
    const injectionLayout = layoutOf('disabled');
    this.injectionKeyBase = keyBase(injectionLayout);
    this.injectionStore = new BlockStore(this.store.memory, disk, identity, injectionLayout);
  }

  private get ctx(): AddonContext {
    return this.kv.ctx;
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
      memoryBytes: this.store.memory.bytes,
      memoryBlocks: this.store.memory.size,
      diskBytes: this.store.disk?.bytes ?? 0,
      diskBlocks: this.store.disk?.size ?? 0,
      placedBlocks: this.kv.placedBlocks,
      contextCells: this.kv.usedCells(),
      contextSize: this.ctx.nCtx,
    };
  }

  resetContext(): Promise<void> {
    // In the queue, like a request, so it never runs in the middle of one.
    const run = this.queue.then(() => {
      if (this.disposed) return;
      this.kv.reset();
      this.injectionKv?.reset();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async flushDisk(): Promise<void> {
    await this.queue;
    await this.store.flush();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.ctx.abort();
    this.injectionKv?.ctx.abort();
    await this.queue;
    await this.store.flush();
    this.ctx.dispose();
    this.injectionKv?.ctx.dispose();
    (await this.analyzer)?.dispose();
    this.llama.dispose();
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

  /** A block's key covers everything its KV saw: model, layout, shared prefix (keyBase), the earlier blocks' key, its tokens. */
  private blockKey(before: string, tokens: readonly number[]): string {
    return createHash('sha256').update(`${before}|`).update(new Uint8Array(Int32Array.from(tokens).buffer)).digest('hex');
  }

  private prompt(request: CompletionRequest, keyBase = this.keyBase): { entries: Entry[]; query: number[]; healed: string } {
    const entries: Entry[] = [];
    let offset = this.shared.length;
    (request.documents ?? []).forEach((doc, docIndex) => {
      if (typeof doc?.name !== 'string' || typeof doc.text !== 'string') throw new InvalidRequestError('each document needs a string name and text');
      let key = keyBase;
      let docOffset = 0;
      splitBlocks(this.docTokens(doc.name, doc.text), this.blockTokens).forEach((tokens, index) => {
        key = this.blockKey(key, tokens);
        entries.push({ key, tokens, length: tokens.length, offset, doc: docIndex, docOffset, document: doc.name, index });
        offset += tokens.length;
        docOffset += tokens.length;
      });
    });
    if (typeof request.prefix !== 'string') throw new InvalidRequestError('prefix must be a string');
    const healing = (request.tokenHealing ?? healsByDefault(this.format)) ? (this.pieceIndex ??= new TokenPieceIndex(this.llama)) : null;
    const { tokens: query, healed } = queryPrompt(this.llama, this.format, request.prefix, request.suffix ?? '', request.fileName, healing);
    if (query.length === 0) throw new InvalidRequestError('nothing to complete: the prefix is empty');
    return { entries, query, healed };
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
    if (r.tokenHealing !== undefined && typeof r.tokenHealing !== 'boolean') throw new InvalidRequestError('tokenHealing must be true or false');
    if (r.stop !== undefined && !(Array.isArray(r.stop) && r.stop.every((x) => typeof x === 'string' && x.length > 0))) throw new InvalidRequestError('stop must be a list of non-empty strings');
  }

  private async run(request: CompletionRequest): Promise<CompletionResult> {
    if (this.disposed) throw new EngineDisposedError();
    this.validate(request);
    const started = performance.now();
    const mode: CompletionMode = request.mode ?? DEFAULT_COMPLETION_MODE;
    const maxTokens = request.maxTokens ?? 64;
    const notes = this.format.name === 'plain-prefix' ? [this.format.note] : [];
    const heads = this.injectedHeads(request, notes);
    const { entries, query, healed } = this.prompt(request, heads.length > 0 ? this.injectionKeyBase : this.keyBase);
    const promptIds = [...this.shared, ...entries.flatMap((e) => e.tokens), ...query];
    const needed = promptIds.length + maxTokens;
    if (needed > this.maxCells) throw new ContextOverflowError(needed, this.maxCells);
    if (heads.length > 0 && mode === 'sparse' && (request.boundary ?? 0) > 0) notes.push('attention injection: boundary recompute is not applied (blocks are restored as they are)');
    let kv: KvLayout;
    if (heads.length > 0) {
      kv = await this.injectionLayout(needed);
    } else {
      // Room for the request and, while a run of blocks is computed, copies of its document's earlier blocks.
      const largestDocument = Math.max(0, ...entries.map((e) => e.docOffset + e.length));
      await this.fitContext(needed + largestDocument);
      kv = this.kv;
    }
    const signal = request.signal;
    if (signal?.aborted) throw new CompletionAbortedError();
    const onAbort = (): void => kv.ctx.abort();
    signal?.addEventListener('abort', onAbort);
    kv.beginRequest();
    const phases = emptyPhases();
    const report: CompletionReport = {
      mode,
      format: this.format.name,
      notes,
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
      phases,
      ...(healed ? { healedText: healed } : {}),
    };
    let injection: PromptInjection | undefined;
    try {
      const queryStart = promptIds.length - query.length;
      injection = heads.length > 0 ? await this.injection(request, heads, entries, promptIds, queryStart, maxTokens, notes, healed) : undefined;
      if (injection) report.injection = injection.report;
      const job = { ids: promptIds, queryStart, maxTokens, report, phases, signal, ...(injection ? { injection } : {}) };
      let lastIndex: number;
      if (injection && mode === 'sparse') lastIndex = await kv.ordered(job, entries);
      else lastIndex = mode === 'sparse' ? await kv.sparse(job, entries, request.boundary ?? 0) : await kv.causal(job, mode === 'prefix');
      report.promptMs = performance.now() - started;
      const healing = healed && this.pieceIndex ? new HealingConstraint(this.pieceIndex, healed) : null;
      const result = await this.generate(kv, request, promptIds, lastIndex, maxTokens, report, started, signal, injection, healing);
      report.totalMs = performance.now() - started;
      return result;
    } catch (err) {
      kv.recover();
      if (signal?.aborted || isNativeError(err, 'ERR_ABORTED')) throw new CompletionAbortedError();
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // The rows are keyed by batch index: left set, they would land on the next request's tokens.
      if (heads.length > 0 && !kv.ctx.disposed) kv.ctx.setAttentionInjection(null);
    }
  }

  /** The heads a request injects (none without `inject`); a bad list is refused, `auto` without a profile says so. */
  private injectedHeads(request: CompletionRequest, notes: string[]): HeadChoice[] {
    const { inject } = request;
    if (inject === undefined) return [];
    const { nLayer, nHead } = this.llama.info;
    if (inject === 'auto') {
      const auto = this.profiles.autoHeads(nLayer, nHead);
      if (auto.note) notes.push(auto.note);
      return auto.heads;
    }
    if (!Array.isArray(inject)) throw new InvalidRequestError("inject must be 'auto' or a list of { layer, head, pattern }");
    return checkHeads(inject, nLayer, nHead);
  }

  /** The injection context, grown (a power of two, up to `contextSize`) to `cells`; a new one starts empty. */
  private async injectionLayout(cells: number): Promise<KvLayout> {
    const size = contextCellsFor(cells, this.maxCells);
    if (this.injectionKv && size <= this.injectionKv.ctx.nCtx) return this.injectionKv;
    const ctx = await this.newContext(size, true);
    this.injectionKv?.ctx.dispose();
    this.injectionKv = new KvLayout(ctx, this.shared, this.batch, this.injectionStore);
    return this.injectionKv;
  }

  private piece(token: number): Uint8Array {
    let piece = this.pieces.get(token);
    if (!piece) this.pieces.set(token, (piece = this.llama.tokenPiece(token)));
    return piece;
  }

  /**
   * The request's analysis (documents cached by content hash in the analyzer) mapped to the prompt's tokens,
   * and each chosen head's rows from it.
   */
  private async injection(request: CompletionRequest, heads: HeadChoice[], entries: Entry[], ids: number[], queryStart: number, maxTokens: number, notes: string[], healed: string): Promise<PromptInjection> {
    const analyzer = await (this.analyzer ??= UseDefAnalyzer.create().catch(() => null));
    const cursorFile = request.fileName ?? '';
    const { text, starts } = promptChars(ids.map((t) => this.piece(t)));
    let result: UseDefResult | null = null;
    if (analyzer) {
      const documents = (request.documents ?? []).map((d) => ({ file: d.name, text: d.text }));
      result = analyzer.analyze({ file: cursorFile, prefix: request.prefix, suffix: request.suffix ?? '' }, documents);
    } else {
      notes.push('attention injection: the use-def analysis is unavailable (its grammars did not load): use-def, induction and bracket heads inject no rows');
    }
    const spans = this.spans(request, entries, ids, queryStart, text, starts, healed);
    const rows = new InjectionRows(heads, analysisInPrompt(result, spans, starts), queryStart, ids.length + maxTokens);
    return { rows, report: { heads: heads.map((h) => ({ ...h })), ...reportEdges(result, cursorFile), injectedRows: 0 } };
  }

  /**
   * Where the analysed texts sit in the prompt's characters; a text the tokenizer did not give back as it is is left
   * out. The prompt shows the prefix less its `healed` end (the answer writes that again).
   */
  private spans(request: CompletionRequest, entries: Entry[], ids: number[], queryStart: number, text: string, starts: number[], healed: string): PromptSpan[] {
    const charAt = (token: number): number => (token < starts.length ? starts[token]! : text.length);
    const spans: PromptSpan[] = [];
    (request.documents ?? []).forEach((doc, d) => {
      const blocks = entries.filter((e) => e.doc === d);
      if (blocks.length === 0) return;
      const last = blocks.at(-1)!;
      const header = `${doc.name}\n`;
      const at = text.indexOf(header + doc.text, charAt(blocks[0]!.offset));
      if (at >= 0 && at + header.length + doc.text.length <= charAt(last.offset + last.length)) spans.push({ file: doc.name, start: 0, end: doc.text.length, promptStart: at + header.length });
    });
    const file = request.fileName ?? '';
    const prefix = request.prefix.slice(0, request.prefix.length - healed.length);
    const suffix = request.suffix ?? '';
    const { fim } = this.format;
    if (fim.prefix === null || fim.suffix === null) {
      // plain-prefix: the prompt ends with the prefix; the suffix is not shown.
      if (text.endsWith(prefix)) spans.push({ file, start: 0, end: prefix.length, promptStart: text.length - prefix.length });
      return spans;
    }
    const query = ids.slice(queryStart);
    const p = locate(text, prefix, charAt(queryStart + query.indexOf(fim.prefix) + 1));
    const s = locate(text, suffix, charAt(queryStart + query.indexOf(fim.suffix) + 1));
    if (p !== null) spans.push({ file, start: 0, end: prefix.length, promptStart: p });
    if (s !== null) spans.push({ file, start: request.prefix.length, end: request.prefix.length + suffix.length, promptStart: s });
    return spans;
  }

  /**
   * Grows the context (a power of two, up to `contextSize`) when a request needs more cells than it has. The
   * new context starts empty: placed blocks come back from the memory or disk tier.
   */
  private async fitContext(cells: number): Promise<void> {
    const size = contextCellsFor(cells, this.maxCells);
    if (size <= this.ctx.nCtx) return;
    const ctx = await this.newContext(size);
    this.ctx.dispose();
    this.kv = new KvLayout(ctx, this.shared, this.batch, this.store);
  }

  private async generate(
    kv: KvLayout,
    request: CompletionRequest,
    promptIds: number[],
    lastIndex: number,
    maxTokens: number,
    report: CompletionReport,
    started: number,
    signal: AbortSignal | undefined,
    injection: PromptInjection | undefined,
    healing: HealingConstraint | null,
  ): Promise<CompletionResult> {
    const { ctx } = kv;
    const temperature = request.temperature ?? 0;
    const k = request.logprobs ?? 0;
    const rng = new SeededRandom(request.seed ?? 0);
    const params = { temperature, topK: request.topK ?? 0, topP: request.topP ?? 1 };
    const needRow = temperature > 0 || k > 0;
    const row = new Float32Array(ctx.nVocab);
    const result: CompletionResult = { text: '', tokens: [], promptTokenIds: promptIds, report };
    if (request.returnPromptLogits) result.promptLogits = ctx.logits(lastIndex, new Float32Array(ctx.nVocab));
    if (k > 0) result.logprobs = [];
    const decoder = new TextDecoder();
    const stops = request.stop ?? [];
    const piece = (t: number): Uint8Array => this.llama.tokenPiece(t);
    let raw = '';
    let emitted = 0;
    let index = lastIndex;
    let pos = promptIds.length;
    let firstAt = 0;
    const phases = report.phases!;
    const generating = performance.now();
    report.timeToFirstTokenMs = generating - started;
    report.stopReason = 'maxTokens';
    while (result.tokens.length < maxTokens) {
      if (signal?.aborted) throw new CompletionAbortedError();
      let token: number;
      if (healing?.active) {
        // Only tokens that write the healed text again; the row stays the model's for the log-probabilities.
        ctx.logits(index, row);
        if (temperature > 0) {
          const allowed = Float32Array.from(row);
          healing.mask(allowed);
          token = sampleToken(allowed, params, rng);
        } else {
          token = healing.pick(row);
        }
      } else if (needRow) {
        ctx.logits(index, row);
        token = sampleToken(row, params, rng);
      } else {
        token = ctx.argmax(index);
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
      raw += decoder.decode(healing ? healing.accept(token, piece(token)) : piece(token), { stream: true });
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
      index = await kv.extend(token, pos, signal, phases, injection);
      pos++;
    }
    result.text = raw + (report.stopReason === 'line' || report.stopReason === 'block' || report.stopReason === 'stop' ? '' : decoder.decode());
    if (request.onText && result.text.length > emitted) request.onText(result.text.slice(emitted));
    report.generatedTokens = result.tokens.length;
    // Sampling and the generated tokens' decodes, together.
    phases.samplingMs = performance.now() - generating;
    const span = (performance.now() - firstAt) / 1000;
    report.tokensPerSecond = result.tokens.length > 1 && span > 0 ? (result.tokens.length - 1) / span : 0;
    return result;
  }
}
