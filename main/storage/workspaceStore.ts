import { constants as fsConstants, type Dirent, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { newId } from '../../app/ids';
import { JournalFormatError, parseJournal, serializeJournal } from '../../app/journal/migrate';
import { Id, createJournal, type Journal, type JournalSummary } from '../../app/journal/schema';
import { fsyncDirectory, mkdirDurable, removeStaleTempFiles, writeFileAtomic } from './atomicFile';
import { JournalSaver } from './journalSaver';
import { MAX_OUTPUT_BYTES, OutputWriter, TRUNCATION_NOTICE } from './outputWriter';

export { JournalMismatchError, JournalSaver, type SavedListener } from './journalSaver';
export { MAX_OUTPUT_BYTES, OutputWriter } from './outputWriter';

export type JournalLoadErrorKind = 'missing' | 'invalid' | 'newer-version';

/** A journal file that cannot be opened; the message names the file and the problem, for the user. */
export class JournalLoadError extends Error {
  override readonly name = 'JournalLoadError';
  constructor(readonly path: string, readonly problem: string, readonly kind: JournalLoadErrorKind) {
    super(`Cannot open ${path}: ${problem}`);
  }
}

export class InvalidIdError extends Error {
  override readonly name = 'InvalidIdError';
}

/**
 * A symbolic link inside `.steerway`. A cloned repository can contain links, and following one would let
 * a journal read or overwrite any file of the user's (an output "log" linked to ~/.bashrc, say).
 */
export class UnsafePathError extends Error {
  override readonly name = 'UnsafePathError';
}

/**
 * A FIFO, socket, device or folder where Steerway keeps a file (an archive can carry any of them): reading a
 * FIFO would wait forever for a writer, and a device is no file of the journal's.
 */
export class NotAFileError extends Error {
  override readonly name = 'NotAFileError';
  constructor(readonly path: string, readonly kind: string) {
    super(`${path} is ${kind}, not a regular file`);
  }
}

/** Refused to save a journal whose file could not be read: it may be another version's work, and must stay as it is. */
export class SaveRefusedError extends Error {
  override readonly name = 'SaveRefusedError';
}

/** How much journal text the store keeps parsed (see `WorkspaceStore.parsed`). */
const PARSED_CACHE_CHARS = 32_000_000;

/** Names Windows reserves for devices, with any extension: `outputs/CON.log` would be the console there. */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/** Why `id` cannot name a file or folder, or null if it can: only the schema's safe alphabet, no `/`, `..`, or device names. */
function idProblem(id: string): string | null {
  const parsed = Id.safeParse(id);
  if (!parsed.success) return parsed.error.issues[0]?.message ?? 'not an id';
  return WINDOWS_DEVICE.test(id) ? 'the name is reserved for a device on Windows' : null;
}

function checkId(id: string): string {
  const problem = idProblem(id);
  if (problem !== null) throw new InvalidIdError(`not a valid id: ${JSON.stringify(id)} (${problem})`);
  return id;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

/** Marks cell outputs as generated, raw bytes: no line-ending conversion, and no noise in diffs and reviews. */
const OUTPUTS_GITATTRIBUTES = `# Written by Steerway: cell outputs are raw terminal output, replaced by each run.
*.log -text -diff linguist-generated
`;

export interface WorkspaceStoreOptions {
  /** Cap on one cell's stored output; tests lower it. */
  maxOutputBytes?: number;
}

/**
 * Journals as plain files in the workspace, meant to be committed:
 * `.steerway/journals/<id>/journal.json` (stable JSON), `outputs/<cellId>.log` (raw output of the
 * cell's latest run, kept out of the journal so it stays small) and `attachments/<id>.txt` (pasted text).
 */
export class WorkspaceStore {
  readonly root: string;
  private readonly journalsDir: string;
  private readonly maxOutputBytes: number;
  private readonly savers = new Map<string, JournalSaver>();
  /**
   * Journals as last read, by id, with the file's identity (inode, size, mtime) then: parsing a 5,000-step journal
   * takes a noticeable time, and the page lists the journals and then opens one. Bounded by PARSED_CACHE_CHARS.
   */
  private readonly parsed = new Map<string, { file: string; read: { journal: Journal; text: string; path: string } }>();
  /** Journals whose last read failed, by id: openSaver refuses them. */
  private readonly unreadable = new Map<string, JournalLoadError>();

  constructor(workspacePath: string, options: WorkspaceStoreOptions = {}) {
    this.root = join(resolve(workspacePath), '.steerway');
    this.journalsDir = join(this.root, 'journals');
    this.maxOutputBytes = options.maxOutputBytes ?? MAX_OUTPUT_BYTES;
  }

  journalDir(id: string): string {
    return join(this.journalsDir, checkId(id));
  }

  journalPath(id: string): string {
    return join(this.journalDir(id), 'journal.json');
  }

  outputPath(journalId: string, cellId: string): string {
    return join(this.journalDir(journalId), 'outputs', `${checkId(cellId)}.log`);
  }

  attachmentPath(journalId: string, attachmentId: string): string {
    return join(this.journalDir(journalId), 'attachments', `${checkId(attachmentId)}.txt`);
  }

  /** Every journal folder, newest first. One that cannot be opened is listed with `problem` set. */
  async listJournals(): Promise<JournalSummary[]> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(this.journalsDir, { withFileTypes: true });
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
    // Every folder and link is listed, so that the user sees why one does not open (a name that is no id, a link);
    // whatever is wrong with one journal, the others stay listed.
    const names = entries.filter((entry) => entry.isDirectory() || entry.isSymbolicLink()).map((entry) => entry.name);
    const summaries = await Promise.all(
      names.map(async (id): Promise<JournalSummary> => {
        const broken = (problem: string): JournalSummary => ({ id, title: id, createdAt: '', stepCount: 0, problem });
        const badName = idProblem(id);
        if (badName !== null) return broken(`Cannot open ${join(this.journalsDir, id)}: its folder name is not a journal id (${badName})`);
        try {
          const { journal } = await this.readJournal(id);
          return { id, title: journal.title, createdAt: journal.createdAt, stepCount: journal.steps.length, problem: null };
        } catch (error) {
          return broken(error instanceof JournalLoadError ? error.message : `Cannot open ${this.journalPath(id)}: ${(error as Error).message}`);
        }
      }),
    );
    return summaries.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
  }

  /** `beforeWrite` runs before the file exists (the trust store signs it then, so a crash cannot leave it untrusted). */
  async createJournal(title: string, beforeWrite?: (path: string, text: string) => Promise<void>): Promise<{ journal: Journal; text: string }> {
    const journal = createJournal(newId(), title, new Date());
    const text = serializeJournal(journal);
    const path = this.journalPath(journal.id);
    await this.refuseLinks(path);
    await beforeWrite?.(path, text);
    await mkdirDurable(dirname(path));
    await writeFileAtomic(path, text);
    return { journal, text };
  }

  /**
   * Reads, migrates and validates a journal. `text` is the file as read (what the trust store
   * signs). Throws JournalLoadError; the file is never modified here, only crash leftovers beside it are removed.
   */
  async readJournal(id: string): Promise<{ journal: Journal; text: string; path: string }> {
    const path = this.journalPath(id);
    try {
      await this.refuseLinks(path).catch((error: unknown) => {
        throw error instanceof UnsafePathError ? new JournalLoadError(path, error.message, 'invalid') : error;
      });
      await this.removeCrashLeftovers(id);
      const stat = await fs.stat(path).catch(() => null);
      const file = stat?.isFile() ? `${stat.ino}:${stat.size}:${stat.mtimeMs}` : null;
      const cached = this.parsed.get(id);
      if (file !== null && cached?.file === file) return cached.read;
      const bytes = await readRegularFile(path).catch((error: unknown) => {
        if (error instanceof NotAFileError) throw new JournalLoadError(path, `the file is ${error.kind}, not a regular file`, 'invalid');
        throw new JournalLoadError(path, `the file cannot be read (${(error as Error).message})`, 'invalid');
      });
      if (bytes === null) throw new JournalLoadError(path, 'the file does not exist', 'missing');
      let text: string;
      try {
        // Fatal: decoding leniently would replace bad bytes, and the next save would write that over the original.
        // (The decoder also drops a BOM, as some Windows editors add.)
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new JournalLoadError(path, 'the file is not valid UTF-8 text', 'invalid');
      }
      let journal: Journal;
      try {
        journal = parseJournal(text);
      } catch (error) {
        if (error instanceof JournalFormatError) throw new JournalLoadError(path, error.message, error.kind);
        throw error;
      }
      this.unreadable.delete(id);
      // The folder is the identity: a copied folder saves into itself, never over the journal it was copied from.
      const read = { journal: journal.id === id ? journal : { ...journal, id }, text, path };
      if (file !== null) this.remember(id, file, read);
      return read;
    } catch (error) {
      if (error instanceof JournalLoadError) this.unreadable.set(id, error);
      throw error;
    }
  }

  private remember(id: string, file: string, read: { journal: Journal; text: string; path: string }): void {
    this.parsed.delete(id);
    this.parsed.set(id, { file, read });
    let chars = 0;
    for (const entry of this.parsed.values()) chars += entry.read.text.length;
    // The oldest go first; the one just read stays even if it alone is over the bound.
    for (const [oldId, entry] of this.parsed) {
      if (chars <= PARSED_CACHE_CHARS || oldId === id) break;
      chars -= entry.read.text.length;
      this.parsed.delete(oldId);
    }
  }

  /** The autosaver of a journal, one per journal so that its writes are serialized. */
  openSaver(journal: Journal): JournalSaver {
    const failed = this.unreadable.get(journal.id);
    if (failed) throw new SaveRefusedError(`Not saving over ${failed.path}: it could not be opened (${failed.problem})`);
    const path = this.journalPath(journal.id);
    let saver = this.savers.get(journal.id);
    if (!saver) {
      saver = new JournalSaver(journal.id, path);
      this.savers.set(journal.id, saver);
    }
    return saver;
  }

  /** Starts the stored output of a cell's new run, replacing the previous run's. */
  async openOutput(journalId: string, cellId: string): Promise<OutputWriter> {
    const path = this.outputPath(journalId, cellId);
    await this.refuseLinks(path);
    const dir = await this.subfolder(journalId, 'outputs');
    const attributes = join(dir, '.gitattributes');
    await fs.access(attributes).catch(() => writeFileAtomic(attributes, OUTPUTS_GITATTRIBUTES));
    await refuseNonFile(path);
    const handle = await fs.open(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | NO_WAIT_NO_FOLLOW);
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw new NotAFileError(path, describeKind(stats));
    } catch (error) {
      await handle.close();
      throw error;
    }
    return new OutputWriter(handle, path, this.maxOutputBytes);
  }

  /** The stored output of a cell's latest run, or null if it has none. */
  async readOutput(journalId: string, cellId: string): Promise<{ output: string; truncated: boolean } | null> {
    const path = this.outputPath(journalId, cellId);
    await this.refuseLinks(path);
    const output = await readTextOrNull(path);
    return output === null ? null : { output, truncated: output.endsWith(TRUNCATION_NOTICE) };
  }

  async deleteOutput(journalId: string, cellId: string): Promise<void> {
    const path = this.outputPath(journalId, cellId);
    await this.refuseLinks(path);
    await fs.rm(path, { force: true });
  }

  /** Stores pasted text beside the journal and returns its size in bytes. */
  async writeAttachmentText(journalId: string, attachmentId: string, text: string): Promise<number> {
    const path = this.attachmentPath(journalId, attachmentId);
    await this.refuseLinks(path);
    await this.subfolder(journalId, 'attachments');
    await writeFileAtomic(path, text);
    return Buffer.byteLength(text, 'utf8');
  }

  async readAttachmentText(journalId: string, attachmentId: string): Promise<string | null> {
    const path = this.attachmentPath(journalId, attachmentId);
    await this.refuseLinks(path);
    return readTextOrNull(path);
  }

  async deleteAttachmentText(journalId: string, attachmentId: string): Promise<void> {
    const path = this.attachmentPath(journalId, attachmentId);
    await this.refuseLinks(path);
    await fs.rm(path, { force: true });
  }

  /** Writes a journal's Markdown export as `.steerway/exports/<title as a slug>.md`, never through a link; returns its path. */
  async writeExport(title: string, markdown: string): Promise<string> {
    const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'journal';
    // `con.md` would be the console on Windows.
    const path = join(this.root, 'exports', `${WINDOWS_DEVICE.test(slug) ? `${slug}-journal` : slug}.md`);
    // A cloned repository can ship `.steerway/exports` as a link to a folder of the user's (~/.bashrc.d, say).
    await this.refuseLinks(path);
    await mkdirDurable(dirname(path));
    await writeFileAtomic(path, markdown);
    return path;
  }

  /** Creates `outputs/` or `attachments/` inside an existing journal folder; never creates the journal folder itself. */
  private async subfolder(journalId: string, name: string): Promise<string> {
    const journalDir = this.journalDir(journalId);
    const dir = join(journalDir, name);
    try {
      await fs.mkdir(dir);
      await fsyncDirectory(journalDir);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') throw new JournalLoadError(this.journalPath(journalId), 'the journal does not exist', 'missing');
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    return dir;
  }

  /** Throws UnsafePathError if `path`, or any folder from `.steerway` down to it, is a symbolic link. */
  private async refuseLinks(path: string): Promise<void> {
    let current = dirname(this.root);
    for (const part of relative(current, path).split(sep)) {
      current = join(current, part);
      let stats: Stats;
      try {
        stats = await fs.lstat(current);
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return;
        throw error;
      }
      if (stats.isSymbolicLink()) {
        throw new UnsafePathError(`${current} is a symbolic link, and Steerway does not follow links inside .steerway`);
      }
    }
  }

  private async removeCrashLeftovers(id: string): Promise<void> {
    const dir = this.journalDir(id);
    // Housekeeping only: failing it must not keep a good journal from opening.
    await Promise.all([dir, join(dir, 'outputs'), join(dir, 'attachments')].map((d) => removeStaleTempFiles(d).catch(() => [])));
  }
}

/**
 * Open flags that never block nor follow: opening a FIFO must not wait for a writer or reader (it is refused
 * once open), and a link swapped in after the checks must not be followed. Windows has neither (nor FIFOs): 0 there.
 */
const NO_WAIT_NO_FOLLOW = (fsConstants.O_NONBLOCK ?? 0) | (fsConstants.O_NOFOLLOW ?? 0);

function describeKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'a device';
}

/** Throws NotAFileError if `path` exists and is not a regular file; looked at before opening, so no device is ever opened. */
async function refuseNonFile(path: string): Promise<void> {
  let stats: Stats;
  try {
    stats = await fs.lstat(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw error;
  }
  if (!stats.isFile()) throw new NotAFileError(path, describeKind(stats));
}

/** The bytes of a regular file, or null if there is none; throws NotAFileError for anything else found there. */
async function readRegularFile(path: string): Promise<Buffer | null> {
  let handle: fs.FileHandle;
  try {
    await refuseNonFile(path);
    handle = await fs.open(path, fsConstants.O_RDONLY | NO_WAIT_NO_FOLLOW);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
  try {
    // Again on what was opened: the path may have been replaced since it was looked at.
    const stats = await handle.stat();
    if (!stats.isFile()) throw new NotAFileError(path, describeKind(stats));
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

async function readTextOrNull(path: string): Promise<string | null> {
  return (await readRegularFile(path))?.toString('utf8') ?? null;
}
