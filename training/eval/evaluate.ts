// The held-out evaluation of a trained model (issues 5 and 12): token scores, single- and multi-line infill without
// documents, cross-file infill with related files as documents in the engine's `full` and `sparse` modes, and the
// public one-line idioms. Fast (issue 12): prompts without block reuse (no documents, documents in `full` mode,
// idioms) decode side by side in one context (batch.ts), answers are cut at the expected length, and only the
// `sparse` setting goes through the engine, whose block cache serves a package's tasks.
import { loadAddon, type AddonModel } from '../../native/binding';
import {
  createCompletionEngine, detectFormat, documentTokens, healsByDefault, queryPrompt, sharedPrefixTokens, TokenPieceIndex, type CompletionEngine, type DocumentInput, type PromptFormat, type StopBoundary,
} from '../../assistant/engine';
import { greedyBatch } from './batch';
import type { IdiomCase } from './idioms';
import { bootstrapCI, mean, scoreIdiom, scoreInfill, type IdiomScore, type InfillScore } from './metrics';
import { scoreTokens, type TokenScores } from './perplexity';
import { cutTasks, relatedFiles, type InfillKind, type InfillTask, type SourceFile } from './tasks';

export interface EvalOptions {
  modelPath: string;
  /** Files of the held-out packages (the documents come from them). */
  files: readonly SourceFile[];
  /** The files tasks are cut from and token scores are taken on (default `files`; the CLI gives the fixed list). */
  taskFiles?: readonly SourceFile[];
  tasksPerKind: number;
  seed: number;
  /** Related files given as documents in the cross-file settings. */
  documents: number;
  /** Files scored for perplexity (the first task files). */
  perplexityFiles: number;
  /** Most tokens scored per file, header included (default PERPLEXITY_TOKENS). */
  perplexityTokens?: number;
  /** One-line idioms to answer (none by default). */
  idioms?: readonly IdiomCase[];
  /** Token healing in every answer (default: the engine's for the model, `healsByDefault`). */
  tokenHealing?: boolean;
  cpuBackend?: string;
  onProgress?: (message: string) => void;
}

/** A difference of means with its 95% bootstrap interval over the tasks. */
export interface Difference {
  exactMatch: number;
  editSimilarity: number;
  ci: { exactMatch: [number, number]; editSimilarity: [number, number] };
}

export interface IdiomResult extends IdiomScore {
  id: string;
  language: IdiomCase['language'];
  expected: string;
  answer: string;
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

export interface TaskResult extends InfillScore {
  id: string;
  kind: InfillKind;
  setting: InfillSetting;
  expected: string;
  answer: string;
  documents: number;
}

export interface EvalReport {
  model: { path: string; description: string; params: number; contextTrain: number };
  tokenHealing: boolean;
  tokens: TokenScores;
  infill: Record<InfillKind, Record<InfillSetting, InfillSummary>>;
  /** Exact match and edit similarity, documents in full mode minus no documents, per kind. */
  documentGain: Record<InfillKind, Difference>;
  /** Documents in full mode minus documents in sparse mode: what block-sparse attention costs. */
  sparseGap: Record<InfillKind, Difference>;
  results: TaskResult[];
  idioms: { cases: number; exactMatch: number; editSimilarity: number; startsOwnLine: number; byLanguage: Record<IdiomCase['language'], { cases: number; exactMatch: number }>; results: IdiomResult[] };
  seconds: number;
}

/** Tokens the answer may take: a line, or a few lines. */
const MAX_TOKENS: Record<InfillKind, number> = { 'single-line': 48, 'multi-line': 128 };
/**
 * Tokens generated past the expected middle's own count: only as many lines as it has are compared, so an answer
 * that is right never needs more, and a wrong one is wrong by then.
 */
const ANSWER_SLACK = 16;

/**
 * Tokens of the prompt's parts: the code before and after the gap and the documents (at most these, and at most
 * 30%, 10% and the rest of the training context). Smaller than an editor's, so a model's evaluation takes minutes.
 */
export const PROMPT_TOKENS = { prefix: 256, suffix: 96, documents: 384 } as const;
const PREFIX_SHARE = 0.3;
const SUFFIX_SHARE = 0.1;

/** Tokens per file for the token scores, header included. */
export const PERPLEXITY_TOKENS = 384;

/** The repository name the app and `steerway complete` send (the engine's default): the idioms are asked as there. */
const IDIOM_REPO = 'workspace';

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
export function fitTask(model: AddonModel, task: InfillTask, contextTrain: number): InfillTask {
  const count = (text: string) => model.tokenize(text, { addSpecial: false, parseSpecial: false }).length;
  return {
    ...task,
    prefix: fitText(count, task.prefix, Math.min(PROMPT_TOKENS.prefix, Math.floor(contextTrain * PREFIX_SHARE)), 'end'),
    suffix: fitText(count, task.suffix, Math.min(PROMPT_TOKENS.suffix, Math.floor(contextTrain * SUFFIX_SHARE)), 'start'),
  };
}

/** Documents trimmed (last first) so that documents + query + answer fit the model's training context. */
function fitDocuments(model: AddonModel, docs: DocumentInput[], task: InfillTask, contextTrain: number): DocumentInput[] {
  const count = (text: string) => model.tokenize(text, { addSpecial: false, parseSpecial: false }).length;
  // The query and the header of each document (separator, path, newlines) take room beside the texts.
  let left = Math.min(PROMPT_TOKENS.documents, contextTrain - count(task.prefix) - count(task.suffix) - MAX_TOKENS[task.kind] - 32);
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

/** Tokens the answer to `task` may take (see ANSWER_SLACK). */
export function answerTokens(model: AddonModel, task: InfillTask): number {
  return Math.min(MAX_TOKENS[task.kind], model.tokenize(task.middle, { addSpecial: false, parseSpecial: false }).length + ANSWER_SLACK);
}

const stopAt = (kind: InfillKind): StopBoundary => (kind === 'single-line' ? 'line' : 'none');

async function sparseAnswer(engine: CompletionEngine, model: AddonModel, task: InfillTask, documents: DocumentInput[], tokenHealing: boolean): Promise<string> {
  const result = await engine.complete({
    prefix: task.prefix, suffix: task.suffix, fileName: task.path, documents, mode: 'sparse', maxTokens: answerTokens(model, task), stopAt: stopAt(task.kind), tokenHealing,
  });
  return result.text;
}

/** The engine's `full` prompt (shared prefix, each document whole, the query) and what token healing took back. */
function fullPrompt(model: AddonModel, format: PromptFormat, repo: string, task: { prefix: string; suffix: string; path: string }, documents: readonly DocumentInput[], healing: TokenPieceIndex | null): { tokens: number[]; healed: string } {
  const query = queryPrompt(model, format, task.prefix, task.suffix, task.path, healing);
  return {
    tokens: [...sharedPrefixTokens(model, format, repo), ...documents.flatMap((d) => documentTokens(model, format, d.name, d.text)), ...query.tokens],
    healed: query.healed,
  };
}

function summarize(results: readonly TaskResult[]): InfillSummary {
  return {
    tasks: results.length,
    exactMatch: mean(results.map((r) => (r.exact ? 1 : 0))),
    editSimilarity: mean(results.map((r) => r.similarity)),
    documents: mean(results.map((r) => r.documents)),
  };
}

/** Per task, the paired difference of two settings' scores: its mean and 95% bootstrap interval. */
export function difference(a: readonly InfillScore[], b: readonly InfillScore[], seed: number): Difference {
  const exact = a.map((r, i) => (r.exact ? 1 : 0) - (b[i]!.exact ? 1 : 0));
  const similarity = a.map((r, i) => r.similarity - b[i]!.similarity);
  return {
    exactMatch: mean(exact),
    editSimilarity: mean(similarity),
    ci: { exactMatch: bootstrapCI(exact, seed), editSimilarity: bootstrapCI(similarity, seed) },
  };
}

/** The model under evaluation, loaded quietly, with its training context and prompt format. */
export async function openEvalModel(modelPath: string, cpuBackend?: string) {
  const addon = loadAddon(cpuBackend ? { cpuBackend } : {});
  addon.setLogLevel('none');
  const model = await addon.loadModel(modelPath);
  return { model, info: model.info, contextTrain: model.info.nCtxTrain, format: detectFormat(model) };
}

export async function evaluateModel(options: EvalOptions): Promise<EvalReport> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => undefined);
  const { model, info, contextTrain, format } = await openEvalModel(options.modelPath, options.cpuBackend);
  const taskFiles = options.taskFiles ?? options.files;
  const tokenHealing = options.tokenHealing ?? healsByDefault(format);
  const healing = tokenHealing ? new TokenPieceIndex(model) : null;
  try {
    const scored = taskFiles.slice(0, options.perplexityFiles);
    progress(`token scores on ${scored.length} files`);
    const tokens = await scoreTokens(model, scored, Math.min(contextTrain, options.perplexityTokens ?? PERPLEXITY_TOKENS));

    const tasks = cutTasks(taskFiles, options.tasksPerKind, options.seed).map((task) => fitTask(model, task, contextTrain));
    const related = tasks.map((task) => fitDocuments(model, relatedFiles(task, options.files, options.documents, 6000), task, contextTrain));
    progress(`${tasks.length} infill tasks without documents and with documents in full mode, batched`);
    const batched = await greedyBatch(model, [
      ...tasks.map((task) => ({ ...fullPrompt(model, format, task.package, task, [], healing), maxTokens: answerTokens(model, task), stopAt: stopAt(task.kind) })),
      ...tasks.map((task, i) => ({ ...fullPrompt(model, format, task.package, task, related[i]!, healing), maxTokens: answerTokens(model, task), stopAt: stopAt(task.kind) })),
    ], healing);
    const sparse: string[] = new Array(tasks.length).fill('');
    const byPackage = new Map<string, number[]>();
    tasks.forEach((task, i) => byPackage.set(task.package, [...(byPackage.get(task.package) ?? []), i]));
    for (const [pkg, indices] of byPackage) {
      // The shared prefix names the package, as in training; one engine per package keeps its blocks for its tasks.
      const engine = await createCompletionEngine({
        modelPath: options.modelPath, contextSize: contextTrain * 2, repoName: pkg, ...(options.cpuBackend ? { cpuBackend: options.cpuBackend } : {}),
      });
      try {
        for (const i of indices) sparse[i] = await sparseAnswer(engine, model, tasks[i]!, related[i]!, tokenHealing);
      } finally {
        await engine.dispose();
      }
    }
    progress(`${tasks.length} infill tasks with documents in sparse mode`);
    const results: TaskResult[] = [];
    tasks.forEach((task, i) => {
      const answers: [InfillSetting, string, number][] = [
        ['no-documents', batched[i]!, 0],
        ['documents-full', batched[tasks.length + i]!, related[i]!.length],
        ['documents-sparse', sparse[i]!, related[i]!.length],
      ];
      for (const [setting, text, documents] of answers) {
        results.push({ id: task.id, kind: task.kind, setting, expected: task.middle, answer: text, ...scoreInfill(text, task.middle), documents });
      }
    });

    const idiomCases = options.idioms ?? [];
    progress(`${idiomCases.length} idioms, batched`);
    const idiomAnswers = await greedyBatch(model, idiomCases.map((c) => ({
      ...fullPrompt(model, format, IDIOM_REPO, c, [], healing), maxTokens: answerTokens(model, c), stopAt: 'line' as const,
    })), healing);
    const idiomResults: IdiomResult[] = idiomCases.map((c, i) => ({
      id: c.id, language: c.language, expected: c.middle, answer: idiomAnswers[i]!, ...scoreIdiom(idiomAnswers[i]!, c.middle, c.suffix),
    }));
    const languageSummary = (language: IdiomCase['language']) => {
      const of = idiomResults.filter((r) => r.language === language);
      return { cases: of.length, exactMatch: mean(of.map((r) => (r.exact ? 1 : 0))) };
    };

    const infill = {} as EvalReport['infill'];
    const documentGain = {} as EvalReport['documentGain'];
    const sparseGap = {} as EvalReport['sparseGap'];
    for (const kind of ['single-line', 'multi-line'] as const) {
      const rows = (setting: InfillSetting) => results.filter((r) => r.kind === kind && r.setting === setting);
      infill[kind] = { 'no-documents': summarize(rows('no-documents')), 'documents-full': summarize(rows('documents-full')), 'documents-sparse': summarize(rows('documents-sparse')) };
      documentGain[kind] = difference(rows('documents-full'), rows('no-documents'), options.seed);
      sparseGap[kind] = difference(rows('documents-full'), rows('documents-sparse'), options.seed);
    }
    return {
      model: { path: options.modelPath, description: info.description, params: info.nParams, contextTrain },
      tokenHealing,
      tokens,
      infill,
      documentGain,
      sparseGap,
      results,
      idioms: {
        cases: idiomResults.length,
        exactMatch: mean(idiomResults.map((r) => (r.exact ? 1 : 0))),
        editSimilarity: mean(idiomResults.map((r) => r.similarity)),
        startsOwnLine: mean(idiomResults.map((r) => (r.startsOwnLine ? 1 : 0))),
        byLanguage: { typescript: languageSummary('typescript'), javascript: languageSummary('javascript') },
        results: idiomResults,
      },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    model.dispose();
  }
}
