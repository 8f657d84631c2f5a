// The engine's KV context and what sits in it: the shared prefix, placed block copies, the query sequence.
// It applies the plans of layout.ts: copies, free sequences, making room, eviction and recovery live here.
//
// Sequences: 0 is the query (what the cursor's tokens attend to), 1 holds the shared prefix at [0, h),
// 2.. are block copies. A block is encoded once, after the shared prefix and its document's earlier blocks,
// at its home position h + docOffset, saved without the cells it attended to, and placed by shifting its
// own sequence (RoPE re-rotation) to its offset, then tagged into the query sequence. The current layout's
// copies stay in the context between requests, so a cursor move only re-decodes the query.
import type { AddonContext } from '../../native/binding';
import type { InjectionReport, PhaseTimes } from '../../app/completion/vocabulary';
import type { BlockStore } from './blockStore';
import type { InjectionRows } from './injection';
import { chainSeqs, planBatches, planChains, planPlacement, type Chain, type CopyInfo, type LayoutBlock } from './layout';
import { CompletionAbortedError, ContextOverflowError, TooManyBlocksError, type BlockReport, type CompletionReport } from './types';

const SEQ_QUERY = 0;
const SEQ_SHARED = 1;
const FIRST_BLOCK_SEQ = 2;
/** A resident copy is re-rotated at most this often; F16 keys lose a little at every rotation. */
const MAX_SHIFTS = 2;

/** A block of this request: where it goes, and its tokens. */
export interface Entry extends LayoutBlock {
  tokens: number[];
  /** Its document's name and the block's index in it, for the report. */
  document: string;
  index: number;
}

type Copy = CopyInfo;

/** What the query sequence holds now (`ordered`: sparse blocks restored in prompt order, see `ordered`). */
interface QueryState {
  kind: 'causal' | 'sparse' | 'ordered';
  /** Token id at each position of the sequence. */
  tokens: number[];
  /** Sparse: the placed blocks in order, and the boundary they were assembled with. */
  entries: { key: string; offset: number; copy: Copy }[];
  boundary: number;
  /** Position ranges of cells that belong to the query sequence alone. */
  own: [number, number][];
  /** The rows injected while its tokens were decoded (causal only), or null: the model's own attention. */
  injected: InjectionRows | null;
}

/** A request's injection: its rows, and the report the rows written are counted into. */
export interface PromptInjection {
  rows: InjectionRows;
  report: InjectionReport;
}

export type Phase = 'documentMs' | 'queryMs' | 'samplingMs';

/** One request's prompt and what it reports into. */
export interface PromptJob {
  /** The whole prompt's token ids. */
  ids: number[];
  /** Where the query starts in `ids` (after the documents). */
  queryStart: number;
  /** Cells the generation will add after the prompt. */
  maxTokens: number;
  report: CompletionReport;
  phases: PhaseTimes;
  signal: AbortSignal | undefined;
  /** Only in a layout whose KV cells are positions (the engine's injection context, causal modes). */
  injection?: PromptInjection;
}

export const emptyPhases = (): PhaseTimes => ({ restoreMs: 0, shiftMs: 0, documentMs: 0, queryMs: 0, samplingMs: 0, promptDecodes: 0 });

function clip(ranges: [number, number][], cut: number): [number, number][] {
  return ranges.filter(([a]) => a < cut).map(([a, b]) => [a, Math.min(b, cut)] as [number, number]);
}

const cells = (ranges: [number, number][]): number => ranges.reduce((n, [a, b]) => n + b - a, 0);

export function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** The first position below `limit` whose injected rows differ (its KV, and every later one, differ too). */
export function sameRows(a: InjectionRows | null, b: InjectionRows | null, limit: number): number {
  if (a === null && b === null) return limit;
  const from = Math.min(a?.queryStart ?? limit, b?.queryStart ?? limit);
  for (let p = from; p < limit; p++) if ((a?.signature(p) ?? '') !== (b?.signature(p) ?? '')) return p;
  return limit;
}

export class KvLayout {
  private copies: Copy[] = [];
  private prefixReady = false;
  private q: QueryState | null = null;
  private requestNo = 0;

  constructor(
    readonly ctx: AddonContext,
    private readonly shared: readonly number[],
    /** Most tokens per decode call. */
    private readonly batch: number,
    private readonly store: BlockStore,
  ) {}

  get placedBlocks(): number {
    return this.copies.length;
  }

  usedCells(): number {
    return (this.prefixReady ? this.shared.length : 0) + this.copies.reduce((n, c) => n + c.length, 0) + (this.q ? cells(this.q.own) : 0);
  }

  reset(): void {
    this.ctx.clearMemory();
    this.copies = [];
    this.prefixReady = false;
    this.q = null;
  }

  /** After a failed or aborted request the query sequence and any half-built copy are in an unknown state. */
  recover(): void {
    if (this.ctx.disposed) return;
    this.ctx.seqRm(SEQ_QUERY, -1, -1);
    this.q = null;
    const live = new Set(this.copies.map((c) => c.seq));
    for (let seq = FIRST_BLOCK_SEQ; seq < this.ctx.nSeqMax; seq++) if (!live.has(seq) && this.ctx.seqPosMax(seq) >= 0) this.ctx.seqRm(seq, -1, -1);
    if (!this.prefixReady) this.ctx.seqRm(SEQ_SHARED, -1, -1);
  }

  beginRequest(): void {
    this.requestNo++;
  }

  /**
   * Decodes `tokens` at positions from `start` in one sequence, `batch` per call; returns the batch index of the
   * last token's logits. With `injection`, each call first sets the rows of its tokens (or none).
   */
  async decode(tokens: readonly number[], start: number, seq: number, signal: AbortSignal | undefined, wantLast: boolean, phases: PhaseTimes, phaseOf: (end: number) => Phase, injection?: PromptInjection): Promise<number> {
    let last = -1;
    for (let i = 0; i < tokens.length; i += this.batch) {
      if (signal?.aborted) throw new CompletionAbortedError();
      const n = Math.min(this.batch, tokens.length - i);
      const logits = new Uint8Array(n);
      if (i + n >= tokens.length && wantLast) logits[n - 1] = 1;
      // The cell of a position is the position itself: see `causal`.
      if (injection) this.ctx.setAttentionInjection(injection.rows.forBatch(start + i, n, (position) => position));
      const t0 = performance.now();
      await this.ctx.decode({
        tokens: Int32Array.from(tokens.slice(i, i + n)),
        positions: Int32Array.from({ length: n }, (_, j) => start + i + j),
        seqIds: new Int32Array(n).fill(seq),
        logits,
      });
      if (injection) injection.report.injectedRows += this.ctx.injectedRows();
      const phase = phaseOf(start + i + n);
      phases[phase] += performance.now() - t0;
      if (phase !== 'samplingMs') phases.promptDecodes++;
      last = n - 1;
    }
    return last;
  }

  /**
   * Full and prefix modes: the whole prompt in the query sequence, keeping `keep` tokens of the previous causal
   * one (those decoded with the same injected rows). With an injection, the layout holds the query sequence
   * alone, built from position 0 and cut from the end: llama.cpp then gives position p cell p (a freed tail's
   * first cell becomes the search head), which tests/model/engineInjection.test.ts checks by observing attention.
   */
  async causal(job: PromptJob, prefixReuse: boolean): Promise<number> {
    const { ids, queryStart, maxTokens, report, phases, signal, injection } = job;
    if (injection && (this.copies.length > 0 || this.prefixReady)) throw new Error('injection needs a layout that holds the query sequence alone');
    let keep = 0;
    if (prefixReuse && this.q?.kind === 'causal') {
      keep = Math.min(commonPrefix(this.q.tokens, ids), ids.length - 1);
      keep = sameRows(this.q.injected, injection?.rows ?? null, keep);
    }
    this.ctx.seqRm(SEQ_QUERY, keep, -1);
    const injected = injection?.rows ?? null;
    this.q = { kind: 'causal', tokens: ids.slice(0, keep), entries: [], boundary: 0, own: keep > 0 ? [[0, keep]] : [], injected };
    this.makeRoom(ids.length - keep + maxTokens, new Set());
    const last = await this.decode(ids.slice(keep), keep, SEQ_QUERY, signal, true, phases, (end) => (end <= queryStart ? 'documentMs' : 'queryMs'), injection);
    this.q = { kind: 'causal', tokens: ids.slice(), entries: [], boundary: 0, own: [[0, ids.length]], injected };
    report.reusedFromContext = keep;
    report.computedTokens = ids.length - keep;
    return last;
  }

  /**
   * Sparse mode for an injected request, in the injection context: the shared prefix decoded from position 0,
   * then each document in prompt order, its blocks restored from a tier (or, when one is missing, the whole
   * document computed as one causal run at its home positions, its blocks saved), shifted to its offset, then
   * the query. The layout holds nothing else and never has a gap, so llama.cpp gives each restore and each decode
   * the next cells: position p is cell p, as in `causal`. With the same blocks as the previous request, everything
   * up to the first query token that changed (or whose injected rows did) is kept.
   */
  async ordered(job: PromptJob, entries: Entry[]): Promise<number> {
    const { ids, queryStart, maxTokens, report, phases, signal, injection } = job;
    if (this.copies.length > 0 || this.prefixReady) throw new Error('the ordered layout needs a context that holds the query sequence alone');
    const h = this.shared.length;
    const prev = this.q?.kind === 'ordered' && this.q.entries.length === entries.length && this.q.entries.every((p, i) => p.key === entries[i]!.key && p.offset === entries[i]!.offset) ? this.q : null;
    let from = queryStart;
    if (prev) {
      from = Math.max(queryStart, sameRows(prev.injected, injection?.rows ?? null, Math.min(commonPrefix(prev.tokens, ids), ids.length - 1)));
      this.ctx.seqRm(SEQ_QUERY, from, -1);
      report.reusedFromContext += from;
      report.blocks = entries.map((e) => ({ document: e.document, index: e.index, tokens: e.tokens.length, position: e.offset, source: 'resident' }));
    } else {
      this.reset();
      this.makeRoom(ids.length + maxTokens, new Set());
      await this.decode(ids.slice(0, h), 0, SEQ_QUERY, signal, false, phases, () => 'documentMs');
      report.computedTokens += h;
      report.blocks = [];
      for (let first = 0; first < entries.length; ) {
        let end = first;
        while (end < entries.length && entries[end]!.doc === entries[first]!.doc) end++;
        report.blocks.push(...(await this.placeDocument(entries.slice(first, end), job)));
        first = end;
      }
    }
    this.q = { kind: 'ordered', tokens: ids.slice(0, from), entries: entries.map((e) => ({ key: e.key, offset: e.offset, copy: { seq: SEQ_QUERY, key: e.key, offset: e.offset, length: e.length, shifts: 0, lastUsed: this.requestNo } })), boundary: 0, own: [[0, from]], injected: injection?.rows ?? null };
    const last = await this.decode(ids.slice(from), from, SEQ_QUERY, signal, true, phases, () => 'queryMs', injection);
    this.q.tokens = ids.slice();
    this.q.own = [[0, ids.length]];
    report.computedTokens += ids.length - from;
    return last;
  }

  /** One document's blocks into the query sequence at their offsets, right after everything placed so far (see `ordered`). */
  private async placeDocument(blocks: Entry[], job: PromptJob): Promise<BlockReport[]> {
    const { report, phases, signal } = job;
    const h = this.shared.length;
    const start = blocks[0]!.offset;
    const length = blocks.reduce((n, e) => n + e.length, 0);
    const reports: BlockReport[] = blocks.map((e) => ({ document: e.document, index: e.index, tokens: e.tokens.length, position: e.offset, source: 'computed' }));
    const scratch = FIRST_BLOCK_SEQ;
    const docSeq = FIRST_BLOCK_SEQ + 1;
    if (blocks.every((e) => this.store.recoverable(e.key))) {
      let restored = 0;
      for (const [i, e] of blocks.entries()) {
        const home = h + e.docOffset;
        const t0 = performance.now();
        const got = await this.store.restore(this.ctx, scratch, { key: e.key, length: e.tokens.length, home });
        phases.restoreMs += performance.now() - t0;
        if (got.rejectedFile) reports[i]!.rejectedFile = got.rejectedFile;
        if (!got.source) break;
        reports[i]!.source = got.source;
        if (e.offset !== home) this.ctx.seqAdd(scratch, home, home + e.length, e.offset - home);
        this.ctx.seqCp(scratch, SEQ_QUERY, e.offset, e.offset + e.length);
        // The cells stay: the query sequence holds them now.
        this.ctx.seqRm(scratch, -1, -1);
        restored++;
      }
      if (restored === blocks.length) {
        for (const r of reports) {
          if (r.source === 'memory') report.reusedFromMemory += r.tokens;
          else report.reusedFromDisk += r.tokens;
        }
        return reports;
      }
      // A block could not be restored after all: free the document's cells (the head goes back to its start) and compute it.
      this.ctx.seqRm(scratch, -1, -1);
      this.ctx.seqRm(SEQ_QUERY, start, -1);
      reports.forEach((r) => (r.source = 'computed'));
    }
    // The document's run at its home positions, seeing the shared prefix, as the main context computes it.
    if (h > 0) this.ctx.seqCp(SEQ_QUERY, docSeq, 0, h);
    await this.decode(blocks.flatMap((e) => e.tokens), h, docSeq, signal, false, phases, () => 'documentMs');
    if (h > 0) this.ctx.seqRm(docSeq, 0, h);
    for (const e of blocks) {
      const home = h + e.docOffset;
      this.ctx.seqCp(docSeq, scratch, home, home + e.length);
      this.store.save({ key: e.key, length: e.length, home }, this.ctx.stateSeqGet(scratch));
      this.ctx.seqRm(scratch, -1, -1);
    }
    if (start !== h) this.ctx.seqAdd(docSeq, h, h + length, start - h);
    this.ctx.seqCp(docSeq, SEQ_QUERY, start, start + length);
    this.ctx.seqRm(docSeq, -1, -1);
    report.computedTokens += length;
    return reports;
  }

  /** A generated token, decoded into the query sequence (with the request's injection, if any). */
  async extend(token: number, pos: number, signal: AbortSignal | undefined, phases: PhaseTimes, injection?: PromptInjection): Promise<number> {
    const index = await this.decode([token], pos, SEQ_QUERY, signal, true, phases, () => 'samplingMs', injection);
    this.q!.tokens.push(token);
    this.q!.own.push([pos, pos + 1]);
    return index;
  }

  /** Sparse mode: plan the layout, then apply it; returns the batch index of the last prompt token's logits. */
  async sparse(job: PromptJob, entries: Entry[], boundary: number): Promise<number> {
    const { ids, queryStart, maxTokens, report, phases, signal } = job;
    const h = this.shared.length;
    const prev = this.q?.kind === 'sparse' && this.q.boundary === boundary ? this.q : null;
    const plan = planPlacement({
      blocks: entries,
      copies: this.copies,
      previous: prev ? prev.entries.map((e) => ({ key: e.key, offset: e.offset, seq: e.copy.seq })) : null,
      maxShifts: MAX_SHIFTS,
      recoverable: (key) => this.store.recoverable(key),
    });
    const { common } = plan;
    const bySeq = new Map(this.copies.map((c) => [c.seq, c]));
    const assigned: (Copy | null)[] = plan.placements.map((p) => (p.kind === 'missing' ? null : bySeq.get(p.seq)!));
    const claimed = new Set(assigned.filter((c): c is Copy => c !== null));
    const sameLayout = prev !== null && common === entries.length && common === prev.entries.length;

    // The query sequence keeps what still matches: the shared prefix, the unchanged leading blocks, and
    // (same layout) the common prefix of the query tokens.
    const cut = sameLayout ? Math.min(commonPrefix(prev.tokens, ids), ids.length - 1) : common < entries.length ? entries[common]!.offset : queryStart;
    if (!prev) {
      this.ctx.seqRm(SEQ_QUERY, -1, -1);
      this.q = null;
    } else {
      this.ctx.seqRm(SEQ_QUERY, cut, -1);
      prev.own = clip(prev.own, cut);
    }
    if (!this.prefixReady) {
      this.makeRoom(h, claimed);
      await this.decode(this.shared, 0, SEQ_SHARED, signal, false, phases, () => 'documentMs');
      this.prefixReady = true;
      report.computedTokens += h;
    } else {
      report.reusedFromContext += h;
    }
    if (!prev && h > 0) this.ctx.seqCp(SEQ_SHARED, SEQ_QUERY, 0, h);
    const own: [number, number][] = prev ? prev.own : [];
    const q: QueryState = { kind: 'sparse', tokens: ids.slice(0, prev ? cut : h), entries: prev ? prev.entries.slice(0, common) : [], boundary, own, injected: null };
    this.q = q;

    const blockReports: BlockReport[] = entries.map((e) => ({ document: e.document, index: e.index, tokens: e.tokens.length, position: e.offset, source: 'resident' }));
    let t0 = performance.now();
    plan.placements.forEach((p, i) => {
      if (p.kind !== 'shifted') return;
      this.shift(assigned[i]!, p.delta);
      blockReports[i]!.source = 'shifted';
    });
    phases.shiftMs += performance.now() - t0;
    for (const c of claimed) c.lastUsed = this.requestNo;
    for (const seq of plan.evict) this.evictCopy(bySeq.get(seq)!);

    const missing = entries.map((_, i) => i).filter((i) => !assigned[i]);
    const queryCells = ids.length - Math.max(cut, queryStart) + maxTokens + entries.reduce((n, e, i) => n + (i >= common ? Math.min(boundary, e.tokens.length) : 0), 0);
    this.makeRoom(missing.reduce((n, i) => n + entries[i]!.tokens.length, 0) + queryCells, claimed);

    await this.fill(job, entries, missing, assigned, claimed, blockReports);
    t0 = performance.now();
    // Restored and computed copies sit at their home positions: each moves to its offset.
    for (let i = common; i < entries.length; i++) this.shift(assigned[i]!, entries[i]!.offset - assigned[i]!.offset);
    phases.shiftMs += performance.now() - t0;

    // Tag the blocks into the query sequence in order; boundary tokens are decoded there instead, attending to
    // everything placed before them.
    for (let i = common; i < entries.length; i++) {
      const e = entries[i]!;
      const copy = assigned[i]!;
      const k = Math.min(boundary, e.tokens.length);
      if (k > 0) {
        await this.decode(e.tokens.slice(0, k), e.offset, SEQ_QUERY, signal, false, phases, () => 'queryMs');
        own.push([e.offset, e.offset + k]);
        report.boundaryRecomputed += k;
        report.computedTokens += k;
      }
      if (k < e.tokens.length) this.ctx.seqCp(copy.seq, SEQ_QUERY, e.offset + k, e.offset + e.tokens.length);
      q.entries.push({ key: e.key, offset: e.offset, copy });
      q.tokens.push(...e.tokens);
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
    const last = await this.decode(ids.slice(from), from, SEQ_QUERY, signal, true, phases, () => 'queryMs');
    own.push([from, ids.length]);
    q.tokens = ids.slice();
    report.computedTokens += ids.length - from;
    return last;
  }

  /**
   * Brings the missing blocks into the context at their home positions: restored where a tier holds them,
   * else computed. A block that appears twice is computed once; its second copy is restored in the next pass
   * (so is the rest of that document, which attends to it).
   */
  private async fill(job: PromptJob, entries: Entry[], missing: number[], assigned: (Copy | null)[], claimed: Set<Copy>, blockReports: BlockReport[]): Promise<void> {
    const h = this.shared.length;
    let pass = missing;
    while (pass.length > 0) {
      const compute = new Set<number>();
      const deferred: number[] = [];
      const computing = new Set<string>();
      const waiting = new Set<number>();
      for (const i of pass) {
        const e = entries[i]!;
        if (computing.has(e.key)) {
          deferred.push(i);
          waiting.add(e.doc);
          continue;
        }
        const seq = this.freeSeq(claimed);
        const t0 = performance.now();
        const restored = await this.store.restore(this.ctx, seq, { key: e.key, length: e.tokens.length, home: h + e.docOffset });
        job.phases.restoreMs += performance.now() - t0;
        if (restored.rejectedFile) blockReports[i]!.rejectedFile = restored.rejectedFile;
        if (restored.source) {
          assigned[i] = this.addCopy(e, seq, claimed);
          blockReports[i]!.source = restored.source;
        } else if (waiting.has(e.doc)) {
          deferred.push(i);
        } else {
          compute.add(i);
          computing.add(e.key);
        }
      }
      await this.compute(entries, compute, assigned, claimed, blockReports, job.phases, job.signal);
      pass = deferred;
    }
  }

  /**
   * Computes blocks as one causal run per document (layout.ts), at their home positions: each run sees the
   * shared prefix and its document's earlier blocks; each block's state is saved without them.
   */
  private async compute(entries: Entry[], todo: ReadonlySet<number>, assigned: (Copy | null)[], claimed: Set<Copy>, reports: BlockReport[], phases: PhaseTimes, signal: AbortSignal | undefined): Promise<void> {
    if (todo.size === 0) return;
    const h = this.shared.length;
    const home = (i: number): number => h + entries[i]!.docOffset;
    const compute = new Set(todo);
    const helpers = new Map<number, Copy>();
    let chains: Chain[];
    // An earlier block whose copy is not at its home position is restored there for the run; one that no
    // tier holds is computed with it.
    for (;;) {
      chains = planChains({ blocks: entries, shared: h, compute, copyOffset: assigned.map((c) => c?.offset ?? null) });
      const need = chains.flatMap((c) => c.before).filter((b) => b.from === 'helper' && !helpers.has(b.block));
      let failed: number | null = null;
      for (const { block } of need) {
        const e = entries[block]!;
        this.makeRoom(e.tokens.length, claimed);
        const seq = this.freeSeq(claimed);
        const t0 = performance.now();
        const restored = await this.store.restore(this.ctx, seq, { key: e.key, length: e.tokens.length, home: home(block) });
        phases.restoreMs += performance.now() - t0;
        if (!restored.source) {
          failed = block;
          break;
        }
        helpers.set(block, this.addCopy(e, seq, claimed));
      }
      if (failed === null) break;
      compute.add(failed);
    }
    const run = chains.flatMap((c) => c.blocks);
    for (const i of run) {
      // A block inside a run is computed again even where a copy served it (see planChains).
      if (assigned[i]) {
        claimed.delete(assigned[i]!);
        this.evictCopy(assigned[i]!);
      }
      assigned[i] = this.addCopy(entries[i]!, this.freeSeq(claimed), claimed);
    }
    try {
      for (const chain of chains) {
        for (const i of chain.blocks) {
          const seq = assigned[i]!.seq;
          if (h > 0) this.ctx.seqCp(SEQ_SHARED, seq, 0, h);
          for (const b of chain.before) {
            const src = b.from === 'copy' ? assigned[b.block]! : helpers.get(b.block)!;
            this.ctx.seqCp(src.seq, seq, src.offset, src.offset + src.length);
          }
        }
      }
      const chainOf = new Map(chains.flatMap((c) => c.blocks.map((i) => [i, c] as const)));
      for (const call of planBatches(chains, entries, this.batch)) {
        const tokens: number[] = [];
        const positions: number[] = [];
        const nSeqIds: number[] = [];
        const seqIds: number[] = [];
        for (const { block, start, end } of call) {
          const seqs = chainSeqs(chainOf.get(block)!, block).map((i) => assigned[i]!.seq);
          for (let t = start; t < end; t++) {
            tokens.push(entries[block]!.tokens[t]!);
            positions.push(home(block) + t);
            nSeqIds.push(seqs.length);
            seqIds.push(...seqs);
          }
        }
        if (signal?.aborted) throw new CompletionAbortedError();
        const t0 = performance.now();
        await this.ctx.decode({ tokens: Int32Array.from(tokens), positions: Int32Array.from(positions), nSeqIds: Int32Array.from(nSeqIds), seqIds: Int32Array.from(seqIds), logits: new Uint8Array(tokens.length) });
        phases.documentMs += performance.now() - t0;
        phases.promptDecodes++;
      }
    } catch (err) {
      // A copy whose encoding did not finish holds only part of its KV: it must never be found again.
      for (const i of run) this.evictCopy(assigned[i]!);
      for (const helper of helpers.values()) this.evictCopy(helper);
      throw err;
    }
    for (const i of run) {
      const copy = assigned[i]!;
      if (home(i) > 0) this.ctx.seqRm(copy.seq, 0, home(i));
      this.store.save({ key: copy.key, length: copy.length, home: home(i) }, this.ctx.stateSeqGet(copy.seq));
      reports[i]!.source = 'computed';
    }
    for (const helper of helpers.values()) {
      claimed.delete(helper);
      this.evictCopy(helper);
    }
  }

  private addCopy(e: Entry, seq: number, claimed: Set<Copy>): Copy {
    const copy: Copy = { key: e.key, seq, offset: this.shared.length + e.docOffset, length: e.tokens.length, shifts: 0, lastUsed: this.requestNo };
    this.copies.push(copy);
    claimed.add(copy);
    return copy;
  }

  private shift(copy: Copy, delta: number): void {
    if (delta === 0) return;
    this.ctx.seqAdd(copy.seq, copy.offset, copy.offset + copy.length, delta);
    copy.offset += delta;
    copy.shifts++;
  }

  /** Evicts least recently used copies outside `keep` until `extra` more cells fit. */
  private makeRoom(extra: number, keep: Set<Copy>): void {
    const victims = this.copies.filter((c) => !keep.has(c)).sort((a, b) => a.lastUsed - b.lastUsed);
    while (this.usedCells() + extra > this.ctx.nCtx && victims.length > 0) this.evictCopy(victims.shift()!);
    if (this.usedCells() + extra > this.ctx.nCtx) throw new ContextOverflowError(this.usedCells() + extra, this.ctx.nCtx);
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
}
