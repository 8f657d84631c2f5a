import type { FileHandle } from 'node:fs/promises';

/** The most of one run's output kept on disk; a runaway `yes` must not fill the disk or the journal's folder. */
export const MAX_OUTPUT_BYTES = 50 * 1024 * 1024;
/** Output is written in batches at most this often, so a chatty program does not cost one write per chunk. */
export const OUTPUT_FLUSH_MS = 50;
/** Appended once when the cap is reached; it resets colours so the notice is readable after any output. */
export const TRUNCATION_NOTICE = '\r\n\x1b[0m[Steerway: output truncated here; later output was not kept]\r\n';

/** The longest prefix of `text` that fits in `maxBytes` of UTF-8 without splitting a character. */
function utf8Head(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  let end = Math.min(maxBytes, bytes.length);
  // A continuation byte (10xxxxxx) at the cut means the character started before it.
  while (end > 0 && end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * The raw output of one run of a cell, streamed to its file. `write` only buffers (it never waits on
 * the disk); a timer flushes the buffer in the background; `close` writes the rest and fsyncs.
 */
export class OutputWriter {
  private chunks: string[] = [];
  private keptBytes = 0;
  private truncated = false;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private error: unknown = null;
  private closing: Promise<{ bytes: number; truncated: boolean }> | null = null;

  constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    private readonly maxBytes = MAX_OUTPUT_BYTES,
  ) {}

  /**
   * Buffers `data`. Dropped after the cap, and after close (a pty may still deliver a last chunk,
   * and throwing from its data handler would crash main).
   */
  write(data: string): void {
    if (this.closing || this.truncated || data === '') return;
    const size = Buffer.byteLength(data, 'utf8');
    if (this.keptBytes + size <= this.maxBytes) {
      this.chunks.push(data);
      this.keptBytes += size;
    } else {
      const head = utf8Head(data, this.maxBytes - this.keptBytes);
      this.chunks.push(head, TRUNCATION_NOTICE);
      this.keptBytes += Buffer.byteLength(head, 'utf8');
      this.truncated = true;
    }
    this.schedule();
  }

  /** Writes what is buffered, fsyncs and closes. `bytes` counts the program's output kept, without the notice. */
  close(): Promise<{ bytes: number; truncated: boolean }> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<{ bytes: number; truncated: boolean }> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      await this.flushing;
      await this.writeBuffered();
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
    if (this.error !== null) throw this.error;
    return { bytes: this.keptBytes, truncated: this.truncated };
  }

  private schedule(): void {
    if (this.timer || this.flushing) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushing = this.writeBuffered().then(() => {
        this.flushing = null;
        if (this.chunks.length && !this.closing) this.schedule();
      });
    }, OUTPUT_FLUSH_MS);
  }

  private async writeBuffered(): Promise<void> {
    const text = this.chunks.join('');
    this.chunks = [];
    // After a failed write the rest is dropped: close() reports the failure, and a gap must not be papered over.
    if (text === '' || this.error !== null) return;
    try {
      // writeFile on a handle writes everything, at the current position, looping over short writes.
      await this.handle.writeFile(text, 'utf8');
    } catch (error) {
      // Remembered for close(): a background flush has no caller to tell.
      this.error = error;
    }
  }
}
