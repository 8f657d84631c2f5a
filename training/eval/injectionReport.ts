// The injection evaluation's report as Markdown (results/injection/<model>.md and the README's table).
import type { ConditionResult, InjectionReport, PairedDelta } from './injection';

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');
const num = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const signed = (x: number, digits: number, scale = 1) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(scale * x).toFixed(digits)}` : 'n/a');
/** A paired difference with its 95% interval; `scale` 100 for points. */
const delta = (d: PairedDelta | undefined, digits: number, scale = 1) => (d ? `${signed(d.mean, digits, scale)} [${signed(d.ci[0], digits, scale)}, ${signed(d.ci[1], digits, scale)}]` : '');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MiB`;
const flops = (x: number) => (x >= 1e9 ? `${(x / 1e9).toFixed(2)} GFLOP` : `${(x / 1e6).toFixed(2)} MFLOP`);

/** One row per condition: perplexity and accuracy over all tokens and use sites, infill, and the paired deltas. */
export function conditionTable(conditions: readonly ConditionResult[]): string[] {
  const lines = [
    '| condition | heads | perplexity | Δ NLL/token [95% CI] | accuracy | use-site perplexity | Δ use-site NLL [95% CI] | use-site accuracy | infill EM / ES | Δ ES, points [95% CI] | rows injected |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of conditions) {
    lines.push(`| ${c.name} | ${c.heads.join(' ') || '-'} | ${num(c.all.perplexity)} | ${delta(c.delta?.nll, 3)} | ${pct(c.all.accuracy)} | ${num(c.useSites.perplexity)} | ${delta(c.delta?.useSiteNll, 3)} | ${pct(c.useSites.accuracy)} | ${pct(c.infill.exactMatch)} / ${pct(c.infill.editSimilarity)} | ${delta(c.delta?.editSimilarity, 1, 100)} | ${c.injectedRows} |`);
  }
  return lines;
}

/**
 * Per pattern and k, the paired change in NLL per token (all tokens, then use sites) and in edit similarity when the
 * k best heads are replaced, k random heads are replaced, and the k best are zeroed: the README's table.
 */
export function summaryTable(conditions: readonly ConditionResult[]): string[] {
  const lines = [
    '| pattern | k | Δ NLL: best replaced | random replaced | best zeroed | Δ use-site NLL: best replaced | random replaced | best zeroed | Δ ES (points): best replaced | random replaced | best zeroed |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const keys = [...new Set(conditions.filter((c) => c.kind !== 'none').map((c) => `${c.pattern}\u0000${c.k}`))];
  for (const key of keys) {
    const [pattern, k] = key.split('\u0000');
    const of = (kind: ConditionResult['kind']) => conditions.find((c) => c.kind === kind && c.pattern === pattern && String(c.k) === k)?.delta ?? undefined;
    const kinds = ['best', 'random', 'zeroed'] as const;
    lines.push(`| ${pattern} | ${k} | ${kinds.map((kind) => delta(of(kind)?.nll, 3)).join(' | ')} | ${kinds.map((kind) => delta(of(kind)?.useSiteNll, 3)).join(' | ')} | ${kinds.map((kind) => delta(of(kind)?.editSimilarity, 1, 100)).join(' | ')} |`);
  }
  return lines;
}

export function injectionMarkdown(label: string, r: InjectionReport): string {
  const s = r.model.shape;
  const lines = [
    `# Attention injection: ${label}`,
    '',
    `Model ${r.model.path} (${r.model.description}, ${r.model.params} parameters, ${s.nLayer} layers x ${s.nHead} query heads, ${s.nHeadKv} KV heads, head size ${s.headDim}), sha256 ${r.model.identity.slice(0, 16)}.`,
    `Head profile: ${r.profile.files.count} files, ${r.profile.files.tokens} tokens. Seed ${r.seed}, k = ${r.ks.join(', ')}.`,
    `Token scores: ${r.data.scoreFiles.length} held-out files, first ${r.data.tokensPerFile} tokens each: ${r.data.tokens} tokens scored, ${r.data.useSites} of them use sites. Infill: ${r.data.tasks.length} tasks.`,
    `Load average (1, 5, 15 min) at the start ${r.load.start.map((x) => x.toFixed(2)).join(' ')}, at the end ${r.load.end.map((x) => x.toFixed(2)).join(' ')}; ${r.seconds.toFixed(0)} s in all.`,
    '',
    'Paired against no injection (per file for NLL, per task for edit similarity), mean [95% bootstrap interval]:',
    '',
    ...summaryTable(r.conditions),
    '',
    'Every condition:',
    '',
    ...conditionTable(r.conditions),
    '',
  ];
  if (r.timing) {
    lines.push(`## Measured: time per request (${r.timing.prompt}-token prompt, ${r.timing.tokens} tokens generated, median of ${r.timing.reps}, settings interleaved)`, '');
    lines.push('| setting | median ms | runs (ms) |', '| --- | --- | --- |');
    for (const t of r.timing.results) lines.push(`| ${t.setting} | ${t.medianMs.toFixed(1)} | ${t.runsMs.map((x) => x.toFixed(0)).join(' ')} |`);
    lines.push('', `Injected heads: ${r.timing.heads.join(' ')}.`, '');
  }
  const c = r.cost;
  lines.push(`## Computed, not measured: what a kernel skipping replaced heads would save (context ${s.context} tokens)`, '');
  lines.push(`Per generated token: ${flops(c.perToken.attentionFlops)} of attention (4 n d per head per layer), ${flops(c.perToken.weightFlops)} of weights (2 per parameter); KV cache ${mib(c.kvBytes)} (f16).`, '');
  lines.push('| k heads skipped | attention FLOPs saved | share of attention | share of all FLOPs | K bytes freed (whole KV groups) | share of KV cache |', '| --- | --- | --- | --- | --- | --- |');
  for (const x of c.savings) lines.push(`| ${x.k} | ${flops(x.attentionFlops)} | ${pct(x.attentionShare)} | ${pct(x.totalShare)} | ${mib(x.kBytesPacked)} | ${pct(x.kvSharePacked)} |`);
  const best = r.conditions.filter((x) => x.kind === 'best');
  if (best.length > 0) {
    lines.push('', `K bytes the chosen best heads free (only where they fill a KV group): ${best.map((x) => `${x.name} ${mib(x.freedKBytes)}`).join('; ')}.`);
  }
  return `${lines.join('\n')}\n`;
}
