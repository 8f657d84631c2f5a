// npx tsx training/tokenizer/cli.ts --out out/training/<run> [--vocab 4096] [--corpus <run>/corpus.jsonl]
//   [--min-frequency 2]
// Trains on the train split of corpus.jsonl and writes <out>/tokenizer.json.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CorpusReadError, readCorpus } from '../corpus/read';
import { ChunkCounter, TrainerOptionsError, trainBpe } from './trainer';

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE = 'usage: tsx training/tokenizer/cli.ts --out <dir> [--vocab <n>] [--corpus <corpus.jsonl>] [--min-frequency <n>]';

function integer(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got ${value}`);
  return n;
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({ options: { out: { type: 'string' }, vocab: { type: 'string' }, corpus: { type: 'string' }, 'min-frequency': { type: 'string' } } }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!values.out) throw new UsageError('--out <dir> is required');
  const vocabSize = integer('vocab', values.vocab, 4096);
  const minFrequency = integer('min-frequency', values['min-frequency'], 2);
  const corpus = values.corpus ?? path.join(values.out, 'corpus.jsonl');

  const started = performance.now();
  const counter = new ChunkCounter();
  let files = 0;
  for (const record of readCorpus(corpus, 'train')) {
    counter.add(record.text);
    files++;
  }
  const counted = performance.now();
  console.log(`tokenizer: ${files} train files, ${(counter.bytes / 1e6).toFixed(1)} MB, ${counter.chunks} pre-tokens, ${counter.counts.size} distinct, in ${((counted - started) / 1000).toFixed(1)} s`);
  const { json, stats } = trainBpe(counter.counts, {
    vocabSize,
    minFrequency,
    progressEvery: 2000,
    onProgress: (n, total) => console.log(`  ${n} / ${total} merges, ${((performance.now() - counted) / 1000).toFixed(1)} s`),
  });
  const trained = performance.now();
  fs.mkdirSync(values.out, { recursive: true });
  const file = path.join(values.out, 'tokenizer.json');
  fs.writeFileSync(file, JSON.stringify(json) + '\n');
  const fill = json.tokens.length < vocabSize ? ` (fewer than ${vocabSize}: no pair left with ${minFrequency}+ occurrences)` : '';
  console.log(`  ${stats.merges} merges, ${json.tokens.length} tokens${fill}; rarest merge seen ${stats.lastCount} times; merges in ${((trained - counted) / 1000).toFixed(1)} s`);
  console.log(`  wrote ${file}`);
}

try {
  main();
} catch (err) {
  if (!(err instanceof UsageError || err instanceof TrainerOptionsError || err instanceof CorpusReadError)) throw err;
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}
