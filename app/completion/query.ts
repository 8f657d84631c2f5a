// What a suggestion is asked with and how its answer is shaped: one pair of query limits, one cut at line
// boundaries, one single-line cut, used by the renderer (what it sends) and main (what the model sees).

/** The query is bounded: the end of the prefix and the start of the suffix, cut at line boundaries. */
export const PREFIX_CHARS = 4_000;
export const SUFFIX_CHARS = 1_500;

export interface PromptLimits {
  prefixChars: number;
  suffixChars: number;
  documentTokens: number;
}

/**
 * What one prompt may hold for a model trained with `contextLength` tokens (unknown: the defaults): a model used
 * past its training length gives noise, so a short-context model (the shipped miniature has 512) gets its prompt
 * cut to 30% prefix, 10% suffix and half for the documents, estimated at 3 characters a token as the budget is.
 */
export function promptLimits(contextLength: number | undefined, documentBudgetTokens: number): PromptLimits {
  if (contextLength === undefined) return { prefixChars: PREFIX_CHARS, suffixChars: SUFFIX_CHARS, documentTokens: documentBudgetTokens };
  return {
    prefixChars: Math.min(PREFIX_CHARS, Math.floor(contextLength * 0.3 * 3)),
    suffixChars: Math.min(SUFFIX_CHARS, Math.floor(contextLength * 0.1 * 3)),
    documentTokens: Math.min(documentBudgetTokens, Math.floor(contextLength * 0.5)),
  };
}

/** The end of the prefix, from a line start when it is cut. */
export function boundPrefix(prefix: string, limit = PREFIX_CHARS): string {
  if (prefix.length <= limit) return prefix;
  const start = prefix.length - limit;
  if (prefix[start - 1] === '\n') return prefix.slice(start);
  const tail = prefix.slice(start);
  const newline = tail.indexOf('\n');
  return newline >= 0 ? tail.slice(newline + 1) : tail;
}

/** The start of the suffix, to a line end when it is cut. */
export function boundSuffix(suffix: string, limit = SUFFIX_CHARS): string {
  if (suffix.length <= limit) return suffix;
  const head = suffix.slice(0, limit);
  const newline = head.lastIndexOf('\n');
  return newline >= 0 ? head.slice(0, newline + 1) : head;
}

/**
 * A suggestion cut to its kind: one line ends at the line end; a block keeps its lines; trailing blanks go;
 * nothing but whitespace is null (no suggestion). Applied to the text generated so far it gives a start of the
 * whole answer's shape, so a streamed suggestion only grows.
 */
export function shapeSuggestion(text: string, multiline: boolean): string | null {
  const newline = text.indexOf('\n');
  const shaped = (multiline || newline < 0 ? text : text.slice(0, newline)).trimEnd();
  return shaped.trim() === '' ? null : shaped;
}
