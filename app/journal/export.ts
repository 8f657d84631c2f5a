import { plainText } from '../terminal/ansi';
import type { Journal } from './schema';

const STATUS_MARK = { todo: '[ ]', doing: '[~]', done: '[x]' } as const;

/** A fence longer than any run of backticks inside the text, so outputs containing ``` stay intact. */
function fenceFor(text: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/** The whole journal as one Markdown document: steps in order, notes, commands with their outputs, attachments. */
export function exportJournalMarkdown(journal: Journal, outputOf: (cellId: string) => string | null): string {
  const out: string[] = [`# ${journal.title}`, ''];
  journal.steps.forEach((step, index) => {
    const current = step.id === journal.currentStepId ? ' (current)' : '';
    out.push(`## ${index + 1}. ${STATUS_MARK[step.status]} ${step.title || 'Untitled step'}${current}`, '');
    if (step.notes.trim()) out.push(step.notes.trim(), '');
    for (const cell of step.cells) {
      const run = cell.lastRun;
      const output = plainText(outputOf(cell.id) ?? '').replace(/\n+$/, '');
      const body = `$ ${cell.command}${output ? `\n${output}` : ''}`;
      const fence = fenceFor(body);
      out.push(`${fence}console`, body, fence);
      if (run) {
        const exit = run.exitCode === null ? (run.interrupted ? 'interrupted' : 'did not finish') : `exit ${run.exitCode}`;
        const duration = run.durationMs === null ? '' : `, ${(run.durationMs / 1000).toFixed(2)} s`;
        out.push(`<sub>${exit}${duration}${run.cwd ? `, in \`${run.cwd}\`` : ''}</sub>`);
      }
      out.push('');
    }
    if (step.attachments.length) {
      out.push('Attachments:', '');
      for (const a of step.attachments) out.push(`- ${a.kind}: ${a.title}${a.source ? ` (${a.source})` : ''}`);
      out.push('');
    }
  });
  return out.join('\n');
}
