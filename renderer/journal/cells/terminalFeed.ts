/** Where a feed writes: xterm.js in the app (its `write` calls back once the data is parsed), a recorder in tests. */
export interface FeedTarget {
  write(data: string, parsed: () => void): void;
  /** Clears the terminal; the feed calls it only once every earlier write was parsed. */
  reset(): void;
}

/** The most one write hands xterm.js: xterm parses a write whole, so this bounds the page's stall per write. */
export const FEED_SLICE_CHARS = 64 * 1024;
/** How much may wait in xterm.js unparsed; the rest waits here, so a flood never piles up inside xterm. */
export const FEED_IN_FLIGHT_CHARS = 4 * FEED_SLICE_CHARS;

type RequestFrame = (callback: () => void) => number;

/**
 * Paces a cell's output into its terminal. Chunks arriving within one animation frame become one write;
 * writes are at most FEED_SLICE_CHARS, with at most FEED_IN_FLIGHT_CHARS unparsed in xterm at a time (its
 * own write loop yields to the page every 12 ms between writes), so 50 MB of output streams while the
 * page keeps answering clicks. `onParsed` runs once the last write landed, and once per frame while more streams.
 */
export class TerminalFeed {
  private queue: string[] = [];
  private head = 0;
  private inFlight = 0;
  private resetPending = false;
  private frame = 0;
  private parsedFrame = 0;
  private disposed = false;

  constructor(
    private readonly target: FeedTarget,
    private readonly onParsed: () => void,
    private readonly requestFrame: RequestFrame = (callback) => requestAnimationFrame(callback),
    private readonly cancelFrame: (id: number) => void = (id) => cancelAnimationFrame(id),
  ) {}

  push(data: string): void {
    if (this.disposed || data === '') return;
    this.queue.push(data);
    this.frame ||= this.requestFrame(() => {
      this.frame = 0;
      this.feed();
    });
  }

  /** Forgets what waits here; the terminal is cleared after what it already has is parsed, before anything newer. */
  reset(): void {
    this.queue = [];
    this.head = 0;
    this.resetPending = true;
    this.feed();
  }

  dispose(): void {
    this.disposed = true;
    this.cancelFrame(this.frame);
    this.cancelFrame(this.parsedFrame);
    this.queue = [];
  }

  private feed(): void {
    if (this.disposed) return;
    if (this.resetPending) {
      if (this.inFlight > 0) return;
      this.resetPending = false;
      this.target.reset();
    }
    while (this.inFlight < FEED_IN_FLIGHT_CHARS && this.head < this.queue.length) {
      const slice = this.takeSlice();
      this.inFlight += slice.length;
      this.target.write(slice, () => {
        this.inFlight -= slice.length;
        // Top up from xterm's own loop: it yields to the page between writes, so no frame is waited for.
        this.feed();
        this.landed();
      });
    }
  }

  /** A write was parsed: tell the view now when all is written, else once per frame while more streams. */
  private landed(): void {
    if (this.disposed) return;
    if (this.inFlight === 0 && this.head === this.queue.length) {
      this.cancelFrame(this.parsedFrame);
      this.parsedFrame = 0;
      this.onParsed();
      return;
    }
    this.parsedFrame ||= this.requestFrame(() => {
      this.parsedFrame = 0;
      if (!this.disposed) this.onParsed();
    });
  }

  /** Up to FEED_SLICE_CHARS from the front of the queue, joined; a longer chunk is split. */
  private takeSlice(): string {
    const parts: string[] = [];
    let size = 0;
    while (this.head < this.queue.length && size < FEED_SLICE_CHARS) {
      const chunk = this.queue[this.head]!;
      const room = FEED_SLICE_CHARS - size;
      if (chunk.length <= room) {
        parts.push(chunk);
        size += chunk.length;
        this.head++;
      } else {
        parts.push(chunk.slice(0, room));
        size += room;
        this.queue[this.head] = chunk.slice(room);
      }
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return parts.join('');
  }
}
