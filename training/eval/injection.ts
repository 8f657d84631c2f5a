// The injection evaluation (issue 13, item 5): next-token accuracy and perplexity over all tokens and over use
// sites, and infill exact match / edit similarity, with no injection, the k best heads per pattern replaced by the
// pattern, k random heads replaced (control) and the k best zeroed (ablation); the hook's measured cost per
// request; what skipping replaced heads would save, computed from the model's shape.
//
// Every prompt is one sequence in a cache cleared before it and decoded in order from position 0, so a token's
// KV cell is its position (the injected rows' columns). Rows follow the engine's rule: the patterns read the
// prompt's analysis; previous token and sink go on into the generated tokens, the others have no rows there.
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type { AddonContext, AddonModel, ContextOptions } from '../../native/binding';
import { UseDefAnalyzer, type PatternName, type PromptAnalysis } from '../../assistant/analysis';
import { boundaryCut, modelIdentity, queryTokens, sharedPrefixTokens, type PromptFormat, type StopBoundary } from '../../assistant/engine';
import type { HeadChoice, HeadProfile } from '../../assistant/heads/profile';
import { answerTokens, fitTask, openEvalModel } from './evaluate';
import { buildConditions, ConditionError, type InjectionCondition } from './injectionConditions';
import { freedKBytes, skipSavings, type ModelShape, type ShapeCost } from './injectionCost';
import { injectionFor, patternRows, promptAnalysis, tokenCharStarts, useSites, type PromptSegment, type RowsByPosition } from './injectionRows';
import { bootstrapCI, mean, scoreInfill } from './metrics';
import { scoreRow } from './batch';
import type { InfillTask, SourceFile } from './tasks';

export interface InjectionEvalOptions {
  modelPath: string;
  profile: HeadProfile;
  /** Files scored token by token (their first `tokensPerFile` tokens, header included). */
  scoreFiles: readonly SourceFile[];
  tokensPerFile: number;
  /** Infill tasks (cut to the model's context here, as the evaluation does). */
  tasks: readonly InfillTask[];
  ks: readonly number[];
  seed: number;
  patterns: readonly PatternName[];
  /** Timed requests per setting for the hook's overhead (0: not timed). */
  timingReps: number;
  /** Tokens each timed request generates. */
  timingTokens?: number;
  cpuBackend?: string;
  onProgress?: (message: string) => void;
}

export interface TokenMetrics {
  tokens: number;
  nll: number;
  perplexity: number;
  accuracy: number;
}

/** A condition's mean minus no injection's, paired per file (tokens) or per task (infill), with a 95% bootstrap interval. */
export interface PairedDelta {
  mean: number;
  ci: [number, number];
  /** Files or tasks paired. */
  n: number;
}

export interface ConditionResult {
  name: string;
  kind: InjectionCondition['kind'];
  pattern: PatternName | null;
  k: number;
  /** `layer.head`, ordered. */
  heads: string[];
  all: TokenMetrics;
  useSites: TokenMetrics;
  infill: { tasks: number; exactMatch: number; editSimilarity: number };
  /** Against no injection: mean per-token NLL per file (all tokens, use sites), accuracy per file, edit similarity and exact match per task. */
  delta: { nll: PairedDelta; useSiteNll: PairedDelta; accuracy: PairedDelta; editSimilarity: PairedDelta; exactMatch: PairedDelta } | null;
  /** Rows the addon wrote, summed over heads and decode calls (tokens and infill). */
  injectedRows: number;
  /** K cache bytes at the model's training context its heads would free (whole KV groups replaced). */
  freedKBytes: number;
  seconds: number;
}

export interface TimingResult {
  setting: string;
  /** Median ms per request (prompt and `tokens` generated tokens). */
  medianMs: number;
  runsMs: number[];
}

export interface InjectionReport {
  model: { path: string; identity: string; description: string; params: number; shape: ModelShape };
  profile: { identity: string; files: HeadProfile['files'] };
  data: { scoreFiles: string[]; tokensPerFile: number; tokens: number; useSites: number; tasks: string[] };
  ks: number[];
  seed: number;
  conditions: ConditionResult[];
  timing: { prompt: number; tokens: number; reps: number; results: TimingResult[]; heads: string[] } | null;
  cost: ShapeCost;
  load: { start: number[]; end: number[] };
  seconds: number;
}

/** Sums of one file's scored tokens: all of them, and those at use sites. */
export interface FileSums {
  nll: number;
  correct: number;
  count: number;
  useNll: number;
  useCorrect: number;
  useCount: number;
}

/** One predicted token: its position, NLL and whether it was the argmax. */
export interface TargetScore {
  target: number;
  nll: number;
  top: boolean;
}

export function fileSums(scored: readonly TargetScore[], uses: ReadonlySet<number>): FileSums {
  const sums: FileSums = { nll: 0, correct: 0, count: 0, useNll: 0, useCorrect: 0, useCount: 0 };
  for (const { target, nll, top } of scored) {
    sums.nll += nll;
    sums.count++;
    if (top) sums.correct++;
    if (uses.has(target)) {
      sums.useNll += nll;
      sums.useCount++;
      if (top) sums.useCorrect++;
    }
  }
  return sums;
}

/** A prompt ready to run under any condition: its tokens and, lazily, its patterns' rows. */
interface Prepared {
  tokens: number[];
  rows: (pattern: PatternName) => RowsByPosition;
}

const tokenize = (model: AddonModel, text: string): number[] => Array.from(model.tokenize(text, { addSpecial: false, parseSpecial: false }));

/** Each pattern's rows computed once, over `tokenCount` tokens (past the prompt: the generated ones). */
function rowsOf(analysis: PromptAnalysis, tokenCount: number): (pattern: PatternName) => RowsByPosition {
  const cache = new Map<PatternName, RowsByPosition>();
  const extended = { ...analysis, tokenCount };
  return (pattern) => {
    let rows = cache.get(pattern);
    if (!rows) cache.set(pattern, (rows = patternRows(extended, pattern)));
    return rows;
  };
}

/** A held-out file as training laid it out (repository and file header, then its text), cut to `maxTokens`. */
function fileSegments(model: AddonModel, file: SourceFile, maxTokens: number): PromptSegment[] {
  const header = Array.from(model.tokenize(`<|repo_name|>${file.package}\n<|file_sep|>${file.path}\n`, { addSpecial: false, parseSpecial: true }));
  const body = tokenize(model, file.text).slice(0, Math.max(0, maxTokens - header.length));
  const starts = tokenCharStarts(model, tokenize(model, file.text), file.text);
  const shown = file.text.slice(0, starts[body.length] ?? file.text.length);
  return [{ tokens: header }, { tokens: body, source: { file: file.path, start: 0, text: shown } }];
}

/** The engine's `full` prompt without documents, in segments: the prefix and the suffix are the task file's text. */
export function taskSegments(model: AddonModel, format: PromptFormat, task: InfillTask): PromptSegment[] {
  const { prefix: pre, suffix: suf, middle: mid } = format.fim;
  if (pre === null || suf === null || mid === null) throw new ConditionError('the model declares no FIM tokens: the infill tasks need them');
  const query = queryTokens(model, format, task.prefix, task.suffix, task.path);
  const prefix = tokenize(model, task.prefix);
  const suffix = tokenize(model, task.suffix);
  const head = query.slice(0, query.length - prefix.length - suffix.length - 3);
  const segments: PromptSegment[] = [
    { tokens: [...sharedPrefixTokens(model, format, task.package), ...head, pre] },
    { tokens: prefix, source: { file: task.path, start: 0, text: task.prefix } },
    { tokens: [suf] },
    { tokens: suffix, source: { file: task.path, start: task.prefix.length, text: task.suffix } },
    { tokens: [mid] },
  ];
  // The same tokens as the engine's prompt, or the layout above is wrong.
  const flat = segments.slice(1).flatMap((s) => s.tokens);
  if (flat.join() !== query.slice(head.length + 1).join()) throw new Error(`the query of ${task.id} is not laid out as prefix, suffix, middle`);
  return segments;
}

/**
 * Decodes `tokens` at positions from `from` on, in calls of at most nBatch tokens, each with the condition's
 * injection for its tokens; `onLogits` gets (position, batch index) of each token whose logits were asked for.
 */
async function decodeInjected(ctx: AddonContext, tokens: readonly number[], from: number, heads: readonly HeadChoice[], rows: (p: PatternName) => RowsByPosition, logits: 'all' | 'last', onLogits: (position: number, batchIndex: number) => void): Promise<number> {
  let injected = 0;
  for (let start = 0; start < tokens.length; start += ctx.nBatch) {
    const chunk = tokens.slice(start, start + ctx.nBatch);
    const positions = chunk.map((_, i) => from + start + i);
    const want = Uint8Array.from(chunk, (_, i) => (logits === 'all' || start + i === tokens.length - 1 ? 1 : 0));
    // A context without the hook (the timing's baselines) takes no injection.
    if (ctx.attentionHook) ctx.setAttentionInjection(injectionFor(heads, rows, positions));
    await ctx.decode({ tokens: Int32Array.from(chunk), positions: Int32Array.from(positions), seqIds: new Int32Array(chunk.length), logits: want });
    if (ctx.attentionHook) injected += ctx.injectedRows();
    want.forEach((w, i) => {
      if (w) onLogits(positions[i]!, i);
    });
  }
  if (ctx.attentionHook) ctx.setAttentionInjection(null);
  return injected;
}

/** Greedy answer of one prompt under a condition, cut as the engine cuts it (see greedyBatch, which batches prompts without injection). */
async function greedyAnswer(ctx: AddonContext, model: AddonModel, prompt: Prepared, heads: readonly HeadChoice[], maxTokens: number, stopAt: StopBoundary): Promise<{ text: string; injected: number }> {
  ctx.clearMemory();
  let next = -1;
  let injected = await decodeInjected(ctx, prompt.tokens, 0, heads, prompt.rows, 'last', (_p, i) => (next = ctx.argmax(i)));
  const decoder = new TextDecoder();
  let raw = '';
  for (let generated = 1; ; generated++) {
    if (model.isEog(next)) return { text: raw + decoder.decode(), injected };
    raw += decoder.decode(model.tokenPiece(next), { stream: true });
    const cut = boundaryCut(raw, stopAt);
    if (cut >= 0) return { text: raw.slice(0, cut), injected };
    if (generated >= maxTokens) return { text: raw + decoder.decode(), injected };
    injected += await decodeInjected(ctx, [next], prompt.tokens.length + generated - 1, heads, prompt.rows, 'last', (_p, i) => (next = ctx.argmax(i)));
  }
}

function metrics(nll: number, correct: number, count: number): TokenMetrics {
  const mean = count === 0 ? Number.NaN : nll / count;
  return { tokens: count, nll: mean, perplexity: Math.exp(mean), accuracy: count === 0 ? Number.NaN : correct / count };
}

function paired(values: readonly number[], base: readonly number[], seed: number): PairedDelta {
  const diffs = values.map((v, i) => v - base[i]!).filter((d) => Number.isFinite(d));
  return { mean: mean(diffs), ci: bootstrapCI(diffs, seed), n: diffs.length };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The model's shape for the cost side: head size from the GGUF's key length when given, else width / heads. */
function shapeOf(model: AddonModel, context: number): ModelShape {
  const { info } = model;
  const keyLength = model.metadata()[`${info.architecture}.attention.key_length`];
  return {
    nLayer: info.nLayer, nHead: info.nHead, nHeadKv: info.nHeadKv, headDim: typeof keyLength === 'number' ? keyLength : info.nEmbd / info.nHead,
    context, params: info.nParams, kvElementBytes: 2,
  };
}

/**
 * Time per request, each setting in turn per round (load drifts alike over all): the engine's default context
 * (flash attention on its default), the non-flash path, the hook on with nothing injected, and `heads` injected.
 */
async function timeRequests(model: AddonModel, prompt: Prepared, heads: readonly HeadChoice[], tokens: number, reps: number): Promise<TimingResult[]> {
  const nCtx = Math.ceil((prompt.tokens.length + tokens) / 256) * 256;
  const base: ContextOptions = { nCtx, nBatch: Math.min(512, nCtx), nSeqMax: 1 };
  const settings: { setting: string; options: ContextOptions; heads: readonly HeadChoice[] }[] = [
    { setting: 'default context (flash attention auto), no hook', options: base, heads: [] },
    { setting: 'flash attention disabled, no hook', options: { ...base, flashAttention: 'disabled' }, heads: [] },
    { setting: 'hook on, nothing injected', options: { ...base, attentionHook: true }, heads: [] },
    { setting: `hook on, ${heads.length} heads injected`, options: { ...base, attentionHook: true }, heads },
  ];
  const contexts = await Promise.all(settings.map((s) => model.createContext(s.options)));
  const runs: number[][] = settings.map(() => []);
  try {
    for (let rep = 0; rep < reps + 1; rep++) {
      for (const [i, s] of settings.entries()) {
        const ctx = contexts[i]!;
        const started = performance.now();
        ctx.clearMemory();
        let next = -1;
        const take = (_p: number, b: number) => (next = ctx.argmax(b));
        // Always `tokens` tokens, whatever they are: the same work in every setting.
        await decodeInjected(ctx, prompt.tokens, 0, s.heads, prompt.rows, 'last', take);
        for (let g = 1; g < tokens; g++) await decodeInjected(ctx, [next], prompt.tokens.length + g - 1, s.heads, prompt.rows, 'last', take);
        // The first round warms caches and is not counted.
        if (rep > 0) runs[i]!.push(performance.now() - started);
      }
    }
  } finally {
    for (const ctx of contexts) ctx.dispose();
  }
  return settings.map((s, i) => ({ setting: s.setting, medianMs: median(runs[i]!), runsMs: runs[i]! }));
}

export async function evaluateInjection(options: InjectionEvalOptions): Promise<InjectionReport> {
  const started = performance.now();
  const loadStart = os.loadavg();
  const progress = options.onProgress ?? (() => undefined);
  const { model, info, contextTrain, format } = await openEvalModel(options.modelPath, options.cpuBackend);
  const identity = await modelIdentity(options.modelPath, fs.statSync(options.modelPath), null);
  const analyzer = await UseDefAnalyzer.create();
  try {
    const { profile } = options;
    if (profile.model.identity !== identity) throw new ConditionError(`the profile is of model ${profile.model.identity.slice(0, 12)}, ${options.modelPath} is ${identity.slice(0, 12)}`);
    if (profile.model.nLayer !== info.nLayer || profile.model.nHead !== info.nHead) {
      throw new ConditionError(`the profile is of a ${profile.model.nLayer}x${profile.model.nHead} model, ${options.modelPath} has ${info.nLayer} layers of ${info.nHead} heads`);
    }
    const conditions = buildConditions(profile, options.ks, options.seed, options.patterns);

    // Token scoring: the file's text analysed whole, its shown part placed after the header.
    const tokensPerFile = Math.min(options.tokensPerFile, contextTrain);
    const files = options.scoreFiles.map((file) => {
      const segments = fileSegments(model, file, tokensPerFile);
      const analysis = promptAnalysis(model, segments, analyzer.analyze({ file: file.path, code: file.text }));
      const tokens = segments.flatMap((s) => s.tokens);
      return { file, header: segments[0]!.tokens.length, uses: new Set(useSites(analysis)), prepared: { tokens, rows: rowsOf(analysis, tokens.length) } };
    });
    const tasks = options.tasks.map((t) => fitTask(model, t, contextTrain)).map((task) => {
      const segments = taskSegments(model, format, task);
      const analysis = promptAnalysis(model, segments, analyzer.analyze({ file: task.path, prefix: task.prefix, suffix: task.suffix }));
      const tokens = segments.flatMap((s) => s.tokens);
      const maxTokens = answerTokens(model, task);
      return { task, maxTokens, prepared: { tokens, rows: rowsOf(analysis, tokens.length + maxTokens) } };
    });
    const longest = Math.max(...files.map((f) => f.prepared.tokens.length), ...tasks.map((t) => t.prepared.tokens.length + t.maxTokens), 1);
    const nCtx = Math.ceil(longest / 256) * 256;
    const ctx = await model.createContext({ nCtx, nBatch: Math.min(512, nCtx), nSeqMax: 1, attentionHook: true });
    const shape = shapeOf(model, contextTrain);
    const results: ConditionResult[] = [];
    let perFileBase: FileSums[] = [];
    let perTaskBase: { exact: number; similarity: number }[] = [];
    const row = new Float32Array(ctx.nVocab);
    try {
      for (const condition of conditions) {
        const conditionStarted = performance.now();
        progress(`${condition.name}: ${files.length} files, ${tasks.length} tasks`);
        let injected = 0;
        const perFile: FileSums[] = [];
        for (const f of files) {
          const scored: TargetScore[] = [];
          ctx.clearMemory();
          // The last token predicts nothing: it is not decoded.
          injected += await decodeInjected(ctx, f.prepared.tokens.slice(0, -1), 0, condition.heads, f.prepared.rows, 'all', (position, batchIndex) => {
            const target = position + 1;
            if (target >= f.header) scored.push({ target, ...scoreRow(ctx.logits(batchIndex, row), f.prepared.tokens[target]!) });
          });
          perFile.push(fileSums(scored, f.uses));
        }
        const perTask: { exact: number; similarity: number }[] = [];
        for (const t of tasks) {
          const stopAt: StopBoundary = t.task.kind === 'single-line' ? 'line' : 'none';
          const answer = await greedyAnswer(ctx, model, t.prepared, condition.heads, t.maxTokens, stopAt);
          injected += answer.injected;
          const score = scoreInfill(answer.text, t.task.middle);
          perTask.push({ exact: score.exact ? 1 : 0, similarity: score.similarity });
        }
        if (condition.kind === 'none') {
          perFileBase = perFile;
          perTaskBase = perTask;
        }
        const sum = (key: keyof FileSums) => perFile.reduce((s, x) => s + x[key], 0);
        const fileMean = (sums: FileSums[], nll: 'nll' | 'useNll', count: 'count' | 'useCount') => sums.map((s) => (s[count] === 0 ? Number.NaN : s[nll] / s[count]));
        results.push({
          name: condition.name,
          kind: condition.kind,
          pattern: condition.pattern,
          k: condition.k,
          heads: condition.heads.map((h) => `${h.layer}.${h.head}`),
          all: metrics(sum('nll'), sum('correct'), sum('count')),
          useSites: metrics(sum('useNll'), sum('useCorrect'), sum('useCount')),
          infill: { tasks: perTask.length, exactMatch: mean(perTask.map((t) => t.exact)), editSimilarity: mean(perTask.map((t) => t.similarity)) },
          delta: condition.kind === 'none' ? null : {
            nll: paired(fileMean(perFile, 'nll', 'count'), fileMean(perFileBase, 'nll', 'count'), options.seed),
            useSiteNll: paired(fileMean(perFile, 'useNll', 'useCount'), fileMean(perFileBase, 'useNll', 'useCount'), options.seed),
            accuracy: paired(perFile.map((s) => s.correct / s.count), perFileBase.map((s) => s.correct / s.count), options.seed),
            editSimilarity: paired(perTask.map((t) => t.similarity), perTaskBase.map((t) => t.similarity), options.seed),
            exactMatch: paired(perTask.map((t) => t.exact), perTaskBase.map((t) => t.exact), options.seed),
          },
          injectedRows: injected,
          freedKBytes: freedKBytes(shape, condition.heads),
          seconds: (performance.now() - conditionStarted) / 1000,
        });
      }
    } finally {
      ctx.dispose();
    }

    let timing: InjectionReport['timing'] = null;
    const timed = conditions.filter((c) => c.kind === 'best' && c.pattern === 'previous-token').at(-1);
    if (options.timingReps > 0 && tasks.length > 0 && timed) {
      const tokens = options.timingTokens ?? 32;
      progress(`timing: ${options.timingReps} requests per setting, ${tokens} tokens each`);
      const prompt = tasks[0]!.prepared;
      const timedPrompt: Prepared = { tokens: prompt.tokens, rows: rowsOf({ tokenCount: 0, edges: [], occurrences: [], brackets: [] }, prompt.tokens.length + tokens) };
      timing = { prompt: prompt.tokens.length, tokens, reps: options.timingReps, heads: timed.heads.map((h) => `${h.layer}.${h.head}=${h.pattern}`), results: await timeRequests(model, timedPrompt, timed.heads, tokens, options.timingReps) };
    }

    return {
      model: { path: options.modelPath, identity, description: info.description, params: info.nParams, shape },
      profile: { identity: profile.model.identity, files: profile.files },
      data: {
        scoreFiles: files.map((f) => `${f.file.package}/${f.file.path}`),
        tokensPerFile,
        tokens: results[0]?.all.tokens ?? 0,
        useSites: results[0]?.useSites.tokens ?? 0,
        tasks: tasks.map((t) => t.task.id),
      },
      ks: [...options.ks],
      seed: options.seed,
      conditions: results,
      timing,
      cost: skipSavings(shape, options.ks),
      load: { start: loadStart, end: os.loadavg() },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    analyzer.dispose();
    model.dispose();
  }
}
