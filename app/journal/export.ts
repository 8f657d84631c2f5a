import { plainText } from '../terminal/ansi';
import type { Journal } from './schema';

const STATUS_MARK = { todo: '[ ]', doing: '[~]', done: '[x]' } as const;

/** A long output or pasted text keeps this many lines from its start and from its end. */
export const EXPORT_HEAD_LINES = 50;
export const EXPORT_TAIL_LINES = 50;
/** A pasted text attachment is included up to this many characters (after the line bound). */
export const EXPORT_MAX_TEXT_CHARS = 20_000;

/** What stands in for the lines an export leaves out. */
export function omittedMarker(lines: number): string {
  return `… ${lines.toLocaleString('en-US')} ${lines === 1 ? 'line' : 'lines'} omitted …`;
}

/** A fence longer than any run of backticks inside the text, so outputs containing ``` stay intact. */
function fenceFor(text: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/** The first and last lines of a long text, with a marker saying how many are left out between them. */
export function headAndTail(text: string, head = EXPORT_HEAD_LINES, tail = EXPORT_TAIL_LINES): string {
  const lines = text.split('\n');
  if (lines.length <= head + tail + 1) return text;
  return [...lines.slice(0, head), omittedMarker(lines.length - head - tail), ...lines.slice(-tail)].join('\n');
}

/** Markdown headings of notes, moved `levels` deeper (capped at 6) so they sit under their step's heading; code fences untouched. */
export function nestHeadings(markdown: string, levels: number): string {
  let fence: string | null = null;
  return markdown
    .split('\n')
    .map((line) => {
      const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (opener && (fence === null || (opener[0] === fence[0] && opener.length >= fence.length))) {
        fence = fence === null ? opener : null;
        return line;
      }
      if (fence !== null) return line;
      return line.replace(/^( {0,3})(#{1,6})(?=\s|$)/, (_, indent: string, hashes: string) => indent + '#'.repeat(Math.min(6, hashes.length + levels)));
    })
    .join('\n');
}

function boundedText(text: string): string {
  const kept = headAndTail(text.replace(/\r\n/g, '\n').replace(/\n+$/, ''));
  return kept.length <= EXPORT_MAX_TEXT_CHARS ? kept : `${kept.slice(0, EXPORT_MAX_TEXT_CHARS)}\n${omittedMarker(kept.slice(EXPORT_MAX_TEXT_CHARS).split('\n').length)}`;
}

/**
 * The whole journal as one Markdown document: steps in order, notes (headings nested under the step's),
 * commands with their outputs (the first and last lines of a long one), attachments (pasted text included, bounded).
 * `attachmentTextOf` gives a pasted text attachment's text, or null when there is none to include.
 */
export function exportJournalMarkdown(
  journal: Journal,
  outputOf: (cellId: string) => string | null,
  attachmentTextOf: (attachmentId: string) => string | null = () => null,
): string {
  const out: string[] = [`# ${journal.title}`, ''];
  journal.steps.forEach((step, index) => {
    out.push(`## ${index + 1}. ${STATUS_MARK[step.status]} ${step.title || 'Untitled step'}`, '');
    if (step.notes.trim()) out.push(nestHeadings(step.notes.trim(), 2), '');
    for (const cell of step.cells) {
      const run = cell.lastRun;
      const output = headAndTail(plainText(outputOf(cell.id) ?? '').replace(/\n+$/, ''));
      const body = `$ ${cell.command}${output ? `\n${output}` : ''}`;
      const fence = fenceFor(body);
      out.push(`${fence}console`, body, fence);
      if (run) {
        const exit = run.interrupted ? 'interrupted' : run.exitCode === null ? 'did not finish' : `exit ${run.exitCode}`;
        const duration = run.durationMs === null ? '' : `, ${(run.durationMs / 1000).toFixed(2)} s`;
        out.push(`<sub>${exit}${duration}${run.cwd ? `, in \`${run.cwd}\`` : ''}</sub>`);
      }
      out.push('');
    }
    if (step.attachments.length) {
      out.push('Attachments:', '');
      for (const a of step.attachments) {
        out.push(`- ${a.kind}: ${a.title}${a.source ? ` (${a.source})` : ''}`);
        const text = a.kind === 'text' ? attachmentTextOf(a.id) : null;
        if (text?.trim()) {
          const body = boundedText(text);
          const fence = fenceFor(body);
          out.push('', `  ${fence}text`, ...body.split('\n').map((line) => (line ? `  ${line}` : line)), `  ${fence}`, '');
        }
      }
      out.push('');
    }
  });
  return out.join('\n');
}
