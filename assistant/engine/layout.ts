// The KV layout of a sparse request, planned without llama.cpp: data in, plan out (issue 15.3).
//
// A prompt is [shared prefix][document blocks...][query]. Every block of a document is encoded once, after
// the shared prefix and the blocks before it in its own document, at its "home" position
// shared + docOffset; a request places it at its offset in the prompt by a RoPE shift. `planPlacement` says
// which copies already in the context serve which blocks (as they are, or shifted), which blocks are
// missing (restored from a tier or computed) and which copies go; `planChains` groups the blocks to compute
// into one causal run per document, with the earlier blocks each run must see; `planBatches` cuts the runs
// into decode calls. KvLayout (kvLayout.ts) applies the plans.

export interface LayoutBlock {
  key: string;
  /** Tokens in the block. */
  length: number;
  /** First position of the block in the prompt. */
  offset: number;
  /** Which document of the request it belongs to (0, 1, ...); a document's blocks are consecutive. */
  doc: number;
  /** Tokens of its document before it: the block is encoded at `shared + docOffset`. */
  docOffset: number;
}

/** A block copy placed in the context: its own sequence, at `offset`. */
export interface CopyInfo {
  seq: number;
  key: string;
  offset: number;
  length: number;
  /** RoPE re-rotations since it was encoded or restored. */
  shifts: number;
  lastUsed: number;
}

export interface PlacementInput {
  blocks: readonly LayoutBlock[];
  copies: readonly CopyInfo[];
  /** The blocks the query sequence holds from the previous sparse request (same boundary), or null. */
  previous: readonly { key: string; offset: number; seq: number }[] | null;
  /** A copy is re-rotated at most this often; after that it is restored afresh. */
  maxShifts: number;
  /** Whether a tier (memory, disk) holds the block's KV. */
  recoverable: (key: string) => boolean;
}

/**
 * `kept`: already in the query sequence; `resident`: a copy at this offset; `shifted`: a copy moved by
 * `delta`; `missing`: restore or compute.
 */
export type Placement = { kind: 'kept' | 'resident'; seq: number } | { kind: 'shifted'; seq: number; delta: number } | { kind: 'missing' };

export interface PlacementPlan {
  /** Leading blocks the query sequence keeps as they are. */
  common: number;
  placements: Placement[];
  /** Sequences of copies outside this layout whose KV a tier holds: dropped before the query is decoded. */
  evict: number[];
}

/**
 * Which copies serve which blocks. Exact copies are claimed before shifted ones, so a later block's
 * resident copy is not moved away by an earlier block with the same key.
 */
export function planPlacement(input: PlacementInput): PlacementPlan {
  const { blocks, copies, previous } = input;
  let common = 0;
  if (previous) {
    while (common < blocks.length && common < previous.length && previous[common]!.key === blocks[common]!.key && previous[common]!.offset === blocks[common]!.offset) common++;
  }
  const claimed = new Set<number>();
  const placements: Placement[] = blocks.map((_, i) => {
    if (i >= common) return { kind: 'missing' };
    claimed.add(previous![i]!.seq);
    return { kind: 'kept', seq: previous![i]!.seq };
  });
  for (let i = common; i < blocks.length; i++) {
    const b = blocks[i]!;
    const copy = copies.find((c) => c.key === b.key && c.offset === b.offset && !claimed.has(c.seq));
    if (!copy) continue;
    placements[i] = { kind: 'resident', seq: copy.seq };
    claimed.add(copy.seq);
  }
  for (let i = common; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (placements[i]!.kind !== 'missing') continue;
    const copy = copies.find((c) => c.key === b.key && !claimed.has(c.seq) && c.shifts < input.maxShifts);
    if (!copy) continue;
    placements[i] = { kind: 'shifted', seq: copy.seq, delta: b.offset - copy.offset };
    claimed.add(copy.seq);
  }
  // A copy outside the layout would still widen every decode of the query (llama.cpp's n_kv spans the used
  // cells; the mask hides other sequences, it does not remove their cells from the work): it goes while its
  // KV is one restore away. A copy held nowhere else stays until room is needed (least recently used first).
  const evict = copies.filter((c) => !claimed.has(c.seq) && input.recoverable(c.key)).map((c) => c.seq);
  return { common, placements, evict };
}

/** One document's blocks computed as one causal run. */
export interface Chain {
  doc: number;
  /** Consecutive blocks of the document, in order. */
  blocks: number[];
  /**
   * The document's blocks before the run, which it attends to at their home positions: `copy` when the
   * block's copy is there already, `helper` when a copy must be restored there for the run (then dropped).
   */
  before: { block: number; from: 'copy' | 'helper' }[];
}

export interface ChainInput {
  blocks: readonly LayoutBlock[];
  /** Length of the shared prefix: a block's home position is shared + docOffset. */
  shared: number;
  /** Blocks whose KV must be computed. */
  compute: ReadonlySet<number>;
  /** First position of each block's copy in the context now, or null when it has none. */
  copyOffset: readonly (number | null)[];
}

/**
 * A document's blocks to compute become one run from the first to the last of them (a block in between is
 * computed again rather than stitched in: keys chain, so blocks after a changed one change too and the gap
 * is rare). The run's earlier blocks are read where their copy sits at its home position, else restored there.
 */
export function planChains(input: ChainInput): Chain[] {
  const chains: Chain[] = [];
  const byDoc = new Map<number, number[]>();
  input.blocks.forEach((b, i) => byDoc.set(b.doc, [...(byDoc.get(b.doc) ?? []), i]));
  for (const [doc, indices] of byDoc) {
    const todo = indices.filter((i) => input.compute.has(i));
    if (todo.length === 0) continue;
    const first = todo[0]!;
    const last = todo.at(-1)!;
    const before = indices
      .filter((i) => i < first)
      .map((i) => ({ block: i, from: input.copyOffset[i] === input.shared + input.blocks[i]!.docOffset ? ('copy' as const) : ('helper' as const) }));
    chains.push({ doc, blocks: indices.filter((i) => i >= first && i <= last), before });
  }
  return chains;
}

/** Tokens [start, end) of one block inside one decode call. */
export interface Segment {
  block: number;
  start: number;
  end: number;
}

/**
 * The runs cut into decode calls of at most `batch` tokens, filled to the brim: a block may span two calls
 * (positions stay consecutive). A token of block k carries the sequences of k and of every later block of
 * its run, so each later block sees it; N tokens take ceil(N / batch) calls.
 */
export function planBatches(chains: readonly Chain[], blocks: readonly LayoutBlock[], batch: number): Segment[][] {
  const calls: Segment[][] = [];
  let current: Segment[] = [];
  let room = batch;
  for (const chain of chains) {
    for (const block of chain.blocks) {
      let start = 0;
      const length = blocks[block]!.length;
      while (start < length) {
        const end = Math.min(length, start + room);
        current.push({ block, start, end });
        room -= end - start;
        start = end;
        if (room === 0) {
          calls.push(current);
          current = [];
          room = batch;
        }
      }
    }
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

/** The blocks whose sequences a token of `block` carries: itself and the rest of its run. */
export function chainSeqs(chain: Chain, block: number): number[] {
  return chain.blocks.slice(chain.blocks.indexOf(block));
}
