// The held-out evaluation of a trained model (issue 5): token scores, single- and multi-line infill without
// documents, and cross-file infill with related files as documents in the engine's `full` and `sparse` modes.
import { loadAddon, type AddonModel } from '../../native/binding';
import { createCompletionEngine, type CompletionEngine, type CompletionMode, type DocumentInput } from '../../assistant/engine';
import { mean, scoreInfill } from './metrics';
import { scoreTokens, type TokenScores } from './perplexity';
import { cutTasks, relatedFiles, type InfillKind, type InfillTask, type SourceFile } from './tasks';

export interface EvalOptions {
  modelPath: string;
  /** Files of the held-out packages. */
  files: readonly SourceFile[];
  tasksPerKind: number;
  seed: number;
  /** Related files given as documents in the cross-file settings. */
  documents: number;
  /** Files scored for perplexity (the first ones in corpus order). */
  perplexityFiles: number;
  cpuBackend?: string;
  onProgress?: (message: string) => void;
}

/** How the prompt was made: no documents (`full`), or the related files as documents in `full` or `sparse` mode. */
export type InfillSetting = 'no-documents' | 'documents-full' | 'documents-sparse';
export const INFILL_SETTINGS: readonly InfillSetting[] = ['no-documents', 'documents-full', 'documents-sparse'];

export interface InfillSummary {
  tasks: number;
  exactMatch: number;
  editSimilarity: number;
  /** Mean documents given per task (0 for no-documents). */
  documents: number;
}

export interface TaskResult {
  id: string;
  kind: InfillKind;
  setting: InfillSetting;
  expected: string;
  answer: string;
  exact: boolean;
  similarity: number;
  documents: number;
}

export interface EvalReport {
  model: { path: string; description: string; params: number; contextTrain: number };
  tokens: TokenScores;
  infill: Record<InfillKind, Record<InfillSetting, InfillSummary>>;
  /** Exact match and edit similarity, documents in full mode minus no documents, per kind. */
  documentGain: Record<InfillKind, { exactMatch: number; editSimilarity: number }>;
  /** Documents in full mode minus documents in sparse mode: what block-sparse attention costs. */
  sparseGap: Record<InfillKind, { exactMatch: number; editSimilarity: number }>;
  results: TaskResult[];
  seconds: number;
}

/** Tokens the answer may take: a line, or a few lines. */
const MAX_TOKENS: Record<InfillKind, number> = { 'single-line': 48, 'multi-line': 128 };

/** Shares of the training context for the code before and after the gap; the rest is for documents and the answer. */
const PREFIX_SHARE = 0.3;
const SUFFIX_SHARE = 0.1;

/** `text` cut to at most `budget` tokens, keeping its end (`keep: 'end'`) or its start, at a line boundary where it can. */
export function fitText(count: (text: string) => number, text: string, budget: number, keep: 'start' | 'end'): string {
  let out = text;
  for (let tokens = count(out); out.length > 0 && tokens > budget; tokens = count(out)) {
    const cut = Math.max(1, Math.floor(out.length * Math.min(0.5, 1 - budget / tokens)));
    if (keep === 'end') {
      const line = out.indexOf('\n', cut - 1);
      out = line >= 0 && line < out.length - 1 ? out.slice(line + 1) : out.slice(cut);
    } else {
      const line = out.lastIndexOf('\n', out.length - cut);
      out = line > 0 ? out.slice(0, line) : out.slice(0, out.length - cut);
    }
  }
  return out;
}

/** The task with its prefix and suffix cut to the model's training context (the same for every setting). */
function fitTask(model: AddonModel, task: InfillTask, contextTrain: number): InfillTask {
  const count = (text: string) => model.tokenize(text, { addSpecial: false, parseSpecial: false }).length;
  return {
    ...task,
    prefix: fitText(count, task.prefix, Math.floor(contextTrain * PREFIX_SHARE), 'end'),
    suffix: fitText(count, task.suffix, Math.floor(contextTrain * SUFFIX_SHARE), 'start'),
  };
}

/** Documents trimmed (last first) so that documents + query + answer fit the model's training context. */
function fitDocuments(model: AddonModel, docs: DocumentInput[], task: InfillTask, contextTrain: number): DocumentInput[] {
  const count = (text: string) => model.tokenize(text, { addSpecial: false, parseSpecial: false }).length;
  // The query and the header of each document (separator, path, newlines) take room beside the texts.
  let left = contextTrain - count(task.prefix) - count(task.suffix) - MAX_TOKENS[task.kind] - 32;
  const out: DocumentInput[] = [];
  for (const doc of docs) {
    const header = count(`${doc.name}\n`) + 3;
    const tokens = count(doc.text);
    if (left - header <= 32) break;
    const whole = tokens + header <= left;
    const keep = whole ? doc.text : doc.text.slice(0, Math.floor((doc.text.length * (left - header)) / tokens));
    out.push({ name: doc.name, text: keep });
    left -= header + (whole ? tokens : count(keep));
  }
  return out;
}

async function answer(engine: CompletionEngine, task: InfillTask, documents: DocumentInput[], mode: CompletionMode): Promise<string> {
  const result = await engine.complete({
    prefix: task.prefix,
    suffix: task.suffix,
    fileName: task.path,
    documents,
    mode,
    maxTokens: MAX_TOKENS[task.kind],
    stopAt: task.kind === 'single-line' ? 'line' : 'none',
  });
  return result.text;
}

function summarize(results: readonly TaskResult[]): InfillSummary {
  return {
    tasks: results.length,
    exactMatch: mean(results.map((r) => (r.exact ? 1 : 0))),
    editSimilarity: mean(results.map((r) => r.similarity)),
    documents: mean(results.map((r) => r.documents)),
  };
}

export async function evaluateModel(options: EvalOptions): Promise<EvalReport> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  const addon = loadAddon(options.cpuBackend ? { cpuBackend: options.cpuBackend } : {});
  addon.setLogLevel('none');
  const model = await addon.loadModel(options.modelPath);
  const info = model.info;
  const contextTrain = info.nCtxTrain;
  try {
    progress(`token scores on ${Math.min(options.perplexityFiles, options.files.length)} files`);
    const tokens = await scoreTokens(model, options.files.slice(0, options.perplexityFiles), contextTrain);

    const tasks = cutTasks(options.files, options.tasksPerKind, options.seed).map((task) => fitTask(model, task, contextTrain));
    const results: TaskResult[] = [];
    const byPackage = new Map<string, InfillTask[]>();
    for (const task of tasks) byPackage.set(task.package, [...(byPackage.get(task.package) ?? []), task]);
    for (const [pkg, packageTasks] of byPackage) {
      // The shared prefix names the package, as in training.
      const engine = await createCompletionEngine({
        modelPath: options.modelPath, contextSize: contextTrain * 2, repoName: pkg, ...(options.cpuBackend ? { cpuBackend: options.cpuBackend } : {}),
      });
      try {
        for (const task of packageTasks) {
          const related = fitDocuments(model, relatedFiles(task, options.files, options.documents, 6000), task, contextTrain);
          const settings: [InfillSetting, DocumentInput[], CompletionMode][] = [
            ['no-documents', [], 'full'],
            ['documents-full', related, 'full'],
            ['documents-sparse', related, 'sparse'],
          ];
          for (const [setting, documents, mode] of settings) {
            const text = await answer(engine, task, documents, mode);
            const score = scoreInfill(text, task.middle);
            results.push({ id: task.id, kind: task.kind, setting, expected: task.middle, answer: text, ...score, documents: documents.length });
          }
        }
      } finally {
        await engine.dispose();
      }
      progress(`${results.length / INFILL_SETTINGS.length} of ${tasks.length} infill tasks`);
    }

    const infill = {} as EvalReport['infill'];
    const documentGain = {} as EvalReport['documentGain'];
    const sparseGap = {} as EvalReport['sparseGap'];
    for (const kind of ['single-line', 'multi-line'] as const) {
      const of = (setting: InfillSetting) => summarize(results.filter((r) => r.kind === kind && r.setting === setting));
      infill[kind] = { 'no-documents': of('no-documents'), 'documents-full': of('documents-full'), 'documents-sparse': of('documents-sparse') };
      const [none, full, sparse] = INFILL_SETTINGS.map((s) => infill[kind][s]) as [InfillSummary, InfillSummary, InfillSummary];
      documentGain[kind] = { exactMatch: full.exactMatch - none.exactMatch, editSimilarity: full.editSimilarity - none.editSimilarity };
      sparseGap[kind] = { exactMatch: full.exactMatch - sparse.exactMatch, editSimilarity: full.editSimilarity - sparse.editSimilarity };
    }
    return {
      model: { path: options.modelPath, description: info.description, params: info.nParams, contextTrain },
      tokens,
      infill,
      documentGain,
      sparseGap,
      results,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    model.dispose();
  }
}
