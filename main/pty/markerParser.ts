/**
 * Cuts a shell's output stream at the shell-integration markers. Every marker carries the session's nonce:
 * `ESC ] 133 ; A|B|C ; <nonce> BEL`, `ESC ] 133 ; D ; <nonce> ; <exit code> BEL`, `ESC ] 633 ; P ; <nonce> ; Cwd=<path> BEL`.
 * A program that prints a marker without the nonce only prints text.
 */
export type ShellEvent =
  | { kind: 'text'; text: string }
  | { kind: 'promptEnd' }
  | { kind: 'commandStart' }
  | { kind: 'commandEnd'; exitCode: number | null }
  | { kind: 'cwd'; cwd: string };

// A marker longer than this (a cwd marker carries a path) is not ours; text is not held back waiting for more.
const MAX_MARKER_LENGTH = 16_384;

export class MarkerParser {
  private pending = '';
  private readonly marker: RegExp;
  private readonly heads: string[];

  constructor(
    nonce: string,
    private readonly emit: (event: ShellEvent) => void,
  ) {
    if (!/^[0-9a-f]{8,}$/.test(nonce)) throw new Error('The marker nonce must be lowercase hex, at least 8 digits');
    this.marker = new RegExp(`\\x1b\\](?:133;([ABCD])|633;(P));${nonce}(?:;([^\\x07\\x1b]*))?\\x07`, 'y');
    this.heads = ['133;A', '133;B', '133;C', '133;D', '633;P'].map((kind) => `\x1b]${kind};${nonce}`);
  }

  feed(chunk: string): void {
    const buffer = this.pending + chunk;
    this.pending = '';
    let textStart = 0;
    let searchFrom = 0;
    for (;;) {
      const escape = buffer.indexOf('\x1b', searchFrom);
      if (escape < 0) break;
      this.marker.lastIndex = escape;
      const match = this.marker.exec(buffer);
      if (match) {
        this.text(buffer.slice(textStart, escape));
        this.emitMarker(match[1] ?? match[2] ?? '', match[3] ?? '');
        textStart = searchFrom = this.marker.lastIndex;
      } else if (this.mayBeIncompleteMarker(buffer, escape)) {
        // The rest of a marker split across reads comes with the next chunk.
        this.text(buffer.slice(textStart, escape));
        this.pending = buffer.slice(escape);
        return;
      } else {
        searchFrom = escape + 1;
      }
    }
    this.text(buffer.slice(textStart));
  }

  private mayBeIncompleteMarker(buffer: string, escape: number): boolean {
    const length = buffer.length - escape;
    if (length > MAX_MARKER_LENGTH) return false;
    return this.heads.some((head) =>
      length <= head.length
        ? head.startsWith(buffer.slice(escape))
        : buffer.startsWith(head, escape) && !/[\x07\x1b]/.test(buffer.slice(escape + head.length)),
    );
  }

  private text(text: string): void {
    if (text !== '') this.emit({ kind: 'text', text });
  }

  private emitMarker(kind: string, payload: string): void {
    switch (kind) {
      case 'A':
        return; // where the prompt starts: nothing needs it, the prompt is dropped up to B
      case 'B':
        return this.emit({ kind: 'promptEnd' });
      case 'C':
        return this.emit({ kind: 'commandStart' });
      case 'D':
        return this.emit({ kind: 'commandEnd', exitCode: /^\d+$/.test(payload) ? Number(payload) : null });
      case 'P':
        if (payload.startsWith('Cwd=')) this.emit({ kind: 'cwd', cwd: unescapeValue(payload.slice(4)) });
    }
  }
}

/** Undoes the shell side's escaping of a value: `\\` is a backslash, `\xHH` a control character. */
export function unescapeValue(value: string): string {
  return value.replace(/\\(\\|x[0-9a-fA-F]{2})/g, (_match, escaped: string) =>
    escaped === '\\' ? '\\' : String.fromCharCode(parseInt(escaped.slice(1), 16)),
  );
}
