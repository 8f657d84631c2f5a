// A team's completion server as the assistant's engine: llama.cpp's llama-server (`/infill`, documents as
// `input_extra`) or any OpenAI-compatible server such as vLLM (`/v1/completions`, documents in the prompt).
import type { RemoteDialect, RemoteEngine as RemoteEngineSettings } from '../../app/completion/schemas';
import type { StopBoundary } from '../../app/completion/vocabulary';
import { boundaryCut } from '../../assistant/engine';
import { readBoundedBody } from './boundedBody';

export interface RemoteCompleteRequest {
  prefix: string;
  suffix: string;
  fileName: string;
  documents: ReadonlyArray<{ name: string; text: string }>;
  maxTokens: number;
  /** Suggestions stop at a line or a block; a server is never asked for an unbounded one. */
  stopAt: Exclude<StopBoundary, 'none'>;
}

/** What the server said about one completion, in the report's words. */
export interface RemoteReport {
  /** llama.cpp `/infill` or OpenAI `/v1/completions`. */
  format: string;
  notes: string[];
  promptTokens: number;
  /** Prompt tokens the server computed (llama.cpp says, vLLM may; else all of them). */
  computedTokens: number;
  reusedTokens: number;
  /** The server's prompt time when it says (llama.cpp), else the whole request's. */
  timeToFirstTokenMs: number;
  tokensPerSecond: number;
  totalMs: number;
}

export interface RemoteResult {
  text: string;
  report: RemoteReport;
}

/** The server could not be reached or did not answer in time (connection refused, DNS, timeout, 502-504). */
export class RemoteUnreachableError extends Error {
  override readonly name = 'RemoteUnreachableError';
}

/** The server answered, but with an error (a refused token, a bad request) or with something that is not a completion. */
export class RemoteEngineError extends Error {
  override readonly name = 'RemoteEngineError';
  constructor(readonly status: number | null, message: string) {
    super(message);
  }
}

/** The caller cancelled the request. */
export class RemoteAbortedError extends Error {
  override readonly name = 'RemoteAbortedError';
}

/** A completion's longest wait (the server may be busy with other editors' requests); a probe's. */
export const REMOTE_TIMEOUT_MS = 15_000;
export const REMOTE_PROBE_TIMEOUT_MS = 5_000;
/** An answer bigger than this is not a completion of at most 256 tokens. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export interface RemoteEngineOptions {
  timeoutMs?: number;
  probeTimeoutMs?: number;
}

export const DIALECT_FORMAT: Record<RemoteDialect, string> = {
  'llama.cpp': 'llama.cpp /infill',
  openai: 'OpenAI /v1/completions',
};

/** The URL without a trailing slash; an OpenAI base URL may already end in `/v1`, as OpenAI's clients take it. */
export function endpoint(settings: Pick<RemoteEngineSettings, 'kind' | 'url'>, path: 'infill' | 'health' | 'completions' | 'models'): string {
  const base = settings.url.replace(/\/+$/, '');
  if (settings.kind === 'llama.cpp') return `${base}/${path}`;
  return `${base.endsWith('/v1') ? base : `${base}/v1`}/${path}`;
}

/**
 * The OpenAI dialect has no place for documents: they go before the prefix, each under a header line with its
 * name, and the file being edited under its own, as repository-level code models see several files.
 */
export function openAiPrompt(documents: RemoteCompleteRequest['documents'], fileName: string, prefix: string): string {
  return [...documents.map((d) => `--- ${d.name} ---\n${d.text}\n\n`), `--- ${fileName} ---\n`, prefix].join('');
}

/** `fetch`'s failure in a sentence: Node puts the reason (ECONNREFUSED, ENOTFOUND) in `cause`. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

interface LlamaInfillAnswer {
  content?: unknown;
  tokens_evaluated?: number;
  timings?: { prompt_n?: number; prompt_ms?: number; cache_n?: number; predicted_n?: number; predicted_per_second?: number };
}

interface OpenAiAnswer {
  choices?: Array<{ text?: unknown }>;
  /** `prompt_tokens_details.cached_tokens`: vLLM's prefix-cache hits, with `--enable-prompt-tokens-details`. */
  usage?: { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } | null };
}

/** The server's error message, from llama.cpp's and OpenAI's `{error: {message}}`, else the start of the body. */
function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (typeof message === 'string') return message;
  } catch {
    // not JSON
  }
  return body.slice(0, 200) || '(empty answer)';
}

/**
 * One remote server, by its settings. Each request has a timeout and follows the caller's AbortSignal; failures
 * are RemoteUnreachableError (try the local engine) or RemoteEngineError (the server said no).
 */
export class RemoteEngine {
  private readonly timeoutMs: number;
  private readonly probeTimeoutMs: number;
  /** Set when an OpenAI-compatible server refused `suffix` (vLLM does): later requests go without it. */
  private suffixRefused = false;

  constructor(readonly settings: RemoteEngineSettings, options: RemoteEngineOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? REMOTE_TIMEOUT_MS;
    this.probeTimeoutMs = options.probeTimeoutMs ?? REMOTE_PROBE_TIMEOUT_MS;
  }

  /** The engine for a report or the status bar. */
  get label(): { kind: 'remote'; dialect: RemoteDialect; url: string } {
    return { kind: 'remote', dialect: this.settings.kind, url: this.settings.url };
  }

  private headers(): Record<string, string> {
    return {
      'content-type': 'application/json',
      ...(this.settings.token ? { authorization: `Bearer ${this.settings.token}` } : {}),
    };
  }

  /** One HTTP exchange; the JSON body of a 2xx answer, or the error it amounts to. */
  private async exchange(url: string, init: { method: 'GET' | 'POST'; body?: unknown }, signal: AbortSignal | undefined, timeoutMs: number): Promise<unknown> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: init.method,
        headers: this.headers(),
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: combined,
        // A redirect could carry the token to another host.
        redirect: 'error',
      });
      text = await readBoundedBody(response, MAX_ANSWER_BYTES, () => new RemoteEngineError(response.status, `The server's answer is larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB; it is not a completion.`));
    } catch (error) {
      if (signal?.aborted) throw new RemoteAbortedError('The request was cancelled.');
      if (timeout.aborted) throw new RemoteUnreachableError(`no answer within ${timeoutMs / 1000} s`);
      if (error instanceof RemoteEngineError) throw error;
      throw new RemoteUnreachableError(networkReason(error));
    }
    if (response.status === 502 || response.status === 503 || response.status === 504) {
      throw new RemoteUnreachableError(`HTTP ${response.status}: ${errorMessage(text)}`);
    }
    if (response.status === 401 || response.status === 403) {
      throw new RemoteEngineError(response.status, `the server refused the token (HTTP ${response.status}: ${errorMessage(text)})`);
    }
    if (!response.ok) throw new RemoteEngineError(response.status, `HTTP ${response.status}: ${errorMessage(text)}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new RemoteEngineError(response.status, `the answer is not JSON: ${text.slice(0, 100)}`);
    }
  }

  /** Whether the server answers: llama.cpp's `/health`, an OpenAI server's `/v1/models`. Throws like a completion. */
  async probe(signal?: AbortSignal): Promise<void> {
    await this.exchange(endpoint(this.settings, this.settings.kind === 'llama.cpp' ? 'health' : 'models'), { method: 'GET' }, signal, this.probeTimeoutMs);
  }

  async complete(request: RemoteCompleteRequest, signal?: AbortSignal): Promise<RemoteResult> {
    const started = performance.now();
    const answer = this.settings.kind === 'llama.cpp' ? await this.infill(request, signal) : await this.openAi(request, signal);
    const totalMs = performance.now() - started;
    const cut = boundaryCut(answer.raw, request.stopAt);
    return {
      text: cut >= 0 ? answer.raw.slice(0, cut) : answer.raw,
      report: {
        format: DIALECT_FORMAT[this.settings.kind],
        notes: answer.notes,
        promptTokens: answer.promptTokens,
        computedTokens: answer.computedTokens ?? answer.promptTokens,
        reusedTokens: answer.promptTokens - (answer.computedTokens ?? answer.promptTokens),
        timeToFirstTokenMs: answer.promptMs ?? totalMs,
        tokensPerSecond: answer.tokensPerSecond ?? (answer.generatedTokens > 0 ? (answer.generatedTokens * 1000) / totalMs : 0),
        totalMs,
      },
    };
  }

  private async infill(request: RemoteCompleteRequest, signal?: AbortSignal) {
    const body = (await this.exchange(endpoint(this.settings, 'infill'), {
      method: 'POST',
      body: {
        input_extra: request.documents.map((d) => ({ filename: d.name, text: d.text })),
        input_prefix: request.prefix,
        input_suffix: request.suffix,
        prompt: '',
        n_predict: request.maxTokens,
        // Greedy, as the local engine: the same text for the same context.
        temperature: 0,
        top_k: 1,
        samplers: ['top_k'],
        // The slot keeps this prompt: the next keystroke recomputes only what changed.
        cache_prompt: true,
        stream: false,
      },
    }, signal, this.timeoutMs)) as LlamaInfillAnswer;
    if (typeof body.content !== 'string') throw new RemoteEngineError(200, 'the answer has no `content`: is this a llama.cpp server?');
    const t = body.timings ?? {};
    const computed = t.prompt_n ?? body.tokens_evaluated ?? 0;
    return {
      raw: body.content,
      notes: [],
      promptTokens: computed + (t.cache_n ?? 0),
      computedTokens: t.prompt_n,
      promptMs: t.prompt_ms,
      tokensPerSecond: t.predicted_per_second,
      generatedTokens: t.predicted_n ?? 0,
    };
  }

  private async openAi(request: RemoteCompleteRequest, signal?: AbortSignal) {
    const notes: string[] = [];
    const ask = (withSuffix: boolean) =>
      this.exchange(endpoint(this.settings, 'completions'), {
        method: 'POST',
        body: {
          ...(this.settings.model ? { model: this.settings.model } : {}),
          prompt: openAiPrompt(request.documents, request.fileName, request.prefix),
          ...(withSuffix ? { suffix: request.suffix } : {}),
          max_tokens: request.maxTokens,
          temperature: 0,
          stream: false,
        },
      }, signal, this.timeoutMs) as Promise<OpenAiAnswer>;
    let body: OpenAiAnswer;
    try {
      body = await ask(!this.suffixRefused);
    } catch (error) {
      // vLLM answers 400 "suffix is not currently supported": the prefix alone still completes.
      if (!(error instanceof RemoteEngineError && error.status === 400 && /suffix/i.test(error.message)) || this.suffixRefused) throw error;
      this.suffixRefused = true;
      body = await ask(false);
    }
    if (this.suffixRefused) notes.push('The server takes no suffix: the text after the cursor was not sent.');
    const text = body.choices?.[0]?.text;
    if (typeof text !== 'string') throw new RemoteEngineError(200, 'the answer has no `choices[0].text`: is this an OpenAI-compatible completion server?');
    return {
      raw: text,
      notes,
      promptTokens: body.usage?.prompt_tokens ?? 0,
      computedTokens: body.usage?.prompt_tokens_details?.cached_tokens === undefined ? undefined : (body.usage.prompt_tokens ?? 0) - body.usage.prompt_tokens_details.cached_tokens,
      promptMs: undefined,
      tokensPerSecond: undefined,
      generatedTokens: body.usage?.completion_tokens ?? 0,
    };
  }
}
