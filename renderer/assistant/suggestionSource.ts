import type { SteerwayApi } from '../../app/ipc/api';
import type { SuggestionReport } from '../../app/completion/schemas';
import { boundPrefix, boundSuffix } from '../../app/completion/query';

/** The text around the cursor of one file, as the provider reads it. */
export interface CursorText {
  path: string;
  prefix: string;
  suffix: string;
}

export interface SuggestionSourceOptions {
  api: SteerwayApi;
  journalId(): string | null;
  /** The step this tab has selected: its documents condition the suggestion. */
  stepId(): string | null;
  /** Called with what the model saw, for each suggestion the engine answered. */
  onReport?(report: SuggestionReport, timing: { debounceMs: number; roundTripMs: number }): void;
  /** A request in flight has more text (streamed, or its whole answer): ask again at the same place to show it. */
  onMoreText?(): void;
  now?(): number;
}

/** The request key keeps this much of the text next to the cursor: enough to tell places apart, cheap to compare. */
const KEY_PREFIX_CHARS = 400;
const KEY_SUFFIX_CHARS = 120;

export const INITIAL_DEBOUNCE_MS = 80;
const MIN_DEBOUNCE_MS = 15;
export const MAX_DEBOUNCE_MS = 300;
/** Latencies remembered for the debounce: a few, so it follows a model switch or a warm cache quickly. */
const LATENCY_WINDOW = 8;

/** Multi-line when the cursor starts a block's body: on an empty line, or right after `{` at the end of a line. */
export function isMultiline(prefix: string, suffix: string): boolean {
  const lineBefore = prefix.slice(prefix.lastIndexOf('\n') + 1);
  const newline = suffix.indexOf('\n');
  const lineAfter = newline < 0 ? suffix : suffix.slice(0, newline);
  // `}` after the cursor is what auto-closing leaves behind `{|}`.
  if (lineAfter.trim() !== '' && lineAfter.trim() !== '}') return false;
  return lineBefore.trim() === '' || lineBefore.trimEnd().endsWith('{');
}

/** The adaptive debounce: about half the recent median latency, so a fast engine answers sooner and a slow one is asked less. */
export class AdaptiveDebounce {
  private readonly latencies: number[] = [];
  private current = INITIAL_DEBOUNCE_MS;

  get ms(): number {
    return this.current;
  }

  record(latencyMs: number): void {
    this.latencies.push(latencyMs);
    if (this.latencies.length > LATENCY_WINDOW) this.latencies.shift();
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    this.current = Math.round(Math.min(MAX_DEBOUNCE_MS, Math.max(MIN_DEBOUNCE_MS, median / 2)));
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function requestKey(text: CursorText): string {
  return `${text.path}\0${text.prefix.slice(-KEY_PREFIX_CHARS)}\0${text.suffix.slice(0, KEY_SUFFIX_CHARS)}`;
}

let requestCounter = 0;

/** How a caller asks, besides the text. */
export interface AskOptions {
  /**
   * Read when the caller stops waiting: whether the text is still the one asked about. Then the request goes
   * on unattended instead of being cancelled. Without it, a caller that stops waiting means the text changed.
   */
  stillCurrent?(): boolean;
  /**
   * When the text became what it is (the keystroke), on the `now` clock: the debounce counts from there, so
   * the time the editor took to ask is not waited again. Default: now.
   */
  askedAt?: number;
}

interface SharedRequest {
  /** Callers waiting for its first text; none while it goes on unattended (its callers left, their text unchanged). */
  waiters: number;
  controller: AbortController;
  /** Its newest text: what the engine generated so far, then the whole answer ('' for none); null before any. */
  text: string | null;
  /** Its first text, or null when it was cancelled. */
  first: Promise<string | null>;
}

/**
 * Suggestions for a cursor, apart from Monaco: type-through of the last suggestion, the debounce, the request,
 * its streamed text and its cancellation. Every answer extends the text it was asked for, or is null. Recent
 * answers are cached in main, which knows the documents they were made with.
 */
export class SuggestionSource {
  readonly debounce = new AdaptiveDebounce();
  /** Requests not answered yet, by key, with how many callers wait for their first text. */
  private readonly pending = new Map<string, SharedRequest>();
  /** The last suggestion handed out (or answered while nobody waited), and the text it was for. */
  private shown: (CursorText & { text: string }) | null = null;
  private readonly now: () => number;

  constructor(private readonly options: SuggestionSourceOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * A suggestion to insert at the cursor, or null: as soon as the engine has generated some of it, and then
   * (`onMoreText` says when) its text so far at each ask for the same text. `signal` aborts when the caller stops
   * waiting: on a keystroke, or when Monaco drops its request for its own reasons (an explicit trigger, Esc, focus
   * lost). `options.stillCurrent`, read at that moment, says whether the text is still the one asked about. When
   * the text changed and nobody else waits, the request is cancelled. When it did not, the request goes on
   * unattended: the next ask for the same text joins it or reads its answer, and an ask for other text (the next
   * keystroke) cancels it, streaming or not.
   */
  async suggest(full: CursorText, signal: AbortSignal, options: AskOptions = {}): Promise<string | null> {
    if (signal.aborted) return null;
    const query: CursorText = { path: full.path, prefix: boundPrefix(full.prefix), suffix: boundSuffix(full.suffix) };
    const key = requestKey(query);
    // The text moved on: what nobody waits for any more is for a place the user has left.
    this.cancelUnattended(key);
    // Monaco may ask twice for the same text (a re-render, a re-trigger, more streamed text): one request,
    // and its newest text once it has some.
    const inFlight = this.pending.get(key);
    if (inFlight?.text) return this.handOut(full, inFlight.text);
    const ready = this.typeThrough(full);
    if (ready !== undefined) return this.handOut(full, ready);
    const shared = inFlight ?? this.start(key, query, full, options.askedAt ?? this.now());
    shared.waiters++;
    const leave = () => {
      if (--shared.waiters > 0 || options.stillCurrent?.()) return;
      // The last one waiting left because the text changed: cancel, and let the next ask start afresh.
      this.pending.delete(key);
      shared.controller.abort();
    };
    signal.addEventListener('abort', leave, { once: true });
    try {
      // A caller that left does not wait for the engine's answer (or for the cancel's).
      const text = await Promise.race([shared.first, new Promise<null>((resolve) => signal.addEventListener('abort', () => resolve(null), { once: true }))]);
      // The text moved on while the engine worked: this answer is for a place the user has left.
      if (text === null || signal.aborted) return null;
      shared.waiters--;
      return this.handOut(full, text);
    } finally {
      signal.removeEventListener('abort', leave);
    }
  }

  /** A request for `query`, shared by the asks for its key until its answer is in. */
  private start(key: string, query: CursorText, full: CursorText, askedAt: number): SharedRequest {
    let settleFirst!: (text: string | null) => void;
    let failFirst!: (error: unknown) => void;
    const created: SharedRequest = {
      waiters: 0,
      controller: new AbortController(),
      text: null,
      first: new Promise((resolve, reject) => ((settleFirst = resolve), (failFirst = reject))),
    };
    const more = (text: string) => {
      const before = created.text;
      created.text = text;
      // The newest text is the suggestion at its place, for the next ask there and for type-through.
      this.remember(full, text);
      settleFirst(text);
      // Whoever got the earlier text asks again (Monaco re-runs its provider) and gets this one.
      if (before && before !== text) this.options.onMoreText?.();
    };
    this.pending.set(key, created);
    this.request(query, created.controller.signal, askedAt, more).then(
      (text) => {
        if (this.pending.get(key) === created) this.pending.delete(key);
        if (text === null) return settleFirst(null);
        more(text);
      },
      (error: unknown) => {
        if (this.pending.get(key) === created) this.pending.delete(key);
        failFirst(error);
      },
    );
    return created;
  }

  /** Cancels the requests nobody waits for, except the one for `key`. */
  private cancelUnattended(key: string): void {
    for (const [pendingKey, request] of this.pending) {
      if (pendingKey === key || request.waiters > 0) continue;
      this.pending.delete(pendingKey);
      request.controller.abort();
    }
  }

  /**
   * Debounce (counted from `askedAt`), then ask the engine, handing `onText` the text so far as it streams in;
   * null when cancelled, else the whole answer ('' for no suggestion).
   */
  private async request(query: CursorText, signal: AbortSignal, askedAt: number, onText: (text: string) => void): Promise<string | null> {
    const debounceMs = this.debounce.ms;
    const wait = debounceMs - (this.now() - askedAt);
    if (wait > 0 ? !(await sleep(wait, signal)) : signal.aborted) return null;

    const multiline = isMultiline(query.prefix, query.suffix);
    const requestId = `s${Date.now().toString(36)}${(requestCounter++).toString(36)}`;
    const cancel = () => void this.options.api.call('assistant.cancel', { requestId }).catch(() => undefined);
    signal.addEventListener('abort', cancel, { once: true });
    const partials = this.options.api.on('assistant.partial', (partial) => {
      if (partial.requestId === requestId && !signal.aborted) onText(partial.text);
    });
    const sentAt = this.now();
    try {
      const answer = await this.options.api.call('assistant.complete', {
        requestId, journalId: this.options.journalId(), stepId: this.options.stepId(), path: query.path, prefix: query.prefix, suffix: query.suffix, multiline,
      });
      const roundTripMs = this.now() - sentAt;
      this.debounce.record(roundTripMs);
      this.options.onReport?.(answer.report, { debounceMs, roundTripMs });
      return signal.aborted ? null : answer.text;
    } catch (error) {
      if (signal.aborted) return null;
      throw error;
    } finally {
      partials.dispose();
      signal.removeEventListener('abort', cancel);
    }
  }

  /**
   * What is left of the last suggestion at this text: all of it at its own place (Monaco asking again), its rest
   * when the user typed its start since (and nothing else changed). Whole texts: bounded ones shift as the user types.
   */
  private typeThrough(query: CursorText): string | undefined {
    const shown = this.shown;
    if (!shown || shown.path !== query.path || shown.suffix !== query.suffix || !query.prefix.startsWith(shown.prefix)) return undefined;
    const typed = query.prefix.slice(shown.prefix.length);
    if (!shown.text.startsWith(typed) || typed.length >= shown.text.length) return undefined;
    return shown.text.slice(typed.length);
  }

  /** Nothing but whitespace is no suggestion. */
  private handOut(query: CursorText, text: string): string | null {
    if (text.trim() === '') return null;
    this.remember(query, text);
    return text;
  }

  /** Type-through keeps the suggestion it came from (its place and whole text); anything else replaces it. */
  private remember(query: CursorText, text: string): void {
    if (text.trim() === '') return;
    if (this.shown?.prefix === query.prefix || this.typeThrough(query) === undefined) this.shown = { ...query, text };
  }
}
