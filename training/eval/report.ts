// eval.json as a Markdown table for the README.
import { difference, INFILL_SETTINGS, type EvalReport } from './evaluate';

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
  const pairs = reports.flatMap((on) => {
    const off = on.report.tokenHealing ? reports.find((r) => !r.report.tokenHealing && r.report.model.path === on.report.model.path) : undefined;
    return off ? [{ label: on.label, on: on.report, off: off.report }] : [];
  });
  if (pairs.length > 0) {
    lines.push('', '| model | token healing: idioms EM gain (points [95% CI]) | idioms ES gain | single-line ES gain (no documents) | multi-line ES gain (no documents) |', '| --- | --- | --- | --- | --- |');
    for (const { label, on, off } of pairs) {
      const tasks = (r: EvalReport, kind: string) => r.results.filter((t) => t.kind === kind && t.setting === 'no-documents');
      const idioms = difference(on.idioms.results, off.idioms.results, 1);
      const single = difference(tasks(on, 'single-line'), tasks(off, 'single-line'), 1);
      const multi = difference(tasks(on, 'multi-line'), tasks(off, 'multi-line'), 1);
      lines.push(`| ${label} | ${withCI(idioms.exactMatch, idioms.ci.exactMatch)} | ${withCI(idioms.editSimilarity, idioms.ci.editSimilarity)} | ${withCI(single.editSimilarity, single.ci.editSimilarity)} | ${withCI(multi.editSimilarity, multi.ci.editSimilarity)} |`);
    }
  }
  lines.push('', `Seconds per model: ${reports.map(({ label, report }) => `${label} ${report.seconds.toFixed(0)}`).join(', ')}.`);
  lines.push('', `Token healing (engine.ts, healing.ts): ${reports.map(({ label, report }) => `${label} ${report.tokenHealing ? 'on' : 'off'}`).join(', ')}.`);
  return `${lines.join('\n')}\n`;
}
