// eval.json as a Markdown table for the README.
import { INFILL_SETTINGS, type EvalReport } from './evaluate';

const pct = (x: number) => (Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`);
const signed = (x: number) => (Number.isNaN(x) ? 'n/a' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`);
/** A difference in points with its 95% interval over the tasks. */
const withCI = (x: number, [lo, hi]: [number, number]) => `${signed(x)} [${signed(lo)}, ${signed(hi)}]`;

/** One table per model: token scores, then exact match / edit similarity per kind and setting. */
export function evalMarkdown(reports: readonly { label: string; report: EvalReport }[]): string {
  const lines: string[] = [];
  lines.push('| model | perplexity | next-token accuracy | tokens scored |', '| --- | --- | --- | --- |');
  for (const { label, report } of reports) {
    lines.push(`| ${label} | ${report.tokens.perplexity.toFixed(2)} | ${pct(report.tokens.accuracy)} | ${report.tokens.tokens} |`);
  }
  lines.push('', "| model | idioms | exact match | edit similarity | starts a line of its own (lower is better) | TypeScript EM | JavaScript EM |", '| --- | --- | --- | --- | --- | --- | --- |');
  for (const { label, report } of reports) {
    const { idioms: i } = report;
    lines.push(`| ${label} | ${i.cases} | ${pct(i.exactMatch)} | ${pct(i.editSimilarity)} | ${pct(i.startsOwnLine)} | ${pct(i.byLanguage.typescript.exactMatch)} (${i.byLanguage.typescript.cases}) | ${pct(i.byLanguage.javascript.exactMatch)} (${i.byLanguage.javascript.cases}) |`);
  }
  lines.push('', '| model | task | no documents (EM / ES) | documents, full (EM / ES) | documents, sparse (EM / ES) | gain from documents (EM / ES, points [95% CI]) | sparse gap (EM / ES, points [95% CI]) |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const { label, report } of reports) {
    for (const kind of ['single-line', 'multi-line'] as const) {
      const cells = INFILL_SETTINGS.map((s) => `${pct(report.infill[kind][s].exactMatch)} / ${pct(report.infill[kind][s].editSimilarity)}`);
      const gain = report.documentGain[kind];
      const gap = report.sparseGap[kind];
      lines.push(`| ${label} | ${kind} (${report.infill[kind]['no-documents'].tasks}) | ${cells.join(' | ')} | ${withCI(gain.exactMatch, gain.ci.exactMatch)} / ${withCI(gain.editSimilarity, gain.ci.editSimilarity)} | ${withCI(gap.exactMatch, gap.ci.exactMatch)} / ${withCI(gap.editSimilarity, gap.ci.editSimilarity)} |`);
    }
  }
  lines.push('', `Seconds per model: ${reports.map(({ label, report }) => `${label} ${report.seconds.toFixed(0)}`).join(', ')}.`);
  return `${lines.join('\n')}\n`;
}
