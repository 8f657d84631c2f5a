// Pure parts of the stack latency bench: which request answered the measured keystroke, and how one
// keystroke's time splits between the debounce, the page, the wire and the engine.

/** An `assistant.complete` the page sent, in sending order. */
export interface SentRequest {
  requestId: string;
  prefix: string;
}

/**
 * The request that answers the measured keystroke: the first one sent after it (from index `from` on) for
 * the text the keystroke left. A request for the text before it, whose debounce ended as the key went
 * down, is not it: that one is cancelled by the keystroke, as it should be.
 */
export function answeringRequest(sent: readonly SentRequest[], from: number, textBeforeCursor: string): SentRequest | undefined {
  return sent.slice(from).find((request) => request.prefix.endsWith(textBeforeCursor));
}

/** Page clock (performance.now) times of one keystroke's way, from probes in the page. */
export interface KeystrokeTimes {
  /** The keydown event's time stamp. */
  keyAt: number;
  /** `assistant.complete` handed to the WebSocket. */
  sentAt: number;
  /** Its reply received from the WebSocket, before the page handles it. */
  repliedAt: number;
  /** The first ghost text in the DOM: the suggestion's start, streamed before the reply (Monaco renders in an animation frame; painted at the end of that frame). */
  firstGhostAt: number;
  /** The ghost text in the DOM showing the whole suggestion. */
  ghostAt: number;
}

/** The engine's report for the request: its own times and how much of the prompt it computed. */
export interface EngineReport {
  timeToFirstTokenMs: number;
  totalMs: number;
  promptTokens: number;
  computedTokens: number;
}

export interface Sample {
  /** Keystroke to the first ghost text in the DOM (the start of a streamed suggestion). */
  firstGhostMs: number;
  /** Keystroke to the whole suggestion as ghost text in the DOM. */
  ghostMs: number;
  /** The adaptive debounce the page waited before asking: a deliberate wait, reported apart. */
  debounceMs: number;
  engineTtftMs: number;
  engineTotalMs: number;
  /** What the stack adds: ghost time less the debounce and the engine's whole request (wire + page). */
  stackMs: number;
  /** The same with the debounce counted: what the user waits for beyond the engine's own work. */
  stackWithDebounceMs: number;
  /** Between page and engine: the request's round trip less the engine's time (WebSocket, service, host). */
  wireMs: number;
  /** In the page: keystroke to request (less the debounce) and answer to ghost in the DOM. */
  pageMs: number;
  keyToRequestMs: number;
  answerToGhostMs: number;
  promptTokens: number;
  computedTokens: number;
}

export function sampleOf(times: KeystrokeTimes, debounceMs: number, engine: EngineReport): Sample {
  const ghostMs = times.ghostAt - times.keyAt;
  const keyToRequestMs = times.sentAt - times.keyAt - debounceMs;
  const answerToGhostMs = times.ghostAt - times.repliedAt;
  return {
    firstGhostMs: times.firstGhostAt - times.keyAt,
    ghostMs,
    debounceMs,
    engineTtftMs: engine.timeToFirstTokenMs,
    engineTotalMs: engine.totalMs,
    stackMs: ghostMs - debounceMs - engine.totalMs,
    stackWithDebounceMs: ghostMs - engine.totalMs,
    wireMs: times.repliedAt - times.sentAt - engine.totalMs,
    pageMs: keyToRequestMs + answerToGhostMs,
    keyToRequestMs,
    answerToGhostMs,
    promptTokens: engine.promptTokens,
    computedTokens: engine.computedTokens,
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: an actual measurement, no interpolation.
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
