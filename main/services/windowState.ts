import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { WindowState } from '../../app/ipc/contract';
import { mkdirDurable, writeFileAtomic } from '../storage/atomicFile';
import type { CallHandlers } from '../transport/dispatcher';

const StoredState = WindowState.extend({ workspace: z.string() });
const EMPTY: WindowState = { lastJournalId: null, editorTabs: [], activeTab: null };

/**
 * The window state of each workspace (the journal used last, the editor's tabs), one file per workspace in the user
 * data folder: not in the workspace, whose `.steerway/` is meant to be committed, and the same for Electron and for
 * browser mode, whose localStorage a new port would not find. A missing or unreadable file is an empty state.
 */
export class WindowStateStore {
  /** Saves of one workspace run in order, each over the one before. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly dir: string) {}

  private fileOf(workspace: string): string {
    return join(this.dir, `${createHash('sha256').update(workspace).digest('hex').slice(0, 32)}.json`);
  }

  async get(workspace: string): Promise<WindowState> {
    await this.queues.get(workspace)?.catch(() => undefined);
    return this.read(workspace);
  }

  save(workspace: string, change: Partial<WindowState>): Promise<void> {
    const write = async () => {
      const next = { ...(await this.read(workspace)), ...change, workspace };
      await mkdirDurable(this.dir);
      await writeFileAtomic(this.fileOf(workspace), JSON.stringify(next), { mode: 0o600 });
    };
    const next = (this.queues.get(workspace) ?? Promise.resolve()).then(write, write);
    this.queues.set(workspace, next);
    void next.finally(() => this.queues.get(workspace) === next && this.queues.delete(workspace)).catch(() => undefined);
    return next;
  }

  /** What the file holds now (`get` waits for the saves queued before it; a save reads inside the queue). */
  private async read(workspace: string): Promise<WindowState> {
    try {
      const stored = StoredState.parse(JSON.parse(await fs.readFile(this.fileOf(workspace), 'utf8')));
      // Two workspaces never share a file, but a hash is checked, not trusted.
      if (stored.workspace !== workspace) return EMPTY;
      return { lastJournalId: stored.lastJournalId, editorTabs: stored.editorTabs, activeTab: stored.activeTab };
    } catch {
      return EMPTY;
    }
  }

  /** The calls, for the workspace open now (`workspace()` null: nothing to keep or give). */
  handlers(workspace: () => string | null): Pick<CallHandlers, 'window.state' | 'window.saveState'> {
    return {
      'window.state': async () => {
        const current = workspace();
        return current ? this.get(current) : EMPTY;
      },
      'window.saveState': async (change) => {
        const current = workspace();
        if (current) await this.save(current, change);
        return {};
      },
    };
  }
}
