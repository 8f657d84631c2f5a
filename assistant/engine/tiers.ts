// Block storage below the context: an LRU in memory and a folder on disk, each under a byte budget.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { BlockFileError, decodeBlockFile, encodeBlockFile, type BlockExpectation, type BlockRejection } from './blockFile';

export class MemoryTier {
  private readonly entries = new Map<string, Buffer>();
  private used = 0;

  constructor(readonly budgetBytes: number) {}

  get(key: string): Buffer | undefined {
    const value = this.entries.get(key);
    if (value) {
      // Map order is the LRU order: re-insert on use.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Whether `key` is held, without touching the LRU order. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  put(key: string, value: Buffer): void {
    if (value.length > this.budgetBytes) return;
    this.delete(key);
    this.entries.set(key, value);
    this.used += value.length;
    for (const [k, v] of this.entries) {
      if (this.used <= this.budgetBytes) break;
      this.entries.delete(k);
      this.used -= v.length;
    }
  }

  delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.used -= old.length;
  }

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }
}

const EXT = '.kvb';
/** Block files hold what the user's documents encode to: readable by the user alone, as the folder is. */
export const BLOCK_FILE_MODE = 0o600;
export const BLOCK_DIR_MODE = 0o700;

export type DiskRead = { payload: Buffer } | { rejected: BlockRejection } | null;

/** Files `<key>.kvb` in one folder; least recently used (by mtime) go first when over budget. */
export class DiskTier {
  /** key -> bytes, in LRU order. */
  private readonly files = new Map<string, number>();
  private used = 0;

  private constructor(
    readonly dir: string,
    readonly budgetBytes: number,
  ) {}

  static async open(dir: string, budgetBytes: number): Promise<DiskTier> {
    await fs.mkdir(dir, { recursive: true, mode: BLOCK_DIR_MODE });
    const tier = new DiskTier(dir, budgetBytes);
    const found: { key: string; size: number; mtime: number }[] = [];
    for (const name of await fs.readdir(dir)) {
      const file = path.join(dir, name);
      if (name.endsWith('.tmp')) {
        await fs.rm(file, { force: true }); // left by a crash mid-write
        continue;
      }
      if (!name.endsWith(EXT)) continue;
      // lstat: a link is no block of ours, and chmod must not reach through it.
      const stat = await fs.lstat(file).catch(() => null);
      if (!stat?.isFile()) continue;
      // Files written before blocks were private.
      if ((stat.mode & 0o777) !== BLOCK_FILE_MODE) await fs.chmod(file, BLOCK_FILE_MODE).catch(() => undefined);
      found.push({ key: name.slice(0, -EXT.length), size: stat.size, mtime: stat.mtimeMs });
    }
    found.sort((a, b) => a.mtime - b.mtime);
    for (const f of found) {
      tier.files.set(f.key, f.size);
      tier.used += f.size;
    }
    await tier.evict();
    return tier;
  }

  private file(key: string): string {
    return path.join(this.dir, key + EXT);
  }

  has(key: string): boolean {
    return this.files.has(key);
  }

  /** A checked payload; a file that fails a check is deleted and reported. */
  async read(expect: BlockExpectation): Promise<DiskRead> {
    if (!this.files.has(expect.key)) return null;
    let data: Buffer;
    try {
      data = await fs.readFile(this.file(expect.key));
    } catch {
      this.forget(expect.key);
      return null;
    }
    try {
      const payload = decodeBlockFile(data, expect);
      this.touch(expect.key);
      return { payload };
    } catch (err) {
      if (!(err instanceof BlockFileError)) throw err;
      await this.remove(expect.key);
      return { rejected: err.reason };
    }
  }

  async write(expect: BlockExpectation, payload: Buffer): Promise<void> {
    const data = encodeBlockFile(expect, payload);
    if (data.length > this.budgetBytes) return;
    const target = this.file(expect.key);
    // A new file of its own ('wx'), so it is created with the mode and no other writer shares it.
    const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.writeFile(tmp, data, { mode: BLOCK_FILE_MODE, flag: 'wx' });
      await fs.rename(tmp, target);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    this.forget(expect.key);
    this.files.set(expect.key, data.length);
    this.used += data.length;
    await this.evict();
  }

  private touch(key: string): void {
    const size = this.files.get(key);
    if (size === undefined) return;
    this.files.delete(key);
    this.files.set(key, size);
    const now = new Date();
    // mtime carries the LRU order across runs.
    fs.utimes(this.file(key), now, now).catch(() => undefined);
  }

  private forget(key: string): void {
    const size = this.files.get(key);
    if (size === undefined) return;
    this.files.delete(key);
    this.used -= size;
  }

  /** Deletes a block's file: it failed a check, was evicted, or llama.cpp would not take its state. */
  async remove(key: string): Promise<void> {
    this.forget(key);
    await fs.rm(this.file(key), { force: true });
  }

  private async evict(): Promise<void> {
    for (const key of [...this.files.keys()]) {
      if (this.used <= this.budgetBytes) break;
      await this.remove(key);
    }
  }

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.files.size;
  }
}
