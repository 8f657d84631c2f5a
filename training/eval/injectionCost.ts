// What a kernel that skips replaced heads would save (issue 13, item 5), computed from a model's shape, not
// measured: attention FLOPs per generated token at a context of n tokens, and KV cache bytes.
import type { HeadChoice } from '../../assistant/heads/profile';

export interface ModelShape {
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  headDim: number;
  /** Tokens in the KV cache when the token is generated. */
  context: number;
  /** Weight parameters (2 FLOPs each per token). */
  params: number;
  /** Bytes per cached K or V element (f16: 2, the addon's default cache type). */
  kvElementBytes: number;
}

export interface SkipSaving {
  k: number;
  /** 4 n d per skipped head per layer: QK^T and the weighted sum of V, the softmax and the pattern's few cells left out. */
  attentionFlops: number;
  /** Share of the token's attention FLOPs, and of all its FLOPs (weights + attention). */
  attentionShare: number;
  totalShare: number;
  /**
   * K cache bytes freed when the k heads fill whole KV groups (GQA: a group's keys are read by nHead / nHeadKv query
   * heads, and no pattern needs keys); V stays, since an exact pattern still sums V at its cells.
   */
  kBytesPacked: number;
  /** Share of the whole KV cache (K and V) those bytes are. */
  kvSharePacked: number;
}

export interface ShapeCost {
  shape: ModelShape;
  perToken: { weightFlops: number; attentionFlops: number };
  kvBytes: number;
  savings: SkipSaving[];
}

const headFlops = (shape: ModelShape): number => 4 * shape.context * shape.headDim;
const kGroupBytes = (shape: ModelShape): number => shape.context * shape.headDim * shape.kvElementBytes;

/** Savings for each k when the skipped heads are packed into whole KV groups (the most a choice of k heads can free). */
export function skipSavings(shape: ModelShape, ks: readonly number[]): ShapeCost {
  const attentionFlops = shape.nLayer * shape.nHead * headFlops(shape);
  const weightFlops = 2 * shape.params;
  const kvBytes = 2 * shape.nLayer * shape.nHeadKv * kGroupBytes(shape);
  const groupSize = shape.nHead / shape.nHeadKv;
  return {
    shape,
    perToken: { weightFlops, attentionFlops },
    kvBytes,
    savings: ks.map((k) => {
      const flops = k * headFlops(shape);
      const kBytes = Math.floor(k / groupSize) * kGroupBytes(shape);
      return { k, attentionFlops: flops, attentionShare: flops / attentionFlops, totalShare: flops / (attentionFlops + weightFlops), kBytesPacked: kBytes, kvSharePacked: kBytes / kvBytes };
    }),
  };
}

/** K cache bytes a given choice of heads frees: the KV groups (per layer) all of whose query heads are replaced. */
export function freedKBytes(shape: ModelShape, heads: readonly HeadChoice[]): number {
  const groupSize = shape.nHead / shape.nHeadKv;
  const perGroup = new Map<string, number>();
  for (const h of heads) {
    // llama.cpp's GQA: query head h reads KV head floor(h / groupSize).
    const key = `${h.layer}.${Math.floor(h.head / groupSize)}`;
    perGroup.set(key, (perGroup.get(key) ?? 0) + 1);
  }
  return [...perGroup.values()].filter((n) => n === groupSize).length * kGroupBytes(shape);
}
