import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddonModel } from '../../native/binding';
import { createCompletionEngine, detectFormat, queryPrompt, sharedPrefixTokens, TokenPieceIndex } from '../../assistant/engine';
import { greedyBatch, PARALLEL } from '../../training/eval/batch';
import { evaluateModel } from '../../training/eval/evaluate';
import { parseIdioms } from '../../training/eval/idioms';
import { scoreTokens } from '../../training/eval/perplexity';
import type { SourceFile } from '../../training/eval/tasks';
import { evalSourceFile, makeModel, pinnedCpuBackend, setupAddon, tempDir } from './helpers';

const FILES: SourceFile[] = [
  evalSourceFile('alpha', 'src/one.ts', 'one'), evalSourceFile('alpha', 'src/two.ts', 'two'), evalSourceFile('alpha', 'lib/three.ts', 'three'),
  evalSourceFile('beta', 'index.ts', 'four'), evalSourceFile('beta', 'util.ts', 'five'),
];

describe('training eval: token scores', () => {
  let modelPath: string;
  let model: AddonModel;
  beforeAll(async () => {
    modelPath = makeModel(tempDir(), { seed: 4 }).path;
    model = await setupAddon().loadModel(modelPath);
  });
  afterAll(() => model.dispose());

  it('scores the file text only, the same in one batch as token by token (logits read at the right batch index)', async () => {
    const batched = await scoreTokens(model, FILES.slice(0, 2), 4096, 48);
    const single = await scoreTokens(model, FILES.slice(0, 2), 4096, 1);
    const header = model.tokenize('<|repo_name|>alpha\n<|file_sep|>src/one.ts\n', { addSpecial: false, parseSpecial: true }).length;
    const body = model.tokenize(FILES[0]!.text, { addSpecial: false, parseSpecial: false }).length;
    expect(header).toBeGreaterThan(3);
    expect(batched.tokens).toBe(single.tokens);
    expect(batched.tokens).toBe(2 * body);
    expect(Math.abs(batched.nll - single.nll)).toBeLessThan(1e-4);
    expect(batched.accuracy).toBeCloseTo(single.accuracy, 6);
    expect(batched.perplexity).toBeCloseTo(Math.exp(batched.nll), 6);
  });

  it('a context shorter than the file scores only what fits', async () => {
    const header = model.tokenize('<|repo_name|>alpha\n<|file_sep|>src/one.ts\n', { addSpecial: false, parseSpecial: true }).length;
    const short = await scoreTokens(model, FILES.slice(0, 1), header + 6);
    expect(short.tokens).toBe(6);
  });
});

describe('training eval: batched greedy answers', () => {
  it('are the engine full mode answers, token healing included, for more prompts than run side by side', async () => {
    const modelPath = makeModel(tempDir(), { seed: 4 }).path;
    const model = await setupAddon().loadModel(modelPath);
    const engine = await createCompletionEngine({ modelPath, repoName: 'alpha', cpuBackend: pinnedCpuBackend() });
    try {
      const format = detectFormat(model);
      const asks = Array.from({ length: PARALLEL + 3 }, (_, i) => ({
        // Every third prefix ends with a space, which healing takes back.
        prefix: `${FILES[i % FILES.length]!.text.slice(0, 40 + 7 * i)}${i % 3 === 0 ? ' ' : ''}`, suffix: FILES[i % FILES.length]!.text.slice(60 + 7 * i), fileName: `src/f${i}.ts`,
        maxTokens: 6 + (i % 5), stopAt: i % 2 === 0 ? 'line' as const : 'none' as const,
      }));
      const index = new TokenPieceIndex(model);
      const prompts = asks.map((a) => {
        const query = queryPrompt(model, format, a.prefix, a.suffix, a.fileName, index);
        return { tokens: [...sharedPrefixTokens(model, format, 'alpha'), ...query.tokens], healed: query.healed, maxTokens: a.maxTokens, stopAt: a.stopAt };
      });
      expect(prompts.filter((p) => p.healed === ' ').length).toBeGreaterThanOrEqual(PARALLEL / 3);
      const batched = await greedyBatch(model, prompts, index);
      const expected: string[] = [];
      for (const a of asks) expected.push((await engine.complete({ ...a, mode: 'full', tokenHealing: true })).text);
      expect(batched).toEqual(expected);
      expect(batched.some((t) => t.length > 0)).toBe(true);
    } finally {
      await engine.dispose();
      model.dispose();
    }
  });
});

describe('training eval: infill through the engine', () => {
  it('runs every task in the three settings; with one short document sparse equals full exactly', async () => {
    const modelPath = makeModel(tempDir(), { seed: 4 }).path;
    const idioms = parseIdioms('@@@ double src/a.ts\nexport const double = (x: number) => «x * 2»;\n@@@ triple lib/b.js\nconst triple = (x) => «x * 3»;\n');
    // Healed, so that the engine's sparse answers and the batched full ones must heal alike to agree.
    const report = await evaluateModel({ modelPath, files: FILES, tasksPerKind: 2, seed: 1, documents: 1, perplexityFiles: 2, idioms, tokenHealing: true, cpuBackend: pinnedCpuBackend() });
    expect(report.tokenHealing).toBe(true);
    expect(report.idioms.results.map((r) => r.id)).toEqual(['double', 'triple']);
    expect(report.idioms.byLanguage.javascript.cases).toBe(1);
    expect(report.idioms.startsOwnLine).toBe(report.idioms.results.filter((r) => r.startsOwnLine).length / 2);

    expect(report.results).toHaveLength(2 * 2 * 3);
    for (const kind of ['single-line', 'multi-line'] as const) {
      expect(report.infill[kind]['no-documents']).toEqual(expect.objectContaining({ tasks: 2, documents: 0 }));
      expect(report.infill[kind]['documents-full'].documents).toBe(1);
      // One document in one block attends to the shared prefix and itself in both modes: the same prompt state.
      expect(report.sparseGap[kind]).toEqual({ exactMatch: 0, editSimilarity: 0, ci: { exactMatch: [0, 0], editSimilarity: [0, 0] } });
    }
    const byTask = (setting: string) => report.results.filter((r) => r.setting === setting).map((r) => r.answer);
    expect(byTask('documents-sparse')).toEqual(byTask('documents-full'));
    expect(report.tokens.tokens).toBeGreaterThan(0);
    expect(Number.isFinite(report.tokens.perplexity)).toBe(true);
    expect(report.model.contextTrain).toBe(4096);
  });
});
