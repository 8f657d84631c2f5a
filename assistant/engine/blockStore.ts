// Where a block's KV lives outside the context: the memory tier, the disk tier (written in the
// background), and the checks that bring a state back into a sequence.
import { isNativeError, type AddonContext } from '../../native/binding';
import type { BlockRejection } from './blockFile';
import type { DiskTier, MemoryTier } from './tiers';

/** Everything that must match for a stored state to be taken for a block. */
export interface StoredBlock {
  key: string;
  length: number;
  /** Where the block was encoded (its first position); a restored state must land there. */
  home: number;
}

export interface Restored {
  /** Where the state came from; null when the block must be computed. */
  source: 'memory' | 'disk' | null;
  /** A disk file deleted on the way, and why. */
  rejectedFile?: BlockRejection;
}

export class BlockStore {
  private diskWrites: Promise<void> = Promise.resolve();
  private readonly pendingDiskKeys = new Set<string>();

  constructor(
    readonly memory: MemoryTier,
    readonly disk: DiskTier | null,
    /** Model identity and KV layout, checked in every block file's header. */
    private readonly model: string,
    private readonly layout: string,
  ) {}

  /** Whether the block's KV can be brought back without recomputing it. */
  recoverable(key: string): boolean {
    return this.memory.has(key) || (this.disk?.has(key) ?? false) || this.pendingDiskKeys.has(key);
  }

  /** Restores a block from memory or disk into `seq` at its home position; `source: null` when it must be computed. */
  async restore(ctx: AddonContext, seq: number, block: StoredBlock): Promise<Restored> {
    const fromMemory = this.memory.get(block.key);
    if (fromMemory && this.setState(ctx, seq, fromMemory, block)) return { source: 'memory' };
    if (!this.disk) return { source: null };
    if (this.pendingDiskKeys.has(block.key)) await this.diskWrites;
    const read = await this.disk.read(this.expectation(block));
    let rejectedFile: BlockRejection | undefined = read && 'rejected' in read ? read.rejected : undefined;
    if (read && 'payload' in read) {
      if (this.setState(ctx, seq, read.payload, block)) {
        this.memory.put(block.key, read.payload);
        return { source: 'disk', ...(rejectedFile ? { rejectedFile } : {}) };
      }
      // Its checks passed, yet llama.cpp refused it: gone, so the recomputed state is written in its place.
      await this.disk.remove(block.key);
      rejectedFile = 'state-refused';
    }
    return rejectedFile ? { source: null, rejectedFile } : { source: null };
  }

  /** Keeps a computed block's state in memory and writes it to disk in the background. */
  save(block: StoredBlock, state: Buffer): void {
    this.memory.put(block.key, state);
    const disk = this.disk;
    if (!disk || disk.has(block.key) || this.pendingDiskKeys.has(block.key)) return;
    this.pendingDiskKeys.add(block.key);
    const expect = this.expectation(block);
    this.diskWrites = this.diskWrites
      .then(() => disk.write(expect, state))
      // A failed write only costs a later recompute.
      .catch(() => undefined)
      .finally(() => this.pendingDiskKeys.delete(block.key));
  }

  /** Resolves when every state saved so far is on disk (or failed to be). */
  flush(): Promise<void> {
    return this.diskWrites;
  }

  private expectation(block: StoredBlock) {
    return { key: block.key, model: this.model, layout: this.layout, tokenCount: block.length };
  }

  /** A state llama.cpp refuses, or one that lands at other positions, is cleared away and recomputed. */
  private setState(ctx: AddonContext, seq: number, state: Buffer, block: StoredBlock): boolean {
    try {
      ctx.stateSeqSet(seq, state);
      if (ctx.seqPosMin(seq) === block.home && ctx.seqPosMax(seq) === block.home + block.length - 1) return true;
    } catch (err) {
      if (!isNativeError(err, 'ERR_STATE')) throw err;
    }
    ctx.seqRm(seq, -1, -1);
    this.memory.delete(block.key);
    return false;
  }
}
