import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { EditorBackup } from '../../app/editor/schemas';
import { mkdirDurable, writeFileAtomic } from '../storage/atomicFile';

const StoredBackup = EditorBackup.extend({ workspace: z.string() });

/**
 * Hot exit, as VS Code does it: every unsaved editor buffer is also written to the user data folder (one file per
 * workspace and path), so a reload, a crash or a quit loses no edits; the next start offers them back as dirty tabs.
 * A buffer that becomes clean (saved, or its tab closed on purpose) removes its backup.
 */
export class HotExit {
  /** Writes of one backup run in order: a late write must not bring back a backup already removed. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly dir: string) {}

  private fileOf(workspace: string, path: string): string {
    return join(this.dir, `${createHash('sha256').update(`${workspace}\0${path}`).digest('hex').slice(0, 32)}.json`);
  }

  /** `text` null removes the backup. */
  set(workspace: string, path: string, text: string | null, baseMtimeMs: number | null): Promise<void> {
    const file = this.fileOf(workspace, path);
    const write = async () => {
      if (text === null) return fs.rm(file, { force: true });
      await mkdirDurable(this.dir);
      // Unsaved text can be as private as the file: only the user reads it.
      await writeFileAtomic(file, JSON.stringify({ workspace, path, text, baseMtimeMs }), { mode: 0o600 });
    };
    const next = (this.queues.get(file) ?? Promise.resolve()).then(write, write);
    this.queues.set(file, next);
    void next.finally(() => this.queues.get(file) === next && this.queues.delete(file)).catch(() => undefined);
    return next;
  }

  /** The backups of `workspace`; unreadable ones are skipped (a half-written file is never one: writes are atomic). */
  async list(workspace: string): Promise<EditorBackup[]> {
    const names = await fs.readdir(this.dir).catch(() => [] as string[]);
    const backups: EditorBackup[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      try {
        const stored = StoredBackup.parse(JSON.parse(await fs.readFile(join(this.dir, name), 'utf8')));
        if (stored.workspace === workspace) backups.push({ path: stored.path, text: stored.text, baseMtimeMs: stored.baseMtimeMs });
      } catch {
        continue;
      }
    }
    return backups;
  }
}
