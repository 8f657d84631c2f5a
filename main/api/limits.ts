/** The completion API's bounds, named once: requests past them are refused with the limit in the message. */
export const API_LIMITS = {
  /** A request body: llama.vim's default ring of 16 chunks of 64 lines fits many times over. */
  maxBodyBytes: 4 * 1024 * 1024,
  /** Tokens one request may generate (`n_predict`, `max_tokens`); -1 in `n_predict` means this many. */
  maxPredictTokens: 1024,
  /** `input_extra` chunks (each becomes one or more KV blocks). */
  maxExtraChunks: 256,
  /** Stop strings per request (OpenAI allows 4; llama.cpp more). */
  maxStopStrings: 16,
} as const;

/** What a request gets when it does not say: llama.vscode's and llama.vim's `n_predict`, OpenAI's `max_tokens`. */
export const DEFAULT_INFILL_PREDICT = 128;
export const DEFAULT_OPENAI_MAX_TOKENS = 16;
