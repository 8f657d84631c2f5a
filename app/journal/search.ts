import { z } from 'zod';
import { plainText } from '../terminal/ansi';
import type { Journal } from './schema';

export const SearchHit = z.object({
  stepId: z.string(),
  stepTitle: z.string(),
  /** Where the match is: the step's title, its notes, a cell's command or output, or an attachment's text. */
  field: z.enum(['title', 'notes', 'command', 'output', 'attachment']),
  cellId: z.string().nullable(),
  attachmentId: z.string().nullable(),
  /** The matching line, trimmed to a readable length around the match. */
  snippet: z.string(),
  /** Where the match sits in `snippet` (UTF-16 offsets), for highlighting. */
  matchStart: z.number().int().nonnegative(),
  matchLength: z.number().int().nonnegative(),
  line: z.number().int(),
});
export type SearchHit = z.infer<typeof SearchHit>;

const SNIPPET_CONTEXT = 60;
const MAX_HITS = 200;

type Match = Pick<SearchHit, 'line' | 'snippet' | 'matchStart' | 'matchLength'>;

function snippetAround(line: string, index: number, length: number): Omit<Match, 'line'> {
  const start = Math.max(0, index - SNIPPET_CONTEXT);
  const end = Math.min(line.length, index + length + SNIPPET_CONTEXT);
  const slice = line.slice(start, end);
  const trimmedLead = slice.length - slice.trimStart().length;
  const prefix = start > 0 ? '…' : '';
  return {
    snippet: prefix + slice.trim() + (end < line.length ? '…' : ''),
    matchStart: prefix.length + index - start - trimmedLead,
    matchLength: length,
  };
}

function* matchingLines(text: string, needle: string): Generator<Match> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // Lower-casing can change a string's length (İ); then the line is matched as is, so offsets stay true.
    const lower = line.toLowerCase();
    const index = (lower.length === line.length ? lower : line).indexOf(needle);
    if (index >= 0) yield { line: i + 1, ...snippetAround(line, index, needle.length) };
  }
}

/**
 * Case-insensitive search across step titles, notes, commands, stored outputs and pasted text attachments, in
 * journal order. `outputOf` returns a cell's stored output (raw terminal text) or null when it has none;
 * `attachmentTextOf` an attachment's text when the caller has it to search (main gives pasted text only).
 */
export function searchJournal(
  journal: Journal,
  query: string,
  outputOf: (cellId: string) => string | null,
  attachmentTextOf: (attachmentId: string) => string | null = () => null,
): SearchHit[] {
  const needle = query.trim().toLowerCase();
  if (!needle) return [];
  const hits: SearchHit[] = [];
  const add = (hit: SearchHit) => hits.length < MAX_HITS && hits.push(hit);
  for (const step of journal.steps) {
    const base = { stepId: step.id, stepTitle: step.title, cellId: null, attachmentId: null };
    for (const m of matchingLines(step.title, needle)) add({ ...base, field: 'title', ...m });
    for (const m of matchingLines(step.notes, needle)) add({ ...base, field: 'notes', ...m });
    for (const cell of step.cells) {
      for (const m of matchingLines(cell.command, needle)) add({ ...base, field: 'command', cellId: cell.id, ...m });
      const output = outputOf(cell.id);
      if (output) for (const m of matchingLines(plainText(output), needle)) add({ ...base, field: 'output', cellId: cell.id, ...m });
    }
    for (const attachment of step.attachments) {
      const text = attachmentTextOf(attachment.id);
      if (text) for (const m of matchingLines(text.replace(/\r\n?/g, '\n'), needle)) add({ ...base, field: 'attachment', attachmentId: attachment.id, ...m });
    }
  }
  return hits;
}
