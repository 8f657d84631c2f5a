// npx tsx training/samples/unique-cli.ts --corpus <run>/corpus.jsonl --tokenizer <tokenizer.json> [--json <file>]
// Tokenizes every corpus file and counts, per split, its bytes, tokens and unique tokens (distinct n-grams across the
// whole split, unique.ts): how much text a corpus holds that is not a near copy of other text in it (the same module
// built twice, a vendored copy). The samples stage counts its rows the same way into samples.json.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { CorpusReadError } from '../corpus/read';
import { Tokenizer, TokenizerFormatError } from '../tokenizer/tokenizer';
import { countCorpus } from './unique';

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE = 'usage: tsx training/samples/unique-cli.ts --corpus <corpus.jsonl> --tokenizer <tokenizer.json> [--json <file>]';

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({ options: { corpus: { type: 'string' }, tokenizer: { type: 'string' }, json: { type: 'string' } } }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!values.corpus || !values.tokenizer) throw new UsageError('--corpus and --tokenizer are required');
  const started = performance.now();
  const counts = countCorpus(values.corpus, Tokenizer.fromFile(values.tokenizer));
  for (const [split, c] of Object.entries(counts)) {
    const u = c.unique;
    console.log(`${split}: ${c.files} files, ${(c.bytes / 1e6).toFixed(1)} MB, ${u.tokens} tokens (${(c.bytes / Math.max(1, u.tokens)).toFixed(2)} bytes a token), unique ${u.uniqueTokens} (${((100 * u.uniqueTokens) / Math.max(1, u.tokens)).toFixed(1)}%, distinct ${u.n}-grams)`);
  }
  console.log(`in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (values.json) fs.writeFileSync(values.json, JSON.stringify(counts, null, 2) + '\n');
}

try {
  main();
} catch (err) {
  if (!(err instanceof UsageError || err instanceof CorpusReadError || err instanceof TokenizerFormatError)) throw err;
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}
