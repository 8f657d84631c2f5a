import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import type { DownloadState } from '../../app/completion/schemas';
import { GgufFormatError, readGgufHeader } from '../../assistant/gguf/header';

/** Progress events at most this often (state changes are always sent at once). */
export const PROGRESS_INTERVAL_MS = 250;

/** A download that cannot finish as is; the message says why, for the user. */
export class DownloadFailedError extends Error {
  override readonly name = 'DownloadFailedError';
}

export interface DownloadTarget {
  id: string;
  name: string;
  url: string;
  sha256: string | null;
  /** Where bytes accumulate; kept while paused so that resuming continues from its length. */
  partPath: string;
  finalPath: string;
}

export interface DownloadCallbacks {
  report(state: DownloadState): void;
  /** Registers the finished, checked file at `path`; throwing fails the download. */
  complete(path: string): Promise<void>;
}

type AbortReason = 'pause' | 'cancel';

async function fileSize(path: string): Promise<number> {
  try {
    return (await fs.stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Words for a failure: fetch reports network trouble as a TypeError whose cause has the details. */
function describeFailure(url: string, error: unknown): string {
  if (error instanceof DownloadFailedError) return error.message;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (error instanceof TypeError && cause) return `the connection to ${new URL(url).host} failed (${cause.code ?? cause.message}); resume to try again`;
  return (error as Error)?.message ?? String(error);
}

/**
 * One model download over plain HTTP with Range requests: pausing aborts the request and keeps the partial
 * file, resuming asks for the bytes after it (a server that ignores Range sends everything and we start over),
 * cancelling deletes it. A finished file is checked (SHA-256 when known, then the GGUF header) before it is handed on.
 */
export class ModelDownload {
  private current: DownloadState;
  private controller: AbortController | null = null;
  private task: Promise<void> = Promise.resolve();
  private lastReportAt = 0;
  private pendingReport: ReturnType<typeof setTimeout> | null = null;

  constructor(readonly target: DownloadTarget, private readonly callbacks: DownloadCallbacks, downloadedBytes = 0) {
    this.current = {
      id: target.id,
      name: target.name,
      state: 'paused',
      downloadedBytes,
      totalBytes: null,
      error: null,
    };
  }

  /** A partial file left by an earlier run, as a paused download; null when there is none. */
  static async restore(target: DownloadTarget, callbacks: DownloadCallbacks): Promise<ModelDownload | null> {
    const size = await fileSize(target.partPath);
    return size > 0 ? new ModelDownload(target, callbacks, size) : null;
  }

  state(): DownloadState {
    return { ...this.current };
  }

  private isActive(): boolean {
    return this.current.state === 'downloading' || this.current.state === 'verifying';
  }

  /** Starts or resumes; a download already running is left alone. */
  start(): DownloadState {
    if (this.isActive() || this.current.state === 'done') return this.state();
    const controller = new AbortController();
    this.controller = controller;
    this.update({ state: 'downloading', error: null });
    this.task = this.run(controller.signal);
    return this.state();
  }

  async pause(): Promise<DownloadState> {
    if (this.current.state === 'downloading') this.controller?.abort('pause' satisfies AbortReason);
    await this.task;
    return this.state();
  }

  async cancel(): Promise<DownloadState> {
    if (this.current.state === 'done' || this.current.state === 'cancelled') return this.state();
    if (this.isActive()) {
      this.controller?.abort('cancel' satisfies AbortReason);
      await this.task;
    } else {
      await fs.rm(this.target.partPath, { force: true });
      this.update({ state: 'cancelled', downloadedBytes: 0 });
    }
    return this.state();
  }

  private async run(signal: AbortSignal): Promise<void> {
    try {
      await this.transfer(signal);
      signal.throwIfAborted();
      this.update({ state: 'verifying' });
      await this.verify();
      signal.throwIfAborted();
      await fs.rename(this.target.partPath, this.target.finalPath);
      await this.callbacks.complete(this.target.finalPath);
      this.update({ state: 'done' });
    } catch (error) {
      if (signal.aborted && signal.reason === 'cancel') {
        await fs.rm(this.target.partPath, { force: true });
        this.update({ state: 'cancelled', downloadedBytes: 0 });
      } else if (signal.aborted) {
        this.update({ state: 'paused', downloadedBytes: await fileSize(this.target.partPath) });
      } else {
        this.update({ state: 'failed', error: `Downloading ${this.target.name} failed: ${describeFailure(this.target.url, error)}` });
      }
    } finally {
      this.controller = null;
    }
  }

  private async transfer(signal: AbortSignal): Promise<void> {
    const { url, partPath } = this.target;
    const offset = await fileSize(partPath);
    const response = await fetch(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, signal });
    if (response.status === 416) {
      // The partial file no longer fits what the server has (the file changed): start over next time.
      await fs.rm(partPath, { force: true });
      this.update({ downloadedBytes: 0 });
      throw new DownloadFailedError('the server could not continue the partial download; resuming will start over');
    }
    if (!response.ok || !response.body) {
      throw new DownloadFailedError(`the server answered ${response.status} ${response.statusText} for ${url}`);
    }
    const resumed = response.status === 206;
    const range = resumed ? parseContentRange(response.headers.get('content-range')) : null;
    if (range && range.start !== offset) {
      await fs.rm(partPath, { force: true });
      this.update({ downloadedBytes: 0 });
      throw new DownloadFailedError(`the server resumed at byte ${range.start} instead of ${offset}; resuming will start over`);
    }
    const totalBytes = range ? range.total : contentLength(response.headers);
    let downloadedBytes = resumed ? offset : 0;
    this.update({ downloadedBytes, totalBytes });
    const handle = await fs.open(partPath, resumed ? 'a' : 'w');
    const reader = response.body.getReader();
    try {
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        const chunk = read.value;
        await handle.write(chunk);
        downloadedBytes += chunk.byteLength;
        this.current = { ...this.current, downloadedBytes };
        this.reportProgress();
      }
    } finally {
      await handle.close();
    }
    if (totalBytes !== null && downloadedBytes !== totalBytes) {
      throw new DownloadFailedError(`the connection ended after ${downloadedBytes} of ${totalBytes} bytes; resume to continue`);
    }
  }

  private async verify(): Promise<void> {
    const { sha256, partPath } = this.target;
    if (sha256) {
      const actual = await sha256Of(partPath);
      if (actual !== sha256.toLowerCase()) {
        await fs.rm(partPath, { force: true });
        this.current = { ...this.current, downloadedBytes: 0 };
        throw new DownloadFailedError(`checksum mismatch (expected SHA-256 ${sha256}, got ${actual}); the file was deleted`);
      }
    }
    try {
      await readGgufHeader(partPath);
    } catch (error) {
      if (!(error instanceof GgufFormatError)) throw error;
      await fs.rm(partPath, { force: true });
      this.current = { ...this.current, downloadedBytes: 0 };
      throw new DownloadFailedError(`the file is not a usable GGUF model (${error.message}); it was deleted`);
    }
  }

  private update(change: Partial<DownloadState>): void {
    this.current = { ...this.current, ...change };
    this.report();
  }

  /** Leading and trailing throttle: the first progress goes out at once, the latest one at most every interval. */
  private reportProgress(): void {
    const wait = this.lastReportAt + PROGRESS_INTERVAL_MS - Date.now();
    if (wait <= 0) this.report();
    else this.pendingReport ??= setTimeout(() => this.report(), wait);
  }

  private report(): void {
    if (this.pendingReport) clearTimeout(this.pendingReport);
    this.pendingReport = null;
    this.lastReportAt = Date.now();
    this.callbacks.report(this.state());
  }
}

function contentLength(headers: Headers): number | null {
  const value = Number(headers.get('content-length'));
  return headers.has('content-length') && Number.isSafeInteger(value) ? value : null;
}

/** `Content-Range: bytes START-END/TOTAL` (TOTAL may be `*`, unknown). */
function parseContentRange(header: string | null): { start: number; total: number | null } {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header ?? '');
  if (!match) throw new DownloadFailedError(`the server sent a partial answer without a valid Content-Range (${header ?? 'missing'})`);
  return { start: Number(match[1]), total: match[2] === '*' ? null : Number(match[2]) };
}
