// npx tsx training/export-cli.ts --weights out/training/<run> [--tokenizer <run>/tokenizer.json]
//   [--out <run>/model.gguf] [--type q8_0|f32] [--name steerway-code]
// Writes the trained weights and the trained tokenizer as one GGUF (see export.ts).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ExportError, exportGguf, type ExportType } from './export';
import { writeTokenizerMetadata } from './tokenizer/gguf';
import { Tokenizer, TokenizerFormatError } from './tokenizer/tokenizer';

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE = 'usage: tsx training/export-cli.ts --weights <dir> [--tokenizer <tokenizer.json>] [--out <model.gguf>] [--type q8_0|f32] [--name <name>]';

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({ options: { weights: { type: 'string' }, tokenizer: { type: 'string' }, out: { type: 'string' }, type: { type: 'string' }, name: { type: 'string' } } }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!values.weights) throw new UsageError('--weights <dir> is required');
  const type = (values.type ?? 'q8_0') as ExportType;
  if (type !== 'q8_0' && type !== 'f32') throw new UsageError(`--type must be q8_0 or f32, got ${values.type}`);
  const tokenizer = Tokenizer.fromFile(values.tokenizer ?? path.join(values.weights, 'tokenizer.json'));
  const out = values.out ?? path.join(values.weights, 'model.gguf');
  const started = performance.now();
  const result = exportGguf({
    weightsDir: values.weights,
    out,
    type,
    name: values.name,
    tokenizer: { size: tokenizer.size, write: (w) => writeTokenizerMetadata(w, tokenizer) },
  });
  const mb = (result.bytes / 1e6).toFixed(1);
  console.log(`${result.path}: ${type}, ${result.parameters.toLocaleString('en')} parameters, ${mb} MB, ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

try {
  main();
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`export: ${err.message}\n${USAGE}`);
    process.exit(2);
  }
  if (err instanceof ExportError || err instanceof TokenizerFormatError) {
    console.error(`export: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
