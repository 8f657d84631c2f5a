// `steerway complete`: one completion from the command line, with the engine's report as JSON on request.
import fs from 'node:fs/promises';
import path from 'node:path';
import { AddonNotBuiltError, BinsNotFoundError } from '../../native/binding';
import { CliUsageError, integer, number, oneOf } from './args';
import { createCompletionEngine, EngineError, type CompletionMode, type CompletionRequest, type EngineOptions, type StopBoundary } from '../engine';
import { COMPLETION_MODES, DEFAULT_COMPLETION_MODE, STOP_BOUNDARIES } from '../../app/completion/vocabulary';
import { HeadListError, parseHeadList, type HeadChoice } from '../heads/profile';


export interface CompleteArgs {
  model: string;
  docs: string[];
  prefixFile: string;
  suffixFile: string | null;
  fileName: string | null;
  mode: CompletionMode;
  boundary: number;
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  stop: StopBoundary;
  logprobs: number;
  /** Token healing; null: the engine's default for the model (on without FIM tokens). */
  tokenHealing: boolean | null;
  cacheDir: string | null;
  contextSize: number | null;
  blockTokens: number | null;
  memoryLimitMb: number | null;
  threads: number | null;
  /** Attention injection: `auto` (the model's head profile in the cache folder) or a layer.head=pattern list. */
  inject: 'auto' | HeadChoice[] | null;
  json: boolean;
}

export const COMPLETE_USAGE =
  'usage: steerway complete --model <file.gguf> --prefix-file <file|-> [--suffix-file <file>] [--doc <file>]... [--file-name <path>] ' +
  '[--mode full|prefix|sparse] [--boundary k] [--max-tokens n] [--temperature t] [--top-k n] [--top-p p] [--seed n] ' +
  '[--stop none|line|block] [--logprobs K] [--token-healing on|off] [--cache-dir <dir>] [--context-size n] [--block-tokens n] [--memory-limit-mb n] [--threads n] ' +
  '[--inject auto|layer.head=pattern,...] [--json]';

export function parseCompleteArgs(argv: readonly string[]): CompleteArgs {
  const args: Partial<CompleteArgs> & { docs: string[] } = { docs: [] };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') {
      args.json = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    let value: string;
    if (flag !== arg) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new CliUsageError(`${flag} needs a value`);
      value = next;
      i++;
    }
    if (flag !== '--doc') {
      if (seen.has(flag)) throw new CliUsageError(`${flag} given twice`);
      seen.add(flag);
    }
    switch (flag) {
      case '--model': args.model = value; break;
      case '--doc': args.docs.push(value); break;
      case '--prefix-file': args.prefixFile = value; break;
      case '--suffix-file': args.suffixFile = value; break;
      case '--file-name': args.fileName = value; break;
      case '--mode': args.mode = oneOf(flag, value, COMPLETION_MODES); break;
      case '--boundary': args.boundary = integer(flag, value, 0); break;
      case '--max-tokens': args.maxTokens = integer(flag, value, 0, 1 << 20); break;
      case '--temperature': args.temperature = number(flag, value, 0, 100); break;
      case '--top-k': args.topK = integer(flag, value, 0); break;
      case '--top-p': args.topP = number(flag, value, Number.MIN_VALUE, 1); break;
      case '--seed': args.seed = integer(flag, value, 0, 0xffffffff); break;
      case '--stop': args.stop = oneOf(flag, value, STOP_BOUNDARIES); break;
      case '--logprobs': args.logprobs = integer(flag, value, 0, 20); break;
      case '--token-healing': args.tokenHealing = oneOf(flag, value, ['on', 'off'] as const) === 'on'; break;
      case '--cache-dir': args.cacheDir = value; break;
      case '--context-size': args.contextSize = integer(flag, value, 64); break;
      case '--block-tokens': args.blockTokens = integer(flag, value, 1); break;
      case '--memory-limit-mb': args.memoryLimitMb = integer(flag, value, 1); break;
      case '--threads': args.threads = integer(flag, value, 1, 1024); break;
      case '--inject': args.inject = injectList(value); break;
      default: throw new CliUsageError(`unknown argument ${flag}`);
    }
  }
  if (!args.model) throw new CliUsageError('--model <file.gguf> is required');
  if (!args.prefixFile) throw new CliUsageError('--prefix-file <file> is required (- reads standard input)');
  return {
    model: args.model,
    docs: args.docs,
    prefixFile: args.prefixFile,
    suffixFile: args.suffixFile ?? null,
    fileName: args.fileName ?? null,
    mode: args.mode ?? DEFAULT_COMPLETION_MODE,
    boundary: args.boundary ?? 0,
    maxTokens: args.maxTokens ?? 64,
    temperature: args.temperature ?? 0,
    topK: args.topK ?? 0,
    topP: args.topP ?? 1,
    seed: args.seed ?? 0,
    stop: args.stop ?? 'none',
    logprobs: args.logprobs ?? 0,
    tokenHealing: args.tokenHealing ?? null,
    cacheDir: args.cacheDir ?? null,
    contextSize: args.contextSize ?? null,
    blockTokens: args.blockTokens ?? null,
    memoryLimitMb: args.memoryLimitMb ?? null,
    threads: args.threads ?? null,
    inject: args.inject ?? null,
    json: args.json ?? false,
  };
}

function injectList(value: string): 'auto' | HeadChoice[] {
  if (value === 'auto') return value;
  try {
    return parseHeadList(value);
  } catch (err) {
    if (err instanceof HeadListError) throw new CliUsageError(`--inject: ${err.message}`);
    throw err;
  }
}

async function readText(file: string, what: string, stdin: () => Promise<string>): Promise<string> {
  if (file === '-') return stdin();
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new CliUsageError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The path the model sees: relative to the working directory when the file is inside it. */
export function shownName(file: string): string {
  const rel = path.relative(process.cwd(), path.resolve(file));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (line: string) => void;
  stdin?: () => Promise<string>;
  /** Extra engine options (tests pin the CPU backend). */
  engine?: Partial<EngineOptions>;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

/** Runs `complete`; returns the exit code: 0 done, 2 bad arguments, 1 anything else (one line on stderr). */
export async function runComplete(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`${COMPLETE_USAGE}\n`);
    return 0;
  }
  let args: CompleteArgs;
  try {
    args = parseCompleteArgs(argv);
  } catch (err) {
    if (!(err instanceof CliUsageError)) throw err;
    io.stderr(`steerway complete: ${err.message} (steerway complete --help)`);
    return 2;
  }
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    const stdin = io.stdin ?? readStdin;
    const prefix = await readText(args.prefixFile, 'prefix file', stdin);
    const suffix = args.suffixFile ? await readText(args.suffixFile, 'suffix file', stdin) : '';
    const documents = [];
    for (const doc of args.docs) documents.push({ name: shownName(doc), text: await readText(doc, 'document', stdin) });
    const fileName = args.fileName ?? (args.prefixFile === '-' ? null : shownName(args.prefixFile));
    const engine = await createCompletionEngine({
      modelPath: args.model,
      cacheDir: args.cacheDir,
      ...(args.contextSize ? { contextSize: args.contextSize } : {}),
      ...(args.blockTokens ? { blockTokens: args.blockTokens } : {}),
      ...(args.memoryLimitMb ? { memoryLimitBytes: args.memoryLimitMb * 2 ** 20 } : {}),
      ...(args.threads ? { threads: args.threads } : {}),
      ...io.engine,
    });
    try {
      const request: CompletionRequest = {
        prefix,
        suffix,
        documents,
        ...(fileName ? { fileName } : {}),
        mode: args.mode,
        boundary: args.boundary,
        maxTokens: args.maxTokens,
        temperature: args.temperature,
        topK: args.topK,
        topP: args.topP,
        seed: args.seed,
        stopAt: args.stop,
        logprobs: args.logprobs,
        ...(args.tokenHealing === null ? {} : { tokenHealing: args.tokenHealing }),
        ...(args.inject ? { inject: args.inject } : {}),
        signal: controller.signal,
      };
      const result = await engine.complete(request);
      if (args.json) {
        const out = {
          completion: result.text,
          tokens: result.tokens,
          model: { path: engine.model.path, architecture: engine.model.architecture, format: engine.model.format, formatNote: engine.model.formatNote },
          report: result.report,
          promptTokenIds: result.promptTokenIds,
          ...(result.logprobs ? { logprobs: result.logprobs } : {}),
        };
        io.stdout(`${JSON.stringify(out)}\n`);
      } else {
        io.stdout(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
      }
    } finally {
      await engine.dispose();
    }
    return 0;
  } catch (err) {
    const known = err instanceof CliUsageError || err instanceof EngineError || err instanceof AddonNotBuiltError || err instanceof BinsNotFoundError;
    if (!known) throw err;
    io.stderr(`steerway complete: ${err.message}`);
    return err instanceof CliUsageError ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
  }
}
