import { z } from 'zod';
import { plainText } from '../terminal/ansi';
import type { Journal } from './schema';

export const SearchHit = z.object({
  stepId: z.string(),
  stepTitle: z.string(),
  /** Where the match is: the step's title, its notes, a cell's command or a cell's output. */
  field: z.enum(['title', 'notes', 'command', 'output']),
  cellId: z.string().nullable(),
  /** The matching line, trimmed to a readable length around the match. */
  snippet: z.string(),
  line: z.number().int(),
});
export type SearchHit = z.infer<typeof SearchHit>;

const SNIPPET_CONTEXT = 60;
const MAX_HITS = 200;

function snippetAround(line: string, index: number, length: number): string {
  const start = Math.max(0, index - SNIPPET_CONTEXT);
  const end = Math.min(line.length, index + length + SNIPPET_CONTEXT);
  return (start > 0 ? '…' : '') + line.slice(start, end).trim() + (end < line.length ? '…' : '');
}

function* matchingLines(text: string, needle: string): Generator<{ line: number; snippet: string }> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const index = lines[i]!.toLowerCase().indexOf(needle);
    if (index >= 0) yield { line: i + 1, snippet: snippetAround(lines[i]!, index, needle.length) };
  }
}

/**
 * Case-insensitive search across step titles, notes, commands and stored outputs, in journal order.
 * `outputOf` returns a cell's stored output (raw terminal text) or null when it has none.
 */
export function searchJournal(journal: Journal, query: string, outputOf: (cellId: string) => string | null): SearchHit[] {
  const needle = query.trim().toLowerCase();
  if (!needle) return [];
  const hits: SearchHit[] = [];
  const add = (hit: SearchHit) => hits.length < MAX_HITS && hits.push(hit);
  for (const step of journal.steps) {
    const base = { stepId: step.id, stepTitle: step.title };
    for (const m of matchingLines(step.title, needle)) add({ ...base, field: 'title', cellId: null, ...m });
    for (const m of matchingLines(step.notes, needle)) add({ ...base, field: 'notes', cellId: null, ...m });
    for (const cell of step.cells) {
      for (const m of matchingLines(cell.command, needle)) add({ ...base, field: 'command', cellId: cell.id, ...m });
      const output = outputOf(cell.id);
      if (output) for (const m of matchingLines(plainText(output), needle)) add({ ...base, field: 'output', cellId: cell.id, ...m });
    }
  }
  return hits;
}
