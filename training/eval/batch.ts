// Batched scoring for the evaluation (issue 12: one model's evaluation in minutes, not twenty): many prompts decode
// side by side as sequences of one llama.cpp context, so each step of greedy generation is one decode call for all
// of them (a small model on a CPU is bound by reading its weights, not by the tokens of a step), and the per-token
// work of the token scores is one pass over each logit row.
import type { AddonContext, AddonModel } from '../../native/binding';
import { boundaryCut, HealingConstraint, type StopBoundary, type TokenPieceIndex } from '../../assistant/engine';

export interface GreedyPrompt {
  /** The whole prompt's token ids, as the engine would decode them (causal, no block reuse). */
  tokens: readonly number[];
  maxTokens: number;
  stopAt: StopBoundary;
  /** The prefix's end that token healing took out of `tokens` (queryPrompt's `healed`): the answer writes it again. */
  healed?: string;
}

/** Most prompts decoded side by side: sequences of one context. */
export const PARALLEL = 16;
/**
 * Most KV cells a group of sequences takes: every token attends over the cells in use (llama.cpp masks, it does not
 * skip), so many long prompts side by side cost more than they save; short ones (idioms) go 16 at a time.
 */
export const GROUP_CELLS = 2048;
const BATCH = 512;

/** Consecutive groups of at most PARALLEL items whose `cells` add up to at most GROUP_CELLS (an item alone may exceed it). */
export function groups<T>(items: readonly T[], cells: (item: T) => number): T[][] {
  const out: T[][] = [];
  let used = 0;
  for (const item of items) {
    const last = out[out.length - 1];
    if (!last || last.length >= PARALLEL || used + cells(item) > GROUP_CELLS) {
      out.push([item]);
      used = cells(item);
    } else {
      last.push(item);
      used += cells(item);
    }
  }
  return out;
}

/** Negative log-likelihood of `target` under `row` and whether it is the row's argmax, in one pass over the row. */
export function scoreRow(row: Float32Array, target: number): { nll: number; top: boolean } {
  // Running log-sum-exp: the sum is kept relative to the largest logit so far and rescaled when it grows.
  let max = row[0]!;
  let sum = 0;
  let arg = 0;
  for (let i = 0; i < row.length; i++) {
    const x = row[i]!;
    if (x > max) {
      sum = sum * Math.exp(max - x) + 1;
      max = x;
      arg = i;
    } else {
      sum += Math.exp(x - max);
    }
  }
  return { nll: max + Math.log(sum) - row[target]!, top: arg === target };
}

/** Decodes token runs of several sequences in calls of at most `ctx.nBatch` tokens; `onLogits` gets the batch index of each token whose logits were asked for. */
export async function decodeRuns(ctx: AddonContext, runs: { seq: number; tokens: readonly number[]; from: number; logits: 'last' | 'all' }[], onLogits: (seq: number, at: number, batchIndex: number) => void): Promise<void> {
  const pending = runs.flatMap((r) => r.tokens.map((token, i) => ({ seq: r.seq, token, pos: r.from + i, want: r.logits === 'all' || i === r.tokens.length - 1 })));
  for (let start = 0; start < pending.length; start += ctx.nBatch) {
    const chunk = pending.slice(start, start + ctx.nBatch);
    await ctx.decode({
      tokens: Int32Array.from(chunk, (c) => c.token),
      positions: Int32Array.from(chunk, (c) => c.pos),
      seqIds: Int32Array.from(chunk, (c) => c.seq),
      logits: Uint8Array.from(chunk, (c) => (c.want ? 1 : 0)),
    });
    chunk.forEach((c, i) => {
      if (c.want) onLogits(c.seq, c.pos, i);
    });
  }
}

/**
 * Greedy answers to `prompts`, as the engine's `full` mode gives them (same prompt tokens, argmax, token healing, end of
 * generation and `stopAt` as `boundaryCut` cuts them), in groups (see GROUP_CELLS). `pieces`: the model's index for
 * healed prompts, the caller's (built once per model).
 */
export async function greedyBatch(model: AddonModel, prompts: readonly GreedyPrompt[], pieces: TokenPieceIndex | null = null): Promise<string[]> {
  const answers: string[] = new Array(prompts.length).fill('');
  if (prompts.length === 0) return answers;
  if (!pieces && prompts.some((p) => p.healed)) throw new Error("greedyBatch: healed prompts need the model's TokenPieceIndex");
  const cells = (i: number): number => prompts[i]!.tokens.length + prompts[i]!.maxTokens;
  const batches = groups(prompts.map((_, i) => i), cells);
  const most = Math.max(...batches.map((g) => g.reduce((n, i) => n + cells(i), 0)));
  const size = Math.ceil(most / 256) * 256;
  const ctx = await model.createContext({ nCtx: size, nBatch: Math.min(BATCH, size), nSeqMax: PARALLEL });
  const row = new Float32Array(ctx.nVocab);
  try {
    for (const members of batches) {
      const group = members.map((i) => prompts[i]!);
      ctx.clearMemory();
      const next = new Map<number, number>();
      const healing = group.map((p) => (p.healed && pieces ? new HealingConstraint(pieces, p.healed) : null));
      const choose = (seq: number, _pos: number, i: number): void => {
        const h = healing[seq];
        next.set(seq, h?.active ? h.pick(ctx.logits(i, row)) : ctx.argmax(i));
      };
      await decodeRuns(ctx, group.map((p, seq) => ({ seq, tokens: p.tokens, from: 0, logits: 'last' })), choose);
      const out = group.map(() => ({ tokens: 0, raw: '', decoder: new TextDecoder() }));
      const live = new Set(group.map((_, seq) => seq));
      while (live.size > 0) {
        const step: { seq: number; tokens: number[]; from: number; logits: 'last' }[] = [];
        for (const seq of [...live]) {
          const token = next.get(seq)!;
          const p = group[seq]!;
          if (model.isEog(token)) {
            answers[members[seq]!] = out[seq]!.raw + out[seq]!.decoder.decode();
            live.delete(seq);
            continue;
          }
          // The engine's text: the tokens' bytes through a streaming decoder, cut where `stopAt` says.
          const o = out[seq]!;
          o.tokens++;
          const piece = model.tokenPiece(token);
          o.raw += o.decoder.decode(healing[seq] ? healing[seq].accept(token, piece) : piece, { stream: true });
          const cut = boundaryCut(o.raw, p.stopAt);
          answers[members[seq]!] = cut >= 0 ? o.raw.slice(0, cut) : o.raw;
          if (cut >= 0) live.delete(seq);
          else if (o.tokens >= p.maxTokens) {
            answers[members[seq]!] = o.raw + o.decoder.decode();
            live.delete(seq);
          } else step.push({ seq, tokens: [token], from: p.tokens.length + o.tokens - 1, logits: 'last' });
        }
        if (step.length > 0) await decodeRuns(ctx, step, choose);
      }
    }
  } finally {
    ctx.dispose();
  }
  return answers;
}
