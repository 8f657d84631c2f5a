// `npm run training -- --run out/training/<name> [--preset mini|full] [--ship]`: every stage of the training
// pipeline in order (README.md beside this file), each as its own command so a stage can also be run alone.
// With --ship, the exported model becomes models/steerway-coder.gguf and the run record is kept in
// models/runs/<name>/.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';

/** Sizes of a run: the miniature that a 2-core CPU trains in minutes, and the GPU run. */
const PRESETS = {
  mini: { maxMb: '20', vocab: '4096', length: '512', packages: false },
  // 40 MB of code gives L=2048 samples under the 64 MiB that one device call carries.
  full: { maxMb: '40', vocab: '16384', length: '2048', packages: false },
  // Issue 12: node_modules and the package list (corpus/packages.txt), for the GPU call (python/gpu_run.py).
  v2: { maxMb: '400', vocab: '16384', length: '2048', packages: true },
} as const;

const PYTHON = process.env.STEERWAY_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

function stage(name: string, command: string, args: readonly string[]): void {
  console.error(`\n== ${name}: ${command} ${args.join(' ')}`);
  const started = performance.now();
  const result = spawnSync(command, [...args], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${name} failed (exit ${result.status ?? result.signal})`);
  console.error(`== ${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// tsx from this project's node_modules, so the pipeline also runs outside npm scripts.
const tsx = (script: string, args: string[]) => [join('node_modules', '.bin', 'tsx'), [join('training', script), ...args]] as const;

function main(): void {
  const { values } = parseArgs({
    options: {
      run: { type: 'string' },
      preset: { type: 'string', default: 'mini' },
      from: { type: 'string', default: 'corpus' },
      ship: { type: 'boolean', default: false },
      ablation: { type: 'boolean', default: false },
      /** Extra train.py arguments, e.g. --train=--time-budget-s=1200 */
      train: { type: 'string', multiple: true, default: [] },
    },
  });
  const preset = PRESETS[values.preset as keyof typeof PRESETS];
  if (!values.run || !preset) throw new Error('usage: npm run training -- --run out/training/<name> [--preset mini|full|v2] [--from <stage>] [--train=<train.py argument>]... [--ablation] [--ship]');
  const run = values.run;
  mkdirSync(run, { recursive: true });
  const stages: [string, () => void][] = [
    ['corpus', () => stage('corpus', ...tsx('corpus/cli.ts', [
      '--out', run, '--max-mb', preset.maxMb, '--max-package-mb', '2', ...(preset.packages ? ['--packages', 'training/corpus/packages.txt'] : []),
    ]))],
    ['tokenizer', () => stage('tokenizer', ...tsx('tokenizer/cli.ts', ['--out', run, '--vocab', preset.vocab]))],
    ['samples', () => stage('samples', ...tsx('samples/cli.ts', ['--out', run, '--length', preset.length]))],
    ['train', () => stage('train', PYTHON, ['training/python/train.py', '--samples', run, '--out', run, '--preset', values.preset!, ...values.train!])],
    ['ablation', () => {
      if (!values.ablation) return;
      const ablation = join(run, 'ablation');
      // As many steps (so as many tokens) as the trained run took: dense rows are faster, so a time budget would favour it.
      const { steps } = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as { steps: number };
      stage('train (ablation: no block-sparse rows)', PYTHON, [
        'training/python/train.py', '--samples', run, '--tokenizer', join(run, 'tokenizer.json'), '--out', ablation,
        '--preset', values.preset!, '--ablation', ...values.train!, `--max-steps=${steps}`, '--time-budget-s=0',
      ]);
      stage('export (ablation)', ...tsx('export-cli.ts', ['--weights', ablation, '--tokenizer', join(run, 'tokenizer.json'), '--out', join(ablation, 'model.gguf'), '--name', 'steerway-coder-ablation']));
    }],
    ['export', () => stage('export', ...tsx('export-cli.ts', ['--weights', run, '--out', join(run, 'model.gguf'), '--name', 'Steerway Coder']))],
    ['plot', () => stage('plot', ...tsx('plot-cli.ts', [join(run, 'train-log.jsonl'), join(run, 'loss.svg'), '--title', `Steerway Coder (${values.preset}): loss against tokens`]))],
    ['eval', () => stage('eval', ...tsx('eval/cli.ts', [
      '--run', run,
      ...(values.ablation ? ['--compare', `trained without block-sparse rows=${join(run, 'ablation', 'model.gguf')}`] : []),
    ]))],
    ['ship', () => {
      if (!values.ship) return;
      mkdirSync('models', { recursive: true });
      copyFileSync(join(run, 'model.gguf'), 'models/steerway-coder.gguf');
      const record = join('models/runs', basename(run));
      mkdirSync(record, { recursive: true });
      for (const file of ['run.json', 'train-log.jsonl', 'loss.svg', 'eval.md', 'eval.json', 'samples.json']) copyFileSync(join(run, file), join(record, file));
      if (existsSync(join(run, 'ablation', 'run.json'))) {
        mkdirSync(join(record, 'ablation'), { recursive: true });
        for (const file of ['run.json', 'train-log.jsonl']) copyFileSync(join(run, 'ablation', file), join(record, 'ablation', file));
      }
      // The per-package list (name, version, licence, licence file, split) is the licence record of the shipped weights.
      copyFileSync(join(run, 'corpus-manifest.json'), join(record, 'corpus-manifest.json'));
      console.error(`\n== shipped: models/steerway-coder.gguf, record in ${record}`);
    }],
  ];
  const first = stages.findIndex(([name]) => name === values.from);
  if (first < 0) throw new Error(`--from must be one of ${stages.map(([name]) => name).join(', ')}`);
  for (const [, run] of stages.slice(first)) run();
}

main();
