import fs from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { PATTERN_NAMES } from '../../assistant/analysis';
import { modelIdentity } from '../../assistant/engine';
import { HEAD_PROFILE_VERSION, type HeadProfile, type HeadScore } from '../../assistant/heads/profile';
import { evaluateInjection, type InjectionReport } from '../../training/eval/injection';
import { injectionMarkdown } from '../../training/eval/injectionReport';
import { scoreTokens } from '../../training/eval/perplexity';
import { cutTasks } from '../../training/eval/tasks';
import { describeNative, evalSourceFile, makeModel, pinnedCpuBackend, setupAddon, tempDir } from './helpers';

const FILES = [evalSourceFile('alpha', 'src/one.ts', 'one'), evalSourceFile('alpha', 'src/two.ts', 'two'), evalSourceFile('alpha', 'lib/three.ts', 'three')];

/** A profile of the tiny model (2 layers x 4 heads): each pattern ranks the heads in its own order. */
function profileOf(identity: string): HeadProfile {
  const patterns = {} as HeadProfile['patterns'];
  PATTERN_NAMES.forEach((pattern, p) => {
    const heads: HeadScore[] = Array.from({ length: 8 }, (_, i) => ({ layer: i >> 2, head: i & 3, top1: ((i * 3 + p) % 8) / 8, mass: 0.5 }));
    patterns[pattern] = { rows: 10, heads };
  });
  return { version: HEAD_PROFILE_VERSION, model: { identity, name: 'tiny', nLayer: 2, nHead: 4, nHeadKv: 2 }, files: { count: 1, tokens: 10 }, patterns };
}

describeNative('injection evaluation on a tiny model', () => {
  let modelPath: string;
  let report: InjectionReport;
  const KS = [1, 2];
  const PATTERNS = ['previous-token', 'use-def'] as const;
  beforeAll(async () => {
    modelPath = makeModel(tempDir(), { seed: 5 }).path;
    const profile = profileOf(await modelIdentity(modelPath, fs.statSync(modelPath), null));
    report = await evaluateInjection({
      modelPath, profile, scoreFiles: FILES, tokensPerFile: 96, tasks: cutTasks(FILES, 1, 1), ks: KS, seed: 1, patterns: [...PATTERNS],
      timingReps: 1, timingTokens: 3, cpuBackend: pinnedCpuBackend(),
    });
  }, 120_000);

  it('reports every condition with its metrics, deltas paired over files and tasks', () => {
    expect(report.conditions.map((c) => c.name)).toEqual([
      'none',
      ...PATTERNS.flatMap((p) => KS.flatMap((k) => [`best ${p} k=${k}`, `random ${p} k=${k}`, `zeroed ${p} k=${k}`])),
    ]);
    expect(report.data.tasks).toHaveLength(2);
    expect(report.data.useSites).toBeGreaterThan(0);
    for (const c of report.conditions) {
      expect(c.all.tokens).toBe(report.data.tokens);
      expect(c.useSites.tokens).toBe(report.data.useSites);
      expect(Number.isFinite(c.all.perplexity)).toBe(true);
      expect(c.infill.tasks).toBe(2);
      if (c.kind === 'none') expect(c.delta).toBeNull();
      else expect(c.delta!.nll.n).toBe(FILES.length);
      expect(c.heads).toHaveLength(c.k);
    }
    expect(report.timing!.results.map((t) => t.runsMs.length)).toEqual([1, 1, 1, 1]);
    expect(report.cost.savings.map((s) => s.k)).toEqual(KS);
    const markdown = injectionMarkdown('tiny', report);
    for (const c of report.conditions) expect(markdown).toContain(`| ${c.name} |`);
    for (const p of PATTERNS) for (const k of KS) expect(markdown).toContain(`| ${p} | ${k} | `);
  });

  it('scores without injection as the standard evaluation does', async () => {
    const model = await setupAddon().loadModel(modelPath);
    try {
      const standard = await scoreTokens(model, FILES, 96);
      const none = report.conditions[0]!;
      expect(none.all.tokens).toBe(standard.tokens);
      expect(Math.abs(none.all.nll - standard.nll)).toBeLessThan(1e-3);
    } finally {
      model.dispose();
    }
  });

  it('changes perplexity when heads are zeroed or replaced, and counts the rows it wrote', () => {
    const none = report.conditions[0]!;
    for (const c of report.conditions.slice(1)) {
      expect(c.injectedRows).toBeGreaterThan(0);
      if (c.kind === 'zeroed' || c.pattern === 'previous-token') expect(Math.abs(c.all.nll - none.all.nll)).toBeGreaterThan(1e-4);
    }
    expect(none.injectedRows).toBe(0);
  });
});
