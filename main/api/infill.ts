import { z } from 'zod';
import type { HostReport } from '../../assistant/host/protocol';
import { DEFAULT_COMPLETION_MODE } from '../../app/completion/vocabulary';
import type { CompleteCall, CompleteResult } from '../assistant/engineClient';
import { API_LIMITS, DEFAULT_INFILL_PREDICT } from './limits';

/**
 * llama.cpp's `POST /infill`, as llama.vscode and llama.vim send it. Fields this server does not use
 * (`samplers`, `n_indent`, `t_max_prompt_ms`, `t_max_predict_ms`, `cache_prompt`: the engine always reuses)
 * are accepted and ignored, as llama.cpp ignores what it does not know.
 */

/** `stop` as OpenAI and llama.cpp take it: one string or a list; empty strings mean nothing and are dropped. */
export const StopField = z
  .union([z.string(), z.array(z.string())], 'stop is a string or a list of strings')
  .nullish()
  .transform((stop) => (stop === null || stop === undefined ? [] : typeof stop === 'string' ? [stop] : stop).filter((s) => s.length > 0))
  .refine((stop) => stop.length <= API_LIMITS.maxStopStrings, `at most ${API_LIMITS.maxStopStrings} stop strings`);

const Chunk = z.looseObject({ text: z.string(), filename: z.string().optional() });

export const InfillBody = z.looseObject({
  input_prefix: z.string().default(''),
  input_suffix: z.string().default(''),
  input_extra: z.array(Chunk).max(API_LIMITS.maxExtraChunks, `at most ${API_LIMITS.maxExtraChunks} input_extra chunks`).default([]),
  /** llama.vscode and llama.vim: the current line up to the cursor. It continues the prefix, where the cursor is. */
  prompt: z.string().default(''),
  n_predict: z.number().int().min(-1).max(API_LIMITS.maxPredictTokens, `n_predict is at most ${API_LIMITS.maxPredictTokens}`).default(DEFAULT_INFILL_PREDICT),
  temperature: z.number().min(0).max(100).optional(),
  top_k: z.number().int().min(0).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  /** -1 (llama.cpp's "random") leaves the engine's seed. */
  seed: z.number().int().min(-1).max(0xffffffff).optional(),
  stop: StopField,
  stream: z.boolean().default(false),
  /** llama.vim: only these fields, nested ones named by path (`timings/prompt_n`) and returned under that name. */
  response_fields: z.array(z.string()).optional(),
});
export type InfillBody = z.infer<typeof InfillBody>;

export function infillCall(body: InfillBody): Omit<CompleteCall, 'id'> {
  return {
    prefix: body.input_prefix + body.prompt,
    suffix: body.input_suffix,
    fileName: '',
    // Each chunk is a document, so its KV blocks are reused whichever other chunks come and go.
    documents: body.input_extra.map((chunk, i) => ({ name: chunk.filename || `extra-${i}`, text: chunk.text })),
    mode: DEFAULT_COMPLETION_MODE,
    boundary: 0,
    maxTokens: body.n_predict === -1 ? API_LIMITS.maxPredictTokens : body.n_predict,
    stopAt: 'none',
    ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
    ...(body.top_k !== undefined ? { topK: body.top_k } : {}),
    ...(body.top_p !== undefined ? { topP: body.top_p } : {}),
    ...(body.seed !== undefined && body.seed >= 0 ? { seed: body.seed } : {}),
    ...(body.stop.length > 0 ? { stop: body.stop } : {}),
  };
}

/** Prompt tokens whose KV this request did not compute (llama.cpp's `tokens_cached`). */
export function tokensCached(report: HostReport): number {
  return report.reusedFromContext + report.reusedFromMemory + report.reusedFromDisk;
}

/** llama.cpp's `timings`: the prompt is what this request computed; prompt_ms + predicted_ms is the engine's time. */
export function timings(report: HostReport) {
  const promptMs = report.promptMs ?? report.timeToFirstTokenMs;
  const predictedMs = Math.max(0, report.totalMs - promptMs);
  const perToken = (ms: number, n: number) => (n > 0 ? ms / n : 0);
  const perSecond = (ms: number, n: number) => (ms > 0 ? (1000 * n) / ms : 0);
  return {
    prompt_n: report.computedTokens,
    prompt_ms: promptMs,
    prompt_per_token_ms: perToken(promptMs, report.computedTokens),
    prompt_per_second: perSecond(promptMs, report.computedTokens),
    predicted_n: report.generatedTokens,
    predicted_ms: predictedMs,
    predicted_per_token_ms: perToken(predictedMs, report.generatedTokens),
    predicted_per_second: perSecond(predictedMs, report.generatedTokens),
  };
}

const STOP_TYPE: Record<string, string> = { eog: 'eos', maxTokens: 'limit', stop: 'word' };

/** The final answer (or the last event of a stream), with llama.cpp's fields. */
export function infillResult(result: CompleteResult, model: string, body: InfillBody): Record<string, unknown> {
  const { report } = result;
  const full: Record<string, unknown> = {
    index: 0,
    content: result.text,
    stop: true,
    model,
    tokens_predicted: report.generatedTokens,
    tokens_evaluated: report.promptTokens,
    has_new_line: result.text.includes('\n'),
    truncated: false,
    stop_type: STOP_TYPE[report.stopReason] ?? 'none',
    stopping_word: report.stopReason === 'stop' ? stoppingWord(body) : '',
    tokens_cached: tokensCached(report),
    timings: timings(report),
  };
  return body.response_fields ? pickFields(full, body.response_fields) : full;
}

/** Which stop string ended it is not reported by the engine; with one stop string it can only be that one. */
function stoppingWord(body: InfillBody): string {
  return body.stop.length === 1 ? body.stop[0]! : '';
}

/** A piece of a streamed answer. */
export function infillChunk(delta: string): Record<string, unknown> {
  return { index: 0, content: delta, stop: false };
}

/** llama.cpp's `response_fields`: each path's value under the path's own name; missing paths are left out. */
export function pickFields(value: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    let node: unknown = value;
    for (const key of path.split('/')) node = node !== null && typeof node === 'object' && Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
    if (node !== undefined) out[path] = node;
  }
  return out;
}
