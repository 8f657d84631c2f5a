// Runs the docs-versus-memory evaluation (docsVsMemory.ts) on a model, for each rewrite kind: prompts without block reuse (no document,
// documents in `full` mode) decode side by side (batch.ts, as the held-out evaluation does); `sparse` mode goes
// through the engine, with and without boundary recompute. Scores with 95% bootstrap intervals over tasks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCompletionEngine, documentTokens, queryTokens, sharedPrefixTokens } from '../../assistant/engine';
import { greedyBatch } from './batch';
import {
  chooseFunctions, CODE_FILE, DECLARATION_FILE, packageTasks, REWRITE_KINDS, rewritableFunctions, scoreApiUse, type ApiScore, type ApiTask, type PackageFiles,
  type RewriteKind,
} from './docsVsMemory';
import { fitText, openEvalModel, PROMPT_TOKENS } from './evaluate';
import { bootstrapCI, mean } from './metrics';

/** Which document is attached: the rewritten API's, none, or the original API's. */
export type DocChoice = 'updated' | 'none' | 'original';
export interface Setting {
  id: string;
  doc: DocChoice;
  mode: 'full' | 'sparse';
  /** Sparse mode's boundary recompute (tokens of each placed block recomputed inside the query). */
  boundary: number;
}

/** Tokens recomputed at each block's start in the `boundary` settings. */
export const BOUNDARY_TOKENS = 16;
export const SETTINGS: readonly Setting[] = [
  { id: 'no-doc', doc: 'none', mode: 'full', boundary: 0 },
  { id: 'updated-full', doc: 'updated', mode: 'full', boundary: 0 },
  { id: 'updated-sparse', doc: 'updated', mode: 'sparse', boundary: 0 },
  { id: 'updated-sparse-boundary', doc: 'updated', mode: 'sparse', boundary: BOUNDARY_TOKENS },
  { id: 'original-full', doc: 'original', mode: 'full', boundary: 0 },
  { id: 'original-sparse', doc: 'original', mode: 'sparse', boundary: 0 },
  { id: 'original-sparse-boundary', doc: 'original', mode: 'sparse', boundary: BOUNDARY_TOKENS },
];
/** Training packages are unchanged: their `original` documents are their `updated` ones, so those settings are skipped. */
const CONTROL_SETTINGS = SETTINGS.filter((s) => s.doc !== 'original');

export type Group = 'held-out-rewritten' | 'training-unchanged';

export interface Rate {
  rate: number;
  ci: [number, number];
}
export interface SettingSummary {
  tasks: number;
  /** How often the first line follows the updated API (for unchanged packages: the API). */
  updated: Rate;
  /** How often it follows the original API. */
  original: Rate;
  /** How often it follows neither (for unchanged packages: does not follow the API). */
  neither: Rate;
  exact: Rate;
}

export interface DocsVsMemoryReport {
  model: { path: string; description: string; params: number; contextTrain: number };
  seed: number;
  /** Per group and rewrite kind (the training group's tasks are cut as the kind's, on the unchanged API). */
  groups: Record<Group, Record<RewriteKind, { packages: string[]; functions: number; tasks: number; settings: Record<string, SettingSummary> }>>;
  /** Paired differences over the held-out tasks in the updated-API rate, per kind (`kind: a minus b`), in points of a fraction. */
  differences: Record<string, Rate>;
  results: { group: Group; rewrite: RewriteKind; id: string; kind: ApiTask['kind']; setting: string; expected: string; answer: string; score: ApiScore }[];
  machine: { cpus: number; loadBefore: number[]; loadAfter: number[] };
  seconds: number;
}

const MAX_ANSWER_TOKENS = 48;

/** The package files of a corpus manifest's kept packages that are still on disk (README, declarations, code). */
export function readManifestPackages(manifestPath: string, base: string, maxFiles = 300): PackageFiles[] {
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { packages: { name: string; root: string; dir: string; split: 'train' | 'eval'; kept: boolean }[] };
  const seen = new Set<string>();
  const out: PackageFiles[] = [];
  for (const p of manifest.packages) {
    const dir = path.resolve(base, p.root, p.dir);
    if (!p.kept || seen.has(p.name) || !fs.existsSync(dir)) continue;
    seen.add(p.name);
    const pkg: PackageFiles = { name: p.name, split: p.split, readme: null, declarations: [], code: [] };
    const walk = (rel: string): void => {
      for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const file = rel ? `${rel}/${entry.name}` : entry.name;
        if (pkg.declarations.length + pkg.code.length >= maxFiles) return;
        if (entry.isDirectory()) {
          if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(file);
          continue;
        }
        if (!entry.isFile()) continue;
        const isReadme = !rel && /^readme\.md$/i.test(entry.name);
        if (!isReadme && !CODE_FILE.test(entry.name)) continue;
        const full = path.join(dir, file);
        if (fs.statSync(full).size > 200_000) continue;
        const text = fs.readFileSync(full, 'utf8');
        if (isReadme) pkg.readme = { path: file, text };
        else (DECLARATION_FILE.test(entry.name) ? pkg.declarations : pkg.code).push({ path: file, text });
      }
    };
    walk('');
    out.push(pkg);
  }
  return out;
}

export interface RunOptions {
  modelPath: string;
  packages: readonly PackageFiles[];
  /** Functions per group and rewrite kind (each gives a usage task, and a call-site task when its code has a clean call). */
  functions: number;
  seed: number;
  cpuBackend?: string;
  onProgress?: (message: string) => void;
}

/** The tasks of one split for one rewrite kind: `functions` functions that the kind can rewrite, rewritten only for held-out packages. */
export function buildTasks(packages: readonly PackageFiles[], split: 'train' | 'eval', functions: number, seed: number, kind: RewriteKind): { tasks: ApiTask[]; functions: number } {
  const chosen = chooseFunctions(packages.filter((p) => p.split === split), functions, seed, (p) => rewritableFunctions(p, kind, seed));
  return { tasks: chosen.flatMap(([p, names]) => packageTasks(p, names, split === 'eval', seed, kind)), functions: chosen.reduce((n, [, names]) => n + names.length, 0) };
}

const rate = (values: readonly boolean[], seed: number): Rate => {
  const xs = values.map((v) => (v ? 1 : 0));
  return { rate: mean(xs), ci: bootstrapCI(xs, seed) };
};

export async function runDocsVsMemory(options: RunOptions): Promise<DocsVsMemoryReport> {
  const started = performance.now();
  const loadBefore = os.loadavg();
  const progress = options.onProgress ?? (() => undefined);
  const { model, info, contextTrain, format } = await openEvalModel(options.modelPath, options.cpuBackend);
  const count = (text: string): number => model.tokenize(text, { addSpecial: false, parseSpecial: false }).length;
  const docBudget = Math.min(PROMPT_TOKENS.documents, Math.floor(contextTrain * 0.4));
  const fitDocs = (docs: { name: string; text: string }[]) => docs.map((d) => ({ name: d.name, text: fitText(count, d.text, Math.floor(docBudget / docs.length), 'start') }));
  const groups = {} as DocsVsMemoryReport['groups'];
  const results: DocsVsMemoryReport['results'] = [];
  try {
    for (const [group, split, settings] of [['held-out-rewritten', 'eval', SETTINGS], ['training-unchanged', 'train', CONTROL_SETTINGS]] as const) {
      const built = REWRITE_KINDS.map((kind) => ({ kind, ...buildTasks(options.packages, split, options.functions, options.seed, kind) }));
      const tasks = built.flatMap((b) => b.tasks).map((t) => ({
        ...t,
        prefix: fitText(count, t.prefix, Math.min(PROMPT_TOKENS.prefix, Math.floor(contextTrain * 0.3)), 'end'),
        suffix: fitText(count, t.suffix, Math.min(PROMPT_TOKENS.suffix, Math.floor(contextTrain * 0.1)), 'start'),
        documents: { updated: fitDocs(t.documents.updated), original: fitDocs(t.documents.original) },
      }));
      const docsOf = (t: (typeof tasks)[number], doc: DocChoice) => (doc === 'none' ? [] : t.documents[doc]);
      const maxTokens = (t: ApiTask) => Math.min(MAX_ANSWER_TOKENS, count(t.middle) + 16);
      const answers = new Map<string, string[]>();
      const full = settings.filter((s) => s.mode === 'full');
      progress(`${group}: ${tasks.length} tasks in ${full.length} full-mode settings, batched`);
      const batched = await greedyBatch(model, full.flatMap((s) => tasks.map((t) => ({
        tokens: [
          ...sharedPrefixTokens(model, format, t.package),
          ...docsOf(t, s.doc).flatMap((d) => documentTokens(model, format, d.name, d.text)),
          ...queryTokens(model, format, t.prefix, t.suffix, t.path),
        ],
        maxTokens: maxTokens(t),
        stopAt: 'line' as const,
      }))));
      full.forEach((s, k) => answers.set(s.id, batched.slice(k * tasks.length, (k + 1) * tasks.length)));
      const sparse = settings.filter((s) => s.mode === 'sparse');
      progress(`${group}: ${tasks.length} tasks in ${sparse.length} sparse-mode settings, through the engine`);
      for (const s of sparse) answers.set(s.id, new Array<string>(tasks.length).fill(''));
      const byPackage = new Map<string, number[]>();
      tasks.forEach((t, i) => byPackage.set(t.package, [...(byPackage.get(t.package) ?? []), i]));
      for (const [pkg, indices] of byPackage) {
        const engine = await createCompletionEngine({
          modelPath: options.modelPath, contextSize: contextTrain * 2, repoName: pkg, ...(options.cpuBackend ? { cpuBackend: options.cpuBackend } : {}),
        });
        try {
          for (const i of indices) {
            const t = tasks[i]!;
            for (const s of sparse) {
              const result = await engine.complete({
                prefix: t.prefix, suffix: t.suffix, fileName: t.path, documents: docsOf(t, s.doc), mode: 'sparse', boundary: s.boundary, maxTokens: maxTokens(t), stopAt: 'line',
              });
              answers.get(s.id)![i] = result.text;
            }
          }
        } finally {
          await engine.dispose();
        }
      }
      const scores = new Map(settings.map((s) => [s.id, tasks.map((t, i) => scoreApiUse(answers.get(s.id)![i]!, t))]));
      for (const s of settings) {
        tasks.forEach((t, i) => results.push({
          group, rewrite: t.rewrite, id: t.id, kind: t.kind, setting: s.id, expected: t.middle, answer: answers.get(s.id)![i]!, score: scores.get(s.id)![i]!,
        }));
      }
      groups[group] = {} as DocsVsMemoryReport['groups'][Group];
      for (const { kind, functions } of built) {
        const mine = tasks.flatMap((t, i) => (t.rewrite === kind ? [i] : []));
        const summaries: Record<string, SettingSummary> = {};
        for (const s of settings) {
          const of = (pick: (x: ApiScore) => boolean) => rate(mine.map((i) => pick(scores.get(s.id)![i]!)), options.seed);
          summaries[s.id] = {
            tasks: mine.length, updated: of((x) => x.updated), original: of((x) => x.original), neither: of((x) => !x.updated && !x.original), exact: of((x) => x.exact),
          };
        }
        groups[group][kind] = { packages: [...new Set(mine.map((i) => tasks[i]!.package))], functions, tasks: mine.length, settings: summaries };
      }
    }
  } finally {
    model.dispose();
  }
  const updatedOf = (kind: RewriteKind, setting: string) => results
    .filter((r) => r.group === 'held-out-rewritten' && r.rewrite === kind && r.setting === setting).map((r) => (r.score.updated ? 1 : 0));
  const differences: Record<string, Rate> = {};
  for (const kind of REWRITE_KINDS) {
    for (const [a, b] of [['updated-full', 'no-doc'], ['updated-full', 'original-full'], ['updated-sparse', 'updated-full'], ['updated-sparse-boundary', 'updated-sparse']]) {
      const xb = updatedOf(kind, b!);
      const d = updatedOf(kind, a!).map((x, i) => x - xb[i]!);
      differences[`${kind}: ${a} minus ${b}`] = { rate: mean(d), ci: bootstrapCI(d, options.seed) };
    }
  }
  return {
    model: { path: options.modelPath, description: info.description, params: info.nParams, contextTrain },
    seed: options.seed,
    groups,
    differences,
    results,
    machine: { cpus: os.cpus().length, loadBefore, loadAfter: os.loadavg() },
    seconds: (performance.now() - started) / 1000,
  };
}

const pct = (x: number) => (Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`);
const withCI = (r: Rate) => `${pct(r.rate)} [${pct(r.ci[0])}, ${pct(r.ci[1])}]`;
const signed = (x: number) => (Number.isNaN(x) ? 'n/a' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`);

/** The report as Markdown tables: per group, rewrite kind and setting, the rates with 95% intervals; then the paired differences. */
export function docsVsMemoryMarkdown(report: DocsVsMemoryReport): string {
  const lines = [
    `Model: ${report.model.description} (${report.model.params.toLocaleString('en-US')} parameters), seed ${report.seed}, ${report.seconds.toFixed(0)} s,`
      + ` load ${report.machine.loadBefore[0]!.toFixed(1)} -> ${report.machine.loadAfter[0]!.toFixed(1)} on ${report.machine.cpus} cores.`,
    '',
    '| packages | rewrite | setting | tasks | follows the updated API [95% CI] | follows the original API [95% CI] | neither [95% CI] | exact line [95% CI] |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const [group, kinds] of Object.entries(report.groups)) {
    for (const [kind, g] of Object.entries(kinds)) {
      for (const [setting, s] of Object.entries(g.settings)) {
        lines.push(`| ${group} (${g.packages.length} packages, ${g.functions} functions) | ${kind} | ${setting} | ${s.tasks} | ${withCI(s.updated)} | ${withCI(s.original)} | ${withCI(s.neither)} | ${withCI(s.exact)} |`);
      }
    }
  }
  lines.push('', '| held-out, paired difference in the updated-API rate | points [95% CI] |', '| --- | --- |');
  for (const [name, d] of Object.entries(report.differences)) lines.push(`| ${name} | ${signed(d.rate)} [${signed(d.ci[0])}, ${signed(d.ci[1])}] |`);
  return `${lines.join('\n')}\n`;
}
