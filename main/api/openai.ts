import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { CompleteCall, CompleteResult } from '../assistant/engineClient';
import { StopField } from './infill';
import { API_LIMITS, DEFAULT_OPENAI_MAX_TOKENS } from './limits';
import { DEFAULT_COMPLETION_MODE } from '../../app/completion/vocabulary';

/**
 * OpenAI's `POST /v1/completions` (the legacy completions, which carry `suffix` for fill-in-the-middle) and
 * `GET /v1/models`. Unknown fields are ignored; one that would change the answer and is not supported
 * (`n` > 1, `echo`, `best_of` > 1, several prompts) is refused by name.
 */

export const CompletionsBody = z.looseObject({
  model: z.string().nullish(),
  prompt: z.union([z.string(), z.array(z.string()).length(1, 'one prompt per request')]).transform((p) => (typeof p === 'string' ? p : p[0]!)),
  suffix: z.string().nullish(),
  max_tokens: z.number().int().min(0).max(API_LIMITS.maxPredictTokens, `max_tokens is at most ${API_LIMITS.maxPredictTokens}`).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().min(0).max(0xffffffff).nullish(),
  stop: StopField,
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  n: z.literal(1, 'n > 1 is not supported').nullish(),
  best_of: z.literal(1, 'best_of > 1 is not supported').nullish(),
  echo: z.literal(false, 'echo is not supported').nullish(),
});
export type CompletionsBody = z.infer<typeof CompletionsBody>;

export function completionsCall(body: CompletionsBody): Omit<CompleteCall, 'id'> {
  return {
    prefix: body.prompt,
    suffix: body.suffix ?? '',
    fileName: '',
    documents: [],
    mode: DEFAULT_COMPLETION_MODE,
    boundary: 0,
    maxTokens: body.max_tokens ?? DEFAULT_OPENAI_MAX_TOKENS,
    stopAt: 'none',
    ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
    ...(typeof body.top_p === 'number' ? { topP: body.top_p } : {}),
    ...(typeof body.seed === 'number' ? { seed: body.seed } : {}),
    ...(body.stop.length > 0 ? { stop: body.stop } : {}),
  };
}

/** One id and creation time per response, shared by its stream's chunks. */
export function responseIdentity(model: string): { id: string; object: 'text_completion'; created: number; model: string } {
  return { id: `cmpl-${randomBytes(12).toString('hex')}`, object: 'text_completion', created: Math.floor(Date.now() / 1000), model };
}

function usage(result: CompleteResult) {
  const { promptTokens, generatedTokens } = result.report;
  return { prompt_tokens: promptTokens, completion_tokens: generatedTokens, total_tokens: promptTokens + generatedTokens };
}

function finishReason(result: CompleteResult): 'stop' | 'length' {
  return result.report.stopReason === 'maxTokens' ? 'length' : 'stop';
}

export function completionsResult(result: CompleteResult, identity: ReturnType<typeof responseIdentity>): Record<string, unknown> {
  return { ...identity, choices: [{ text: result.text, index: 0, logprobs: null, finish_reason: finishReason(result) }], usage: usage(result) };
}

export function completionsChunk(delta: string, identity: ReturnType<typeof responseIdentity>): Record<string, unknown> {
  return { ...identity, choices: [{ text: delta, index: 0, logprobs: null, finish_reason: null }] };
}

/** The stream's last events: the finish reason, then the usage when the client asked for it. */
export function completionsStreamEnd(result: CompleteResult, identity: ReturnType<typeof responseIdentity>, body: CompletionsBody): Record<string, unknown>[] {
  const end: Record<string, unknown>[] = [{ ...identity, choices: [{ text: '', index: 0, logprobs: null, finish_reason: finishReason(result) }] }];
  if (body.stream_options?.include_usage) end.push({ ...identity, choices: [], usage: usage(result) });
  return end;
}

export function modelList(model: string | null): Record<string, unknown> {
  return { object: 'list', data: model ? [{ id: model, object: 'model', created: 0, owned_by: 'steerway' }] : [] };
}
