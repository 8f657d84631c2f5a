// `steerway compress`: a quantized copy of a GGUF model, with its size before and after.
import type { LoadAddonOptions } from '../../native/binding';
import { CliUsageError, integer } from './args';
import { compressModel, CompressError, parseQuantType, QUANT_TYPES, type QuantType } from '../compress';

export const COMPRESS_USAGE = `usage: steerway compress <model.gguf> --type ${QUANT_TYPES.join('|')} [--out <file.gguf>] [--threads n]`;

export interface CompressArgs {
  input: string;
  type: QuantType;
  out: string | null;
  threads: number | null;
}

export function parseCompressArgs(argv: readonly string[]): CompressArgs {
  let input: string | undefined;
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      if (input !== undefined) throw new CliUsageError(`one model at a time (got ${input} and ${arg})`);
      input = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!['--type', '--out', '--threads'].includes(flag)) throw new CliUsageError(`unknown argument ${flag}`);
    if (values.has(flag)) throw new CliUsageError(`${flag} given twice`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new CliUsageError(`${flag} needs a value`);
    values.set(flag, value);
  }
  if (input === undefined) throw new CliUsageError('the model file is required');
  const type = values.get('--type');
  if (type === undefined) throw new CliUsageError(`--type is required (${QUANT_TYPES.join(', ')})`);
  let parsedType: QuantType;
  try {
    parsedType = parseQuantType(type);
  } catch (error) {
    if (error instanceof CompressError) throw new CliUsageError(`--type: ${error.message}`);
    throw error;
  }
  const threads = values.get('--threads');
  return { input, type: parsedType, out: values.get('--out') ?? null, threads: threads === undefined ? null : integer('--threads', threads, 1, 1024) };
}

export interface CompressIo {
  stdout: (text: string) => void;
  stderr: (line: string) => void;
  /** Tests pin the CPU backend. */
  addon?: LoadAddonOptions;
}

const defaultIo: CompressIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

function megabytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Runs `compress`; exit code 0 done, 2 bad arguments, 1 a refused or failed copy (one line on stderr). */
export async function runCompress(argv: readonly string[], io: CompressIo = defaultIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`${COMPRESS_USAGE}\n`);
    return 0;
  }
  let args: CompressArgs;
  try {
    args = parseCompressArgs(argv);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    io.stderr(`steerway compress: ${error.message} (steerway compress --help)`);
    return 2;
  }
  try {
    const result = await compressModel({
      input: args.input,
      type: args.type,
      ...(args.out ? { output: args.out } : {}),
      ...(args.threads ? { threads: args.threads } : {}),
      ...(io.addon ? { addonOptions: io.addon } : {}),
    });
    const ratio = (100 * result.bytesAfter) / result.bytesBefore;
    io.stdout(`${result.output}\n${result.type}: ${megabytes(result.bytesBefore)} -> ${megabytes(result.bytesAfter)} (${ratio.toFixed(0)}%) in ${result.seconds.toFixed(1)} s\n`);
    return 0;
  } catch (error) {
    if (error instanceof CompressError) {
      io.stderr(`steerway compress: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
