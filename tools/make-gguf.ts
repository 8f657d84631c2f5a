// Writes a random-weight llama GGUF model: npx tsx tools/make-gguf.ts --preset tiny --out x.gguf --seed 1
import { PRESETS, generateModel, type PresetName } from './gguf-fixtures/model';

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function parse(argv: string[]): { preset: PresetName; out: string; seed: number } {
  let preset: string = 'tiny';
  let out = '';
  let seed = 1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--preset' && value) preset = value;
    else if (arg === '--out' && value) out = value;
    else if (arg === '--seed' && value) seed = Number(value);
    else throw new UsageError(`unknown or incomplete argument: ${arg}`);
    i++;
  }
  if (!(preset in PRESETS)) throw new UsageError(`unknown preset ${preset} (${Object.keys(PRESETS).join(', ')})`);
  if (!out) throw new UsageError('--out <file.gguf> is required');
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new UsageError('--seed must be an integer in [0, 2^32)');
  return { preset: preset as PresetName, out, seed };
}

try {
  const { preset, out, seed } = parse(process.argv.slice(2));
  const started = performance.now();
  const model = generateModel(out, { preset, seed });
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  console.log(`${model.path}: ${preset}, seed ${seed}, ${(model.bytes / 1e6).toFixed(1)} MB in ${seconds} s`);
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`${err.message}\nusage: tsx tools/make-gguf.ts --preset <${Object.keys(PRESETS).join('|')}> --out <file.gguf> [--seed <n>]`);
  process.exit(2);
}
