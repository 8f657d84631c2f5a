// `npm run training:injection -- [--model any.gguf] [--profile file] [--k 1,2,4,8] [--seed 1] [--files n] [--tasks n]
// [--tokens n] [--patterns a,b] [--corpus corpus.jsonl] [--probe-files n] [--timing-reps n] [--out dir] [--label name]`:
// the injection evaluation (issue 13, item 5) on the evaluation's fixed held-out list (eval-files.json, read from
// a corpus's eval split), writing <label>.json and <label>.md into --out (default results/injection).
// Without --profile the model's heads are probed first on held-out files of OTHER packages than the list's
// (disjoint from the evaluated files), and that profile is written beside the results.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PATTERN_NAMES, type PatternName } from '../../assistant/analysis';
import { modelIdentity } from '../../assistant/engine';
import { HEAD_PROFILE_VERSION, type HeadProfile } from '../../assistant/heads/profile';
import { probeHeads } from '../../assistant/heads/probe';
import { readCorpus } from '../corpus/read';
import { openEvalModel } from './evaluate';
import { evaluateInjection } from './injection';
import { DEFAULT_KS } from './injectionConditions';
import { injectionMarkdown } from './injectionReport';
import { cutTasks, pickEvalFiles, type SourceFile } from './tasks';

const FILE_LIST = fileURLToPath(new URL('./eval-files.json', import.meta.url));
const USAGE = 'usage: training:injection [--model file.gguf] [--profile profile.json] [--k 1,2,4,8] [--seed n] [--files n] [--tasks n] [--tokens n] [--patterns a,b] [--corpus corpus.jsonl] [--probe-files n] [--timing-reps n] [--out dir] [--label name]';

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function positive(name: string, value: string, zero = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (zero ? 0 : 1)) throw new UsageError(`--${name} must be a ${zero ? 'non-negative' : 'positive'} integer, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        model: { type: 'string', default: 'models/steerway-coder.gguf' },
        profile: { type: 'string' },
        k: { type: 'string', default: DEFAULT_KS.join(',') },
        seed: { type: 'string', default: '1' },
        files: { type: 'string', default: '12' },
        tasks: { type: 'string', default: '6' },
        tokens: { type: 'string', default: '256' },
        patterns: { type: 'string', default: PATTERN_NAMES.join(',') },
        corpus: { type: 'string', default: 'out/training/evalcorpus/corpus.jsonl' },
        'probe-files': { type: 'string', default: '24' },
        'timing-reps': { type: 'string', default: '5' },
        out: { type: 'string', default: 'results/injection' },
        label: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const ks = values.k.split(',').map((k) => positive('k', k.trim()));
  const seed = positive('seed', values.seed, true);
  const patterns = values.patterns.split(',').map((p) => p.trim());
  const unknown = patterns.filter((p) => !(PATTERN_NAMES as readonly string[]).includes(p));
  if (unknown.length > 0) throw new UsageError(`--patterns: unknown ${unknown.join(', ')} (patterns: ${PATTERN_NAMES.join(', ')})`);
  if (!fs.existsSync(values.model)) throw new UsageError(`--model: no file at ${values.model}`);
  if (!fs.existsSync(values.corpus)) throw new UsageError(`--corpus: no corpus at ${values.corpus} (build one: npx tsx training/corpus/cli.ts --out ${path.dirname(values.corpus)})`);
  const label = values.label ?? path.basename(values.model).replace(/\.gguf$/i, '');

  const heldOut: SourceFile[] = [...readCorpus(values.corpus, 'eval')].map(({ package: pkg, path: p, text }) => ({ package: pkg, path: p, text }));
  const list = JSON.parse(fs.readFileSync(FILE_LIST, 'utf8')) as { files: { package: string; path: string }[] };
  const index = new Map(heldOut.map((f) => [`${f.package}\u0000${f.path}`, f]));
  // The list names some files twice (two versions of a package in the corpus it was picked from): once each here.
  const listed = [...new Set(list.files.map((f) => `${f.package}\u0000${f.path}`))].map((key) => index.get(key)).filter((f): f is SourceFile => f !== undefined);
  if (listed.length === 0) throw new UsageError(`none of the files in ${FILE_LIST} is in the eval split of ${values.corpus}`);
  const evalPackages = new Set(listed.map((f) => f.package));

  let profile: HeadProfile;
  if (values.profile) {
    profile = JSON.parse(fs.readFileSync(values.profile, 'utf8')) as HeadProfile;
  } else {
    const probeFiles = pickEvalFiles(heldOut.filter((f) => !evalPackages.has(f.package)), positive('probe-files', values['probe-files']), seed);
    console.error(`[injection] probing heads on ${probeFiles.length} held-out files of ${new Set(probeFiles.map((f) => f.package)).size} packages not in the evaluation`);
    const { model, info } = await openEvalModel(values.model);
    try {
      const { skipped, ...probed } = await probeHeads(model, probeFiles.map((f) => ({ file: f.path, text: f.text })), { maxTokens: positive('tokens', values.tokens) });
      if (skipped.length > 0) console.error(`[injection] ${skipped.length} probe files skipped: ${skipped.map((s) => `${s.file} (${s.reason})`).join(', ')}`);
      profile = {
        version: HEAD_PROFILE_VERSION,
        model: { identity: await modelIdentity(values.model, fs.statSync(values.model), null), name: path.basename(values.model), nLayer: info.nLayer, nHead: info.nHead, nHeadKv: info.nHeadKv },
        ...probed,
      };
    } finally {
      model.dispose();
    }
    fs.mkdirSync(values.out, { recursive: true });
    fs.writeFileSync(path.join(values.out, `${label}-profile.json`), `${JSON.stringify({ ...profile, probeFiles: probeFiles.map((f) => `${f.package}/${f.path}`) }, null, 1)}\n`);
  }

  const scoreFiles = listed.slice(0, positive('files', values.files));
  const report = await evaluateInjection({
    modelPath: values.model,
    profile,
    scoreFiles,
    tokensPerFile: positive('tokens', values.tokens),
    tasks: cutTasks(listed, positive('tasks', values.tasks), seed),
    ks,
    seed,
    patterns: patterns as PatternName[],
    timingReps: positive('timing-reps', values['timing-reps'], true),
    onProgress: (m) => console.error(`[injection] ${m}`),
  });
  fs.mkdirSync(values.out, { recursive: true });
  fs.writeFileSync(path.join(values.out, `${label}.json`), `${JSON.stringify(report, null, 1)}\n`);
  const markdown = injectionMarkdown(label, report);
  fs.writeFileSync(path.join(values.out, `${label}.md`), markdown);
  console.log(markdown);
}

main().catch((err: unknown) => {
  const e = err as Error;
  console.error(e.name === 'UsageError' || e.name === 'ConditionError' ? e.message : e.stack ?? String(e));
  process.exitCode = e.name === 'UsageError' ? 2 : 1;
});
