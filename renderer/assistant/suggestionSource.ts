import type { SteerwayApi } from '../../app/ipc/api';
import type { SuggestionReport } from '../../app/completion/schemas';

/** The text around the cursor of one file, as the provider reads it. */
export interface CursorText {
  path: string;
  prefix: string;
  suffix: string;
}

export interface SuggestionSourceOptions {
  api: SteerwayApi;
  journalId(): string | null;
  /** Called with what the model saw, for each suggestion the engine answered. */
  onReport?(report: SuggestionReport, timing: { debounceMs: number; roundTripMs: number }): void;
  now?(): number;
}

/** Bounds of the query: the engine keeps fewer tokens than this, so nothing it would use is cut here. */
export const PREFIX_CHARS = 8_000;
export const SUFFIX_CHARS = 2_000;
/** The cache key keeps this much of the text next to the cursor: enough to tell places apart, cheap to compare. */
const KEY_PREFIX_CHARS = 400;
const KEY_SUFFIX_CHARS = 120;
const CACHE_ENTRIES = 200;

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

/** A suggestion cut to its kind: one line ends at the line end; nothing but whitespace is no suggestion. */
export function shapeSuggestion(text: string, multiline: boolean): string | null {
  const shaped = multiline ? text.trimEnd() : text.slice(0, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n')).trimEnd();
  return shaped.trim() === '' ? null : shaped;
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

/** A small LRU: a Map keeps insertion order, so the first key is the least recently used. */
class Lru<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity: number) {}
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
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

function cacheKey(text: CursorText): string {
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
  /** Callers waiting on it; none while it goes on unattended (its callers left, their text unchanged). */
  waiters: number;
  controller: AbortController;
  promise: Promise<string | null>;
}

/**
 * Suggestions for a cursor, apart from Monaco: type-through of the last suggestion, the cache, the
 * debounce, the request and its cancellation. Every answer extends the text it was asked for, or is null.
 */
export class SuggestionSource {
  readonly debounce = new AdaptiveDebounce();
  private readonly cache = new Lru<string>(CACHE_ENTRIES);
  /** Requests not answered yet, by cache key, with how many callers wait on each. */
  private readonly pending = new Map<string, SharedRequest>();
  /** The last suggestion handed out, and the text it was for. */
  private shown: (CursorText & { text: string }) | null = null;
  private readonly now: () => number;

  constructor(private readonly options: SuggestionSourceOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * A suggestion to insert at the cursor, or null. `signal` aborts when the caller stops waiting: on a
   * keystroke, or when Monaco drops its request for its own reasons (an explicit trigger, Esc, focus lost).
   * `options.stillCurrent`, read at that moment, says whether the text is still the one asked about. When the
   * text changed and nobody else waits, the request is cancelled. When it did not, the request goes on
   * unattended: the next ask for the same text joins it or finds its answer in the cache, and an ask for
   * other text cancels it.
   */
  async suggest(full: CursorText, signal: AbortSignal, options: AskOptions = {}): Promise<string | null> {
    if (signal.aborted) return null;
    const query: CursorText = { path: full.path, prefix: full.prefix.slice(-PREFIX_CHARS), suffix: full.suffix.slice(0, SUFFIX_CHARS) };
    const key = cacheKey(query);
    // The text moved on: what nobody waits for any more is for a place the user has left.
    this.cancelUnattended(key);
    const ready = this.typeThrough(full) ?? this.cache.get(key);
    if (ready !== undefined) return this.handOut(full, ready);

    // Monaco may ask twice for the same text (a re-render, a re-trigger): both wait on one request.
    let shared = this.pending.get(key);
    if (!shared) {
      const controller = new AbortController();
      const created: SharedRequest = { waiters: 0, controller, promise: Promise.resolve(null) };
      created.promise = this.request(query, controller.signal, options.askedAt ?? this.now()).finally(() => {
        if (this.pending.get(key) === created) this.pending.delete(key);
      });
      this.pending.set(key, created);
      shared = created;
    }
    const joined = shared;
    joined.waiters++;
    const leave = () => {
      if (--joined.waiters > 0 || options.stillCurrent?.()) return;
      // The last one waiting left because the text changed: cancel, and let the next ask start afresh.
      this.pending.delete(key);
      joined.controller.abort();
    };
    signal.addEventListener('abort', leave, { once: true });
    try {
      // A caller that left does not wait for the engine's answer (or for the cancel's).
      const text = await Promise.race([joined.promise, new Promise<null>((resolve) => signal.addEventListener('abort', () => resolve(null), { once: true }))]);
      // The text moved on while the engine worked: this answer is for a place the user has left.
      if (text === null || signal.aborted) return null;
      return this.handOut(full, text);
    } finally {
      signal.removeEventListener('abort', leave);
    }
  }

  /** Cancels the requests nobody waits for, except the one for `key`. */
  private cancelUnattended(key: string): void {
    for (const [pendingKey, request] of this.pending) {
      if (pendingKey === key || request.waiters > 0) continue;
      this.pending.delete(pendingKey);
      request.controller.abort();
    }
  }

  /** Debounce (counted from `askedAt`), then ask the engine; null when cancelled, '' for no suggestion. */
  private async request(query: CursorText, signal: AbortSignal, askedAt: number): Promise<string | null> {
    const debounceMs = this.debounce.ms;
    const wait = debounceMs - (this.now() - askedAt);
    if (wait > 0 ? !(await sleep(wait, signal)) : signal.aborted) return null;

    const multiline = isMultiline(query.prefix, query.suffix);
    const requestId = `s${Date.now().toString(36)}${(requestCounter++).toString(36)}`;
    const cancel = () => void this.options.api.call('assistant.cancel', { requestId }).catch(() => undefined);
    signal.addEventListener('abort', cancel, { once: true });
    const sentAt = this.now();
    try {
      const answer = await this.options.api.call('assistant.complete', {
        requestId, journalId: this.options.journalId(), path: query.path, prefix: query.prefix, suffix: query.suffix, multiline,
      });
      const roundTripMs = this.now() - sentAt;
      this.debounce.record(roundTripMs);
      this.options.onReport?.(answer.report, { debounceMs, roundTripMs });
      const text = shapeSuggestion(answer.text, multiline) ?? '';
      // Empty answers are cached too: asking again at the same place would give the same nothing.
      this.cache.set(cacheKey(query), text);
      return text;
    } catch (error) {
      if (signal.aborted) return null;
      throw error;
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  /** The rest of the last suggestion when the user typed its start since (and nothing else changed). Whole texts: bounded ones shift as the user types. */
  private typeThrough(query: CursorText): string | undefined {
    const shown = this.shown;
    if (!shown || shown.path !== query.path || shown.suffix !== query.suffix || !query.prefix.startsWith(shown.prefix)) return undefined;
    const typed = query.prefix.slice(shown.prefix.length);
    if (typed === '' || !shown.text.startsWith(typed) || typed.length >= shown.text.length) return undefined;
    return shown.text.slice(typed.length);
  }

  private handOut(query: CursorText, text: string): string | null {
    if (text === '') return null;
    if (!this.typeThrough(query)) this.shown = { ...query, text };
    return text;
  }
}
