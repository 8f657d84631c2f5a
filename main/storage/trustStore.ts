import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { mkdirDurable, removeStaleTempFiles, writeFileAtomic } from './atomicFile';
import type { JournalSaver } from './journalSaver';

const KEY_BYTES = 32;
/** Entries kept; the oldest trusted are forgotten first (those journals just ask to be trusted again). */
export const MAX_TRUST_ENTRIES = 2000;

const Signature = z.string().regex(/^[0-9a-f]{64}$/);
const SignatureFile = z.object({
  version: z.literal(1),
  algorithm: z.literal('hmac-sha256'),
  /** Oldest first. `previous`: the text an autosave is replacing, trusted until the next save (see `followSaves`). */
  entries: z.array(z.object({ path: z.string().min(1), signature: Signature, previous: Signature.optional() })),
});

/** What is trusted for one journal. */
type Signatures = Omit<z.infer<typeof SignatureFile>['entries'][number], 'path'>;

export interface TrustStoreOptions {
  maxEntries?: number;
  /** Where a corrupt key or signature file is reported; defaults to console.warn. */
  onWarning?: (message: string) => void;
}

function sign(key: Buffer, path: string, text: string): Buffer {
  // The path is part of what is signed, so an entry cannot be moved to vouch for another file; NUL cannot occur in a path.
  return createHmac('sha256', key).update(path).update('\0').update(text).digest();
}

/**
 * Which journals the user has trusted, as Jupyter does for notebooks: an HMAC-SHA256 of each trusted
 * journal's text, under a random key that lives outside every workspace (so a clone or a download
 * cannot bring its own trust). A journal is trusted iff its current text matches the signature stored
 * for its absolute path; any edit by another writer makes it untrusted until the user trusts it again.
 * While this machine autosaves a journal, two texts are trusted for it: the one on disk and the one being written.
 */
export class TrustStore {
  readonly keyPath: string;
  readonly signaturesPath: string;
  private readonly maxEntries: number;
  private readonly warn: (message: string) => void;
  private key: Promise<Buffer> | null = null;
  /** path -> hex signatures, in trust order (oldest first). */
  private entries: Promise<Map<string, Signatures>> | null = null;
  /** trust() calls run one at a time, so none writes over another's entry. */
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly userDataDir: string, options: TrustStoreOptions = {}) {
    this.keyPath = join(userDataDir, 'journal-trust.key');
    this.signaturesPath = join(userDataDir, 'journal-trust.json');
    this.maxEntries = options.maxEntries ?? MAX_TRUST_ENTRIES;
    this.warn = options.onWarning ?? ((message) => console.warn(message));
  }

  async isTrusted(journalPath: string, text: string): Promise<boolean> {
    const path = resolve(journalPath);
    const [key, entries] = await Promise.all([this.loadKey(), this.loadEntries()]);
    const signature = sign(key, path, text);
    const stored = entries.get(path);
    if (stored === undefined) return false;
    return [stored.signature, stored.previous].some((hex) => hex !== undefined && timingSafeEqual(Buffer.from(hex, 'hex'), signature));
  }

  /**
   * Trusts `text` for the journal at `journalPath`, in place of what was trusted for it. `replacing` (the text the
   * file holds while `text` is being written over it) stays trusted too, but only if it already was.
   */
  trust(journalPath: string, text: string, replacing?: string): Promise<void> {
    const run = this.queue.then(async () => {
      const path = resolve(journalPath);
      const [key, entries] = await Promise.all([this.loadKey(), this.loadEntries()]);
      const signatures: Signatures = { signature: sign(key, path, text).toString('hex') };
      const previous = replacing === undefined ? undefined : sign(key, path, replacing).toString('hex');
      const stored = entries.get(path);
      if (previous !== undefined && previous !== signatures.signature && (previous === stored?.signature || previous === stored?.previous)) {
        signatures.previous = previous;
      }
      const next = new Map(entries);
      next.delete(path);
      next.set(path, signatures);
      for (const oldest of next.keys()) {
        if (next.size <= this.maxEntries) break;
        next.delete(oldest);
      }
      const file: z.infer<typeof SignatureFile> = {
        version: 1,
        algorithm: 'hmac-sha256',
        entries: Array.from(next, ([p, signatures]) => ({ path: p, ...signatures })),
      };
      await mkdirDurable(this.userDataDir);
      await writeFileAtomic(this.signaturesPath, JSON.stringify(file) + '\n', { mode: 0o600 });
      this.entries = Promise.resolve(next);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Keeps the journal that `saver` writes trusted across its saves, while `trusted()` says the user trusts it.
   * Each text is signed before it is renamed into place, keeping the signature of the text it replaces, so a
   * crash between the signature and the rename leaves the user's journal trusted whichever text it holds.
   * `onDisk` is the text the file holds now. Returns a function that stops following.
   */
  followSaves(saver: JournalSaver, onDisk: string, trusted: () => boolean): () => void {
    let written = onDisk;
    const stopWriting = saver.onWriting(async (text) => {
      if (trusted()) await this.trust(saver.path, text, written);
    });
    const stopSaved = saver.onSaved((text) => {
      written = text;
    });
    return () => {
      stopWriting();
      stopSaved();
    };
  }

  private loadKey(): Promise<Buffer> {
    this.key ??= this.readOrCreateKey().catch((error: unknown) => {
      this.key = null; // An I/O error now (a locked file) need not last for the whole session.
      throw error;
    });
    return this.key;
  }

  private async readOrCreateKey(): Promise<Buffer> {
    try {
      const key = await fs.readFile(this.keyPath);
      if (key.length === KEY_BYTES) return key;
      this.warn(`The trust key ${this.keyPath} is damaged (${key.length} bytes); a new key replaces it, so journals must be trusted again.`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const key = randomBytes(KEY_BYTES);
    await mkdirDurable(this.userDataDir);
    await writeFileAtomic(this.keyPath, key, { mode: 0o600 });
    return key;
  }

  private loadEntries(): Promise<Map<string, Signatures>> {
    this.entries ??= this.readEntries().catch((error: unknown) => {
      this.entries = null;
      throw error;
    });
    return this.entries;
  }

  private async readEntries(): Promise<Map<string, Signatures>> {
    // A crash during a trust() leaves a temp file beside the signatures; housekeeping, so a failure is ignored.
    await removeStaleTempFiles(this.userDataDir, basename(this.signaturesPath)).catch(() => []);
    let text: string;
    try {
      text = await fs.readFile(this.signaturesPath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw error;
    }
    let problem: string;
    try {
      const parsed = SignatureFile.safeParse(JSON.parse(text));
      if (parsed.success) return new Map(parsed.data.entries.map(({ path, ...signatures }) => [path, signatures]));
      problem = parsed.error.issues[0]?.message ?? 'unexpected content';
    } catch (error) {
      problem = `not valid JSON (${(error as Error).message})`;
    }
    // Failing safe: with no signatures nothing is trusted, and the user can trust journals again.
    this.warn(`The trusted-journals file ${this.signaturesPath} is damaged (${problem}); no journal is trusted until trusted again.`);
    return new Map();
  }
}
