// npx tsx training/samples/cli.ts --out out/training/<run> [--length 2048] [--block 256] [--fim 0.5]
//   [--spm 0.5] [--sparse 0.5] [--healed 0] [--passes 1] [--seed 1] [--corpus <run>/corpus.jsonl] [--tokenizer <run>/tokenizer.json]
// Writes train/eval .tokens.u16 and .segments.u8 and samples.json into --out.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CorpusReadError } from '../corpus/read';
import { TokenizerFormatError } from '../tokenizer/tokenizer';
import { buildSamples, SampleOptionsError } from './samples';

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE = 'usage: tsx training/samples/cli.ts --out <dir> [--length <L>] [--block <B>] [--fim <0..1>] [--spm <0..1>] [--sparse <0..1>] [--healed <0..1>] [--passes <n>] [--seed <n>] [--corpus <file>] [--tokenizer <file>]';

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got ${value}`);
  return n;
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: Object.fromEntries(['out', 'length', 'block', 'fim', 'spm', 'sparse', 'healed', 'passes', 'seed', 'corpus', 'tokenizer'].map((k) => [k, { type: 'string' as const }])),
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const out = values.out;
  if (!out) throw new UsageError('--out <dir> is required');
  const started = performance.now();
  const m = buildSamples(values.corpus ?? path.join(out, 'corpus.jsonl'), values.tokenizer ?? path.join(out, 'tokenizer.json'), out, {
    length: number('length', values.length),
    blockSize: number('block', values.block),
    fimRate: number('fim', values.fim),
    spmRate: number('spm', values.spm),
    healedShare: number('healed', values.healed),
    sparseShare: number('sparse', values.sparse),
    passes: number('passes', values.passes),
    seed: number('seed', values.seed),
  });
  console.log(`samples: L ${m.L}, block ${m.blockSize}, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  for (const [split, s] of Object.entries(m.splits)) {
    const mb = (s.rows * m.L * 3) / 1e6;
    console.log(`  ${split}: ${s.rows} rows (${mb.toFixed(1)} MB), ${s.tokens} tokens + ${s.padTokens} padding; psm ${s.psm} (healed ${s.healed}), spm ${s.spm}, plain ${s.plain}; sparse ${s.sparse}, dense ${s.dense}; documents per row ${s.documentsPerSample.mean} (max ${s.documentsPerSample.max}); unique tokens ${s.unique.uniqueTokens} (distinct ${s.unique.n}-grams)`);
  }
  console.log(`  wrote ${path.join(out, 'samples.json')}`);
}

try {
  main();
} catch (err) {
  if (!(err instanceof UsageError || err instanceof SampleOptionsError || err instanceof CorpusReadError || err instanceof TokenizerFormatError)) throw err;
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}
