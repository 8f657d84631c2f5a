// eval.json as a Markdown table for the README.
import { INFILL_SETTINGS, type EvalReport } from './evaluate';

const pct = (x: number) => (Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`);
const signed = (x: number) => (Number.isNaN(x) ? 'n/a' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`);

/** One table per model: token scores, then exact match / edit similarity per kind and setting. */
export function evalMarkdown(reports: readonly { label: string; report: EvalReport }[]): string {
  const lines: string[] = [];
  lines.push('| model | perplexity | next-token accuracy | tokens scored |', '| --- | --- | --- | --- |');
  for (const { label, report } of reports) {
    lines.push(`| ${label} | ${report.tokens.perplexity.toFixed(2)} | ${pct(report.tokens.accuracy)} | ${report.tokens.tokens} |`);
  }
  lines.push('', '| model | task | no documents (EM / ES) | documents, full (EM / ES) | documents, sparse (EM / ES) | gain from documents (EM / ES, points) | sparse gap (EM / ES, points) |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const { label, report } of reports) {
    for (const kind of ['single-line', 'multi-line'] as const) {
      const cells = INFILL_SETTINGS.map((s) => `${pct(report.infill[kind][s].exactMatch)} / ${pct(report.infill[kind][s].editSimilarity)}`);
      const gain = report.documentGain[kind];
      const gap = report.sparseGap[kind];
      lines.push(`| ${label} | ${kind} (${report.infill[kind]['no-documents'].tasks}) | ${cells.join(' | ')} | ${signed(gain.exactMatch)} / ${signed(gain.editSimilarity)} | ${signed(gap.exactMatch)} / ${signed(gap.editSimilarity)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
