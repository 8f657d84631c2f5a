import type { Disposable } from '../../../app/ipc/api';
import { keepTextAndColours, plainText } from '../../../app/terminal/ansi';
import { formatBytes } from '../format';

/** Where a cell's output goes: in the app an xterm.js view, in tests a recorder. */
export interface OutputSink {
  /** Forget what was shown: a new run started, or stored output replaces what was there. */
  reset(): void;
  write(data: string): void;
}

export interface StoredOutput {
  output: string;
  truncated: boolean;
}

interface CellOutput {
  chunks: string[];
  truncated: boolean;
  /** Bumped when a run starts, so stored output fetched before it cannot overwrite the live run. */
  generation: number;
  loading: Promise<void> | null;
  sinks: Set<OutputSink>;
}

const TRUNCATED_NOTE = '\r\n\x1b[2m[output truncated]\x1b[0m\r\n';

/**
 * Output shown again is its last this many characters (some 15,000 lines): filtering and re-parsing
 * 50 MB would stall the page for seconds, a million characters takes a frame or two. Copy still has it all.
 */
export const REPLAY_MAX_CHARS = 1_000_000;

const skippedNote = (chars: number) => `\x1b[2m[${formatBytes(chars)} of earlier output not shown here; Copy copies all of it]\x1b[0m\r\n`;

/** The end of the output, at most `max` characters starting at a line, and how much came before it. */
export function outputTail(chunks: readonly string[], max: number): { text: string; skipped: number } {
  let size = 0;
  let first = chunks.length;
  while (first > 0 && size < max) size += chunks[--first]!.length;
  const before = chunks.slice(0, first).reduce((sum, chunk) => sum + chunk.length, 0);
  const text = chunks.slice(first).join('');
  if (first === 0 && text.length <= max) return { text, skipped: 0 };
  // Start at a line, so no escape sequence or line is shown cut.
  const lineStart = text.indexOf('\n', text.length - max) + 1;
  const start = lineStart > 0 ? lineStart : text.length - max;
  return { text: text.slice(start), skipped: before + start };
}

/**
 * Per-cell output kept outside React: live chunks go straight to the attached views, so a run
 * printing 100k lines never re-renders a component. Output is kept for the journal's lifetime so a
 * view that unmounts (collapse, step switch) shows everything again when it comes back.
 */
export class OutputHub {
  private readonly cells = new Map<string, CellOutput>();

  constructor(
    private readonly loadStored: (cellId: string) => Promise<StoredOutput>,
    private readonly reportError: (error: unknown) => void,
  ) {}

  private entry(cellId: string): CellOutput {
    let entry = this.cells.get(cellId);
    if (!entry) {
      entry = { chunks: [], truncated: false, generation: 0, loading: null, sinks: new Set() };
      this.cells.set(cellId, entry);
    }
    return entry;
  }

  started(cellId: string): void {
    const entry = this.entry(cellId);
    entry.chunks = [];
    entry.truncated = false;
    entry.generation++;
    entry.loading = Promise.resolve();
    for (const sink of entry.sinks) sink.reset();
  }

  /** Live output goes to the views as it came, so the running program's terminal control works. */
  data(cellId: string, data: string): void {
    const entry = this.entry(cellId);
    entry.chunks.push(data);
    for (const sink of entry.sinks) sink.write(data);
  }

  /**
   * Shows the cell's output in `sink` now and as it changes. `hasStoredRun` says whether main has
   * output from an earlier run to fetch when nothing is known here yet.
   */
  attach(cellId: string, sink: OutputSink, hasStoredRun: boolean): Disposable {
    const entry = this.entry(cellId);
    entry.sinks.add(sink);
    if (entry.chunks.length > 0) sink.write(this.shownAgain(entry));
    else if (hasStoredRun) this.load(cellId, entry).catch(this.reportError);
    return { dispose: () => entry.sinks.delete(sink) };
  }

  /** The cell's output as plain text (no escapes), fetching the stored output if needed. */
  async plainText(cellId: string, hasStoredRun: boolean): Promise<string> {
    const entry = this.entry(cellId);
    if (entry.chunks.length === 0 && hasStoredRun) await this.load(cellId, entry);
    return plainText(entry.chunks.join(''));
  }

  forget(cellId: string): void {
    this.cells.delete(cellId);
  }

  /** Output shown a second time keeps only text and colours: never re-executes what a program asked for. */
  private shownAgain(entry: CellOutput): string {
    const { text, skipped } = outputTail(entry.chunks, REPLAY_MAX_CHARS);
    return (skipped > 0 ? skippedNote(skipped) : '') + keepTextAndColours(text) + (entry.truncated ? TRUNCATED_NOTE : '');
  }

  private load(cellId: string, entry: CellOutput): Promise<void> {
    if (entry.loading) return entry.loading;
    const generation = entry.generation;
    entry.loading = this.loadStored(cellId).then(
      (stored) => {
        if (entry.generation !== generation) return;
        entry.chunks = stored.output ? [stored.output] : [];
        entry.truncated = stored.truncated;
        const text = this.shownAgain(entry);
        for (const sink of entry.sinks) {
          sink.reset();
          sink.write(text);
        }
      },
      (error: unknown) => {
        // Let a later view try again rather than remembering the failure.
        entry.loading = null;
        throw error;
      },
    );
    return entry.loading;
  }
}
