// Code being typed rarely parses: `add(base` at the cursor, with nothing to close it, makes the statement one ERROR
// node whose names the analysis cannot place, so the use-def edges of the very code at the cursor were lost.
// Closing the brackets the cursor leaves open, as an editor's auto-close would have, and parsing again gives them back.
import type { PlainNode } from './plainTree';

const CLOSER_OF: ReadonlyMap<string, string> = new Map([['(', ')'], ['[', ']'], ['{', '}'], ['${', '}']]);
const CLOSERS = new Set(CLOSER_OF.values());

/** Calls `visit` on the tokens of the text in order: leaves with a width (the parser's MISSING nodes have none). */
function forEachToken(node: PlainNode, visit: (token: PlainNode) => void): void {
  if (node.children.length === 0) {
    if (node.startIndex < node.endIndex) visit(node);
    return;
  }
  for (const child of node.children) forEachToken(child, visit);
}

/** The index in `open` of the innermost opener that `closer` closes, or -1. */
function opened(open: readonly string[], closer: string): number {
  for (let i = open.length - 1; i >= 0; i--) if (CLOSER_OF.get(open[i]!) === closer) return i;
  return -1;
}

/**
 * The closing brackets that, inserted at `cursor`, close every bracket opened before it that the text after it
 * does not close there (innermost first): for `f(a, g(b|` + `\n}` the `))` that leave the `}` to its `{`.
 * Brackets in strings and comments are not tokens, so they are never counted.
 */
export function closersAt(root: PlainNode, cursor: number): string {
  const open: string[] = [];
  const inner: string[] = [];
  let insert = '';
  /** Closes at the cursor the brackets open inside `open[depth]` and drops them with it. */
  const closeInside = (depth: number) => {
    for (let j = open.length - 1; j > depth; j--) insert += CLOSER_OF.get(open[j]!)!;
    open.length = Math.max(depth, 0);
  };
  forEachToken(root, (token) => {
    const type = token.type;
    const isOpener = CLOSER_OF.has(type);
    if (!isOpener && !CLOSERS.has(type)) return;
    if (token.startIndex < cursor) {
      if (isOpener) open.push(type);
      else {
        // An unmatched closer before the cursor is a syntax error there, not the cursor's to mend.
        const depth = opened(open, type);
        if (depth >= 0) open.length = depth;
      }
    } else if (isOpener) inner.push(type);
    else if (inner.length > 0) inner.pop();
    else {
      // The first closer after the cursor of a bracket opened before it: the brackets opened inside are still open.
      const depth = opened(open, type);
      if (depth >= 0) closeInside(depth);
    }
  });
  closeInside(-1); // none closed after the cursor: all of them
  return insert;
}

/** How many chars of the text the parser could not read (outermost ERROR nodes); fewer is a better parse. */
export function errorChars(node: PlainNode): number {
  if (node.type === 'ERROR') return node.endIndex - node.startIndex;
  let chars = 0;
  for (const child of node.children) chars += errorChars(child);
  return chars;
}
