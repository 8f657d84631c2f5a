// The KV layout planner alone (assistant/engine/layout.ts): pure data in, plan out.
import { describe, expect, it } from 'vitest';
import { chainSeqs, planBatches, planChains, planPlacement, type CopyInfo, type LayoutBlock } from '../../../../assistant/engine/layout';

const H = 4;
/** Blocks of documents laid out after a shared prefix of H tokens: `docs` lists each document's block lengths. */
function layout(docs: number[][], keys: string[][] = docs.map((d, i) => d.map((_, k) => `${i}.${k}`))): LayoutBlock[] {
  const blocks: LayoutBlock[] = [];
  let offset = H;
  docs.forEach((lengths, doc) => {
    let docOffset = 0;
    lengths.forEach((length, k) => {
      blocks.push({ key: keys[doc]![k]!, length, offset, doc, docOffset });
      offset += length;
      docOffset += length;
    });
  });
  return blocks;
}
const copy = (seq: number, key: string, offset: number, length: number, shifts = 0): CopyInfo => ({ seq, key, offset, length, shifts, lastUsed: 0 });
const none = (): boolean => false;

describe('planPlacement', () => {
  it('keeps the leading blocks the query sequence holds, places resident copies, shifts others, and names the missing', () => {
    const blocks = layout([[3, 2], [5]]);
    const plan = planPlacement({
      blocks,
      copies: [copy(2, '0.0', 4, 3), copy(3, '0.1', 7, 2), copy(4, '1.0', 20, 5)],
      previous: [{ key: '0.0', offset: 4, seq: 2 }],
      maxShifts: 2,
      recoverable: none,
    });
    expect(plan.common).toBe(1);
    expect(plan.placements).toEqual([{ kind: 'kept', seq: 2 }, { kind: 'resident', seq: 3 }, { kind: 'shifted', seq: 4, delta: 9 - 20 }]);
    expect(plan.evict).toEqual([]);
  });

  it('claims exact copies before shifting one, so a later block keeps its own copy', () => {
    // The same block twice: the copy at the second offset serves the second, a shift serves the first.
    const blocks = layout([[2], [2]], [['x'], ['x']]);
    const plan = planPlacement({ blocks, copies: [copy(5, 'x', 6, 2), copy(6, 'x', 40, 2)], previous: null, maxShifts: 2, recoverable: none });
    expect(plan.placements).toEqual([{ kind: 'shifted', seq: 6, delta: 4 - 40 }, { kind: 'resident', seq: 5 }]);
  });

  it('restores afresh a copy shifted too often, and evicts copies outside the layout only where a tier holds them', () => {
    const blocks = layout([[3]]);
    const plan = planPlacement({
      blocks,
      copies: [copy(2, '0.0', 30, 3, 2), copy(3, 'gone', 40, 3), copy(4, 'held', 50, 3)],
      previous: null,
      maxShifts: 2,
      recoverable: (key) => key === 'held' || key === '0.0',
    });
    expect(plan.placements).toEqual([{ kind: 'missing' }]);
    expect(plan.evict.sort()).toEqual([2, 4]);
  });
});

describe('planChains', () => {
  const blocks = layout([[3, 3, 3, 3, 3], [2, 2]]);

  it('computes an edited last block alone, with the blocks before it read where they sit at home or restored there', () => {
    const atHome = blocks.map((b) => H + b.docOffset);
    expect(planChains({ blocks, shared: H, compute: new Set([4]), copyOffset: atHome })).toEqual([
      { doc: 0, blocks: [4], before: [0, 1, 2, 3].map((block) => ({ block, from: 'copy' })) },
    ]);
    // The document placed after another one: its copies are away from home.
    const away = blocks.map((b) => b.offset + 100);
    expect(planChains({ blocks, shared: H, compute: new Set([4]), copyOffset: away })[0]!.before.map((b) => b.from)).toEqual(['helper', 'helper', 'helper', 'helper']);
  });

  it('one run per document from its first to its last block to compute; blocks in between are computed again', () => {
    const chains = planChains({ blocks, shared: H, compute: new Set([1, 3, 6]), copyOffset: blocks.map(() => null) });
    expect(chains).toEqual([
      { doc: 0, blocks: [1, 2, 3], before: [{ block: 0, from: 'helper' }] },
      { doc: 1, blocks: [6], before: [{ block: 5, from: 'helper' }] },
    ]);
    expect(chainSeqs(chains[0]!, 2)).toEqual([2, 3]);
    expect(planChains({ blocks, shared: H, compute: new Set(), copyOffset: [] })).toEqual([]);
  });
});

describe('planBatches', () => {
  it('fills every decode call to the batch size across blocks and documents: N tokens, ceil(N / batch) calls', () => {
    const blocks = layout([[20, 20, 7], [13]]);
    const chains = planChains({ blocks, shared: H, compute: new Set([0, 1, 2, 3]), copyOffset: [] });
    const calls = planBatches(chains, blocks, 32);
    expect(calls).toHaveLength(Math.ceil(60 / 32));
    expect(calls.map((c) => c.reduce((n, s) => n + s.end - s.start, 0))).toEqual([32, 28]);
    // Every token once, in order; block 1 spans both calls.
    expect(calls.flat()).toEqual([
      { block: 0, start: 0, end: 20 },
      { block: 1, start: 0, end: 12 },
      { block: 1, start: 12, end: 20 },
      { block: 2, start: 0, end: 7 },
      { block: 3, start: 0, end: 13 },
    ]);
  });
});
