// Token choice from a logit row, log-probabilities, and where an inline suggestion should stop.
import type { StopBoundary } from './types';

/** Small seeded generator (mulberry32): the same seed gives the same completion. */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

export interface SamplingParams {
  temperature: number;
  topK: number;
  topP: number;
}

export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

/** Temperature, then top-k, then top-p (nucleus), then a draw; temperature 0 is greedy. */
export function sampleToken(logits: Float32Array, params: SamplingParams, rng: SeededRandom): number {
  if (params.temperature <= 0) return argmax(logits);
  const k = params.topK > 0 ? Math.min(params.topK, logits.length) : logits.length;
  const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]!).slice(0, k);
  const top = logits[order[0]!]!;
  const weights = order.map((i) => Math.exp((logits[i]! - top) / params.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let keep = order.length;
  if (params.topP < 1) {
    let mass = 0;
    for (let j = 0; j < order.length; j++) {
      mass += weights[j]! / total;
      if (mass >= params.topP) {
        keep = j + 1;
        break;
      }
    }
  }
  const kept = weights.slice(0, keep);
  let draw = rng.next() * kept.reduce((a, b) => a + b, 0);
  for (let j = 0; j < keep; j++) {
    draw -= kept[j]!;
    if (draw < 0) return order[j]!;
  }
  return order[keep - 1]!;
}

/** log of the sum of exp(logits), computed stably (the normalizer of a log-softmax). */
export function logSumExp(logits: Float32Array): number {
  let max = -Infinity;
  for (const x of logits) if (x > max) max = x;
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  return max + Math.log(sum);
}

/** log-softmax of `token`, and the `k` most likely tokens with theirs (model distribution, temperature 1). */
export function logprobsOf(logits: Float32Array, token: number, k: number): { logprob: number; top: { token: number; logprob: number }[] } {
  const lse = logSumExp(logits);
  const top: { token: number; logprob: number }[] = [];
  if (k > 0) {
    for (let i = 0; i < logits.length; i++) {
      const lp = logits[i]! - lse;
      if (top.length < k || lp > top[top.length - 1]!.logprob) {
        top.push({ token: i, logprob: lp });
        top.sort((a, b) => b.logprob - a.logprob);
        if (top.length > k) top.pop();
      }
    }
  }
  return { logprob: logits[token]! - lse, top };
}

/**
 * Where `text` should be cut for an inline suggestion, or -1 to keep generating.
 * 'line': at the first newline after some non-blank text. 'block': at a blank line after some text,
 * or before a closing bracket that closes more than the suggestion opened.
 */
export function boundaryCut(text: string, stop: StopBoundary): number {
  if (stop === 'none') return -1;
  const start = text.search(/\S/);
  if (start < 0) return -1;
  if (stop === 'line') return text.indexOf('\n', start);
  const blank = text.slice(start).search(/\n[ \t]*\n/);
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (blank >= 0 && i >= start + blank) break;
    const c = text[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth < 0) return i;
    }
  }
  return blank >= 0 ? start + blank : -1;
}

/** Where the first of the stop strings begins in `text`, or -1. */
export function stopCut(text: string, stops: readonly string[]): number {
  let cut = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  return cut;
}

/** The length of the longest end of `text` that begins a stop string: text that must wait for the next token. */
export function partialStopLength(text: string, stops: readonly string[]): number {
  let longest = 0;
  for (const stop of stops) {
    for (let n = Math.min(stop.length - 1, text.length); n > longest; n--) {
      if (text.endsWith(stop.slice(0, n))) {
        longest = n;
        break;
      }
    }
  }
  return longest;
}
