// The training call's scripts at miniature scale on the CPU: the samples stage builds rows from a small corpus,
// make-training-carry.sh packs them into a carry (refused over its limit), run-training.sh trains from the carry
// alone on rows equal, byte for byte and in order, to what the samples stage wrote.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CorpusRecord } from '../../../../training/corpus/corpus';
import { buildSamples } from '../../../../training/samples/samples';
import { ChunkCounter, trainBpe } from '../../../../training/tokenizer/trainer';
import { torchPython } from '../../training/torchPython';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
const { python, reason } = torchPython();
const suite = python ? describe : (((name: string, fn: () => void) => describe.skip(`${name} [skipped: ${reason}]`, fn)) as typeof describe);
const TINY = ['--n-embd', '32', '--n-layer', '2', '--n-head', '4', '--n-head-kv', '2', '--n-ff', '64', '--batch-size', '8', '--threads', '1',
  '--eval-rows', '16', '--eval-batch-size', '8', '--device', 'cpu', '--eval-interval', '5', '--log-interval', '5', '--warmup-steps', '2', '--n-vocab', '400'];

function source(name: string, lines: number): string {
  const out = [`// ${name}`, `import { helper } from './helper';`, ''];
  for (let i = 0; i < lines; i++) out.push(`export function ${name}${i}(value) {`, `  return helper(value, ${i}) + '${name}';`, '}', '');
  return out.join('\n');
}

function run(args: string[], env: Record<string, string>) {
  const r = spawnSync('bash', args, { cwd: ROOT, encoding: 'utf8', timeout: 170_000, env: { ...process.env, STEERWAY_PYTHON: python!, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1', ...env } });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

suite('GPU training call (tools/gpu, miniature)', () => {
  let tmp = '';
  let samples = '';
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-training-carry-'));
    samples = path.join(tmp, 'samples');
    const records: CorpusRecord[] = [];
    for (const [p, pkg] of ['alpha', 'beta', 'gamma', 'delta', 'omega'].entries()) {
      for (let f = 0; f < 6; f++) {
        records.push({ package: pkg, version: '1.0.0', split: pkg === 'omega' ? 'eval' : 'train', path: `src/${pkg}${f}.js`, text: source(`${pkg}${f}`, 4 + ((p + f) % 5) * 6) });
      }
    }
    const corpusFile = path.join(tmp, 'corpus.jsonl');
    fs.writeFileSync(corpusFile, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const counter = new ChunkCounter();
    for (const r of records) if (r.split === 'train') counter.add(r.text);
    const tokenizerFile = path.join(tmp, 'tokenizer.json');
    fs.writeFileSync(tokenizerFile, JSON.stringify(trainBpe(counter.counts, { vocabSize: 400 }).json));
    const m = buildSamples(corpusFile, tokenizerFile, samples, { length: 128, blockSize: 32, passes: 2 });
    expect(m.splits.train.rows).toBeGreaterThanOrEqual(32);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('refuses a carry over its limit, saying so, and leaves none', () => {
    const carry = path.join(tmp, 'over');
    const r = run(['tools/gpu/make-training-carry.sh', samples], { TRAINING_CARRY: carry, TRAINING_CARRY_LIMIT_MIB: '0' });
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/over 0 MiB \(or 64 MiB with the working tree\): the call would not travel/);
    expect(fs.existsSync(carry)).toBe(false);
  }, 180_000);

  it('packs the rows, and the call trains from the carry alone on exactly those rows', () => {
    const carry = path.join(tmp, 'carry');
    const made = run(['tools/gpu/make-training-carry.sh', samples], { TRAINING_CARRY: carry });
    expect(made.status, made.output).toBe(0);
    expect(fs.existsSync(path.join(carry, 'train.tokens.u16'))).toBe(false);
    const out = path.join(tmp, 'OUT');
    const r = run(['tools/gpu/run-training.sh', '0', '--preset', 'mini', '--tokens-per-param', '0.05', '--only', 'main', '--', ...TINY], { TRAINING_CARRY: carry, OUT: out });
    expect(r.status, r.output).toBe(0);
    for (const f of ['train.tokens.u16', 'train.segments.u8', 'eval.tokens.u16', 'eval.segments.u8']) {
      expect(fs.readFileSync(path.join(carry, f)).equals(fs.readFileSync(path.join(samples, f))), f).toBe(true);
    }
    const plan = JSON.parse(fs.readFileSync(path.join(out, 'plan.json'), 'utf8'));
    expect(plan.v2.steps).toBe(plan.plannedSteps);
    expect(fs.existsSync(path.join(out, 'v2', 'q8.json'))).toBe(true);
  }, 180_000);
});
