import { serializeJournal } from '../../app/journal/migrate';
import type { Journal } from '../../app/journal/schema';
import { writeFileAtomic } from './atomicFile';

export type SavedListener = (text: string) => void | Promise<void>;

export class JournalMismatchError extends Error {
  override readonly name = 'JournalMismatchError';
}

interface Waiter {
  resolve(text: string): void;
  reject(error: unknown): void;
}

/**
 * Autosave for one journal file. Writes are serialized (one at a time) and coalesced: saves that
 * arrive while a write is running replace each other, and only the latest is written next. Every
 * `save` promise resolves, with the text actually written, once a version at least as new as its
 * own is durable, or rejects if the write that covered it failed.
 */
export class JournalSaver {
  private queued: { text: string; waiters: Waiter[] } | null = null;
  private writing = false;
  private lastError: unknown = null;
  private idleWaiters: Array<() => void> = [];
  private readonly writingListeners = new Set<SavedListener>();
  private readonly listeners = new Set<SavedListener>();

  constructor(readonly journalId: string, readonly path: string) {}

  save(journal: Journal): Promise<string> {
    if (journal.id !== this.journalId) {
      return Promise.reject(new JournalMismatchError(`journal ${journal.id} cannot be saved into ${this.path}`));
    }
    let text: string;
    try {
      // Serialized now, so the version saved is the one passed even if the caller builds on it meanwhile.
      text = serializeJournal(journal);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<string>((resolve, reject) => {
      const waiters = this.queued?.waiters ?? [];
      waiters.push({ resolve, reject });
      this.queued = { text, waiters };
      if (!this.writing) {
        this.writing = true;
        void this.drain();
      }
    });
  }

  /** Resolves once every save made so far has been written; rejects if the last write failed. */
  flush(): Promise<void> {
    const settled = this.writing ? new Promise<void>((resolve) => this.idleWaiters.push(resolve)) : Promise.resolve();
    return settled.then(() => {
      if (this.lastError !== null) throw this.lastError;
    });
  }

  /**
   * Called with each text before it is written (the trust store signs it first, so a crash between the write and
   * the signature cannot leave the journal untrusted); awaited before the write, and a failure does not stop it.
   */
  onWriting(listener: SavedListener): () => void {
    this.writingListeners.add(listener);
    return () => this.writingListeners.delete(listener);
  }

  /** Called after each durable write with the text written (the trust store re-signs it); awaited before saves resolve. */
  onSaved(listener: SavedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async drain(): Promise<void> {
    while (this.queued) {
      const { text, waiters } = this.queued;
      this.queued = null;
      await this.notify(this.writingListeners, text);
      try {
        await writeFileAtomic(this.path, text);
      } catch (error) {
        this.lastError = error;
        for (const waiter of waiters) waiter.reject(error);
        continue;
      }
      this.lastError = null;
      await this.notify(this.listeners, text);
      for (const waiter of waiters) waiter.resolve(text);
    }
    this.writing = false;
    const idle = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of idle) resolve();
  }

  private async notify(listeners: Set<SavedListener>, text: string): Promise<void> {
    const results = await Promise.allSettled([...listeners].map(async (listener) => listener(text)));
    for (const result of results) {
      // A listener's failure must neither fail nor stop a save: the user's text matters more than its bookkeeping.
      if (result.status === 'rejected') console.error(`Steerway: a listener of saves to ${this.path} failed:`, result.reason);
    }
  }
}
