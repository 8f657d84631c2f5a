// Token healing. A cursor rarely stands where the tokenizer would end a token: after `  return ` the prefix ends
// with a lone space token, which in tokenized text is almost always followed by a digit (` 0` is two tokens, ` x`
// one), so a model trained on whole files answers `0;`. Healing takes the prefix's last token back out of the prompt
// and makes the first generated tokens spell its text again, so the model chooses how that text continues (` x`);
// guidance and llama.cpp's token healing do the same. A FIM model trained on prefixes tokenized apart from their
// middles has seen such ends, so the engine heals by default only without FIM (format.ts, healsByDefault); measured
// in README, "Token healing, measured".

/** What the index needs of a loaded model (AddonModel satisfies it). */
export interface PieceSource {
  readonly info: { readonly nVocab: number };
  tokenPiece(token: number): Uint8Array;
  isControl(token: number): boolean;
  isEog(token: number): boolean;
}

/** Bytes as a string of char codes 0..255, so that string order is byte order and `startsWith` is a byte prefix. */
const latin1 = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

/** Every text token's bytes, sorted, to find the tokens that begin with some bytes in a binary search. */
export class TokenPieceIndex {
  private readonly pieces: string[];
  private readonly sorted: string[];
  private readonly sortedIds: Int32Array;
  private readonly idOf = new Map<string, number>();

  constructor(model: PieceSource) {
    const n = model.info.nVocab;
    this.pieces = new Array<string>(n);
    const text: number[] = [];
    for (let t = 0; t < n; t++) {
      const control = model.isControl(t) || model.isEog(t);
      const piece = control ? '' : latin1(model.tokenPiece(t));
      this.pieces[t] = piece;
      if (piece === '') continue;
      text.push(t);
      if (!this.idOf.has(piece)) this.idOf.set(piece, t);
    }
    text.sort((a, b) => (this.pieces[a]! < this.pieces[b]! ? -1 : this.pieces[a]! > this.pieces[b]! ? 1 : a - b));
    this.sortedIds = Int32Array.from(text);
    this.sorted = text.map((t) => this.pieces[t]!);
  }

  /** The token's bytes (latin1); '' for control tokens. */
  piece(token: number): string {
    return this.pieces[token] ?? '';
  }

  /** Positions [from, to) in sorted order of the tokens whose bytes begin with `head`. */
  private range(head: string): [number, number] {
    const lowerBound = (key: string): number => {
      let lo = 0;
      let hi = this.sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.sorted[mid]! < key) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const from = lowerBound(head);
    let to = from;
    // The range ends at the first piece that does not begin with `head` (a binary search on that predicate).
    let hi = this.sorted.length;
    while (to < hi) {
      const mid = (to + hi) >> 1;
      if (this.sorted[mid]!.startsWith(head)) to = mid + 1;
      else hi = mid;
    }
    return [from, to];
  }

  /** Whether some token's bytes begin with `head` and go on: text ending in `head` could have been tokenized otherwise. */
  extendable(head: string): boolean {
    const [from, to] = this.range(head);
    return to - from > 1 || (to > from && this.sorted[from] !== head);
  }

  /** Calls `visit` with every token whose bytes begin with `head`, then with every token whose bytes are a shorter start of it. */
  forEachCompatible(head: string, visit: (token: number) => void): void {
    const [from, to] = this.range(head);
    for (let i = from; i < to; i++) visit(this.sortedIds[i]!);
    for (let k = 1; k < head.length; k++) {
      const id = this.idOf.get(head.slice(0, k));
      if (id !== undefined) visit(id);
    }
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The prompt's tokens with the last one taken back where healing applies, and its text; '' when nothing is taken
 * back (a token that could not have merged with what follows, or one that is not whole UTF-8 characters: the
 * user's text must come back as it was).
 */
export function healTail(tokens: readonly number[], index: TokenPieceIndex): { tokens: number[]; text: string } {
  const last = tokens[tokens.length - 1];
  const piece = last === undefined ? '' : index.piece(last);
  if (piece === '' || !index.extendable(piece)) return { tokens: [...tokens], text: '' };
  try {
    return { tokens: tokens.slice(0, -1), text: strictUtf8.decode(Uint8Array.from(piece, (c) => c.charCodeAt(0))) };
  } catch {
    return { tokens: [...tokens], text: '' };
  }
}

/**
 * The generation side: while bytes taken back are still to be written, only tokens that agree with them may be
 * chosen; the bytes themselves are cut from the answer (they are the user's, already in the editor).
 */
export class HealingConstraint {
  private remaining: string;
  private toCut: number;

  /** `healed`: the text taken back from the prompt (queryPrompt's `healed`). */
  constructor(private readonly index: TokenPieceIndex, healed: string) {
    this.remaining = latin1(new TextEncoder().encode(healed));
    this.toCut = this.remaining.length;
  }

  /** Whether the next token is constrained. */
  get active(): boolean {
    return this.remaining.length > 0;
  }

  /** The allowed token with the largest logit (the healed token itself is always allowed). */
  pick(logits: Float32Array): number {
    let best = -1;
    this.index.forEachCompatible(this.remaining, (t) => {
      if (best < 0 || logits[t]! > logits[best]!) best = t;
    });
    return best;
  }

  /** Sets every token that is not allowed to -Infinity, for sampling. */
  mask(logits: Float32Array): void {
    const keep = new Map<number, number>();
    this.index.forEachCompatible(this.remaining, (t) => keep.set(t, logits[t]!));
    logits.fill(-Infinity);
    for (const [t, v] of keep) logits[t] = v;
  }

  /** Records the chosen token; returns the part of its bytes that is new text (all of it once healing is done). */
  accept(token: number, bytes: Uint8Array): Uint8Array {
    const piece = this.index.piece(token);
    this.remaining = piece.length >= this.remaining.length ? '' : this.remaining.slice(piece.length);
    const cut = Math.min(this.toCut, bytes.length);
    this.toCut -= cut;
    return cut > 0 ? bytes.subarray(cut) : bytes;
  }
}
