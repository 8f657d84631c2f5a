import { basename, join } from 'node:path';
import { DEFAULT_ASSISTANT_SETTINGS } from '../../app/completion/schemas';
import { DEFAULT_SERVE_PORT } from '../../app/completion/serveApi';
import { QUERY_RESERVE_TOKENS } from '../assistant/assistantService';
import { EngineClient, type EngineClientOptions } from '../assistant/engineClient';
import { userDataDir } from '../storage/userData';
import { startCompletionApi, type RunningCompletionApi } from './httpApi';
import { CliUsageError, integer } from '../../assistant/cli/args';

/** `steerway serve`: one model to the editors of this machine, over llama.cpp's and OpenAI's completion APIs. */

export const SERVE_USAGE =
  'usage: steerway serve --model <file.gguf> [--port n] [--token t] [--context-size n] [--gpu] [--cache-dir <dir>]\n' +
  `  Serves POST /infill (llama.cpp), POST /v1/completions and GET /v1/models (OpenAI), GET /health and GET /metrics on 127.0.0.1 (port ${DEFAULT_SERVE_PORT} by default).\n` +
  '  Every request but /health needs "Authorization: Bearer <token>"; without --token one is generated and printed.';


export interface ServeArgs {
  model: string;
  port: number;
  token: string | null;
  contextSize: number;
  gpu: boolean;
  cacheDir: string;
}

export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const args: Partial<ServeArgs> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--gpu') {
      args.gpu = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = flag !== arg ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new CliUsageError(`${flag} needs a value`);
    switch (flag) {
      case '--model': args.model = value; break;
      case '--port': args.port = integer(flag, value, 0, 65_535); break;
      case '--token': args.token = value; break;
      case '--context-size': args.contextSize = integer(flag, value, 64, 1 << 20); break;
      case '--cache-dir': args.cacheDir = value; break;
      default: throw new CliUsageError(`unknown argument ${flag}`);
    }
  }
  if (!args.model) throw new CliUsageError('--model <file.gguf> is required');
  return {
    model: args.model,
    port: args.port ?? DEFAULT_SERVE_PORT,
    token: args.token ?? null,
    // The app's own engine size: the default document budget and the query's reserve.
    contextSize: args.contextSize ?? DEFAULT_ASSISTANT_SETTINGS.contextBudgetTokens + QUERY_RESERVE_TOKENS,
    gpu: args.gpu ?? false,
    // Apart from the app's `kv-cache`, so a running app and a server never write one folder.
    cacheDir: args.cacheDir ?? join(userDataDir(), 'kv-cache-serve'),
  };
}

export interface RunningServe {
  api: RunningCompletionApi;
  engine: EngineClient;
  stop(): Promise<void>;
}

/** Loads the model in the engine host process and serves it; a model that fails to load is an error here. */
export async function startServe(args: ServeArgs, engineOptions: EngineClientOptions = {}, log: (message: string) => void = () => undefined): Promise<RunningServe> {
  const engine = new EngineClient(engineOptions);
  await engine.configure({ modelPath: args.model, gpu: args.gpu, cacheDir: args.cacheDir, contextSize: args.contextSize });
  const state = engine.state();
  if (state.state !== 'ready') {
    await engine.dispose();
    throw new Error(state.message ?? `cannot load ${args.model}`);
  }
  try {
    const api = await startCompletionApi({ engine, modelName: () => basename(args.model), port: args.port, ...(args.token ? { token: args.token } : {}), log });
    return {
      api,
      engine,
      async stop() {
        await api.close();
        await engine.dispose();
      },
    };
  } catch (error) {
    await engine.dispose();
    throw error;
  }
}

export async function runServe(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(SERVE_USAGE);
    return 0;
  }
  let args: ServeArgs;
  try {
    args = parseServeArgs(argv);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    console.error(`steerway serve: ${error.message}\n${SERVE_USAGE}`);
    return 2;
  }
  console.error(`Loading ${args.model}…`);
  const running = await startServe(args, {}, (message) => console.error(message));
  const state = running.engine.state();
  console.log(`Serving ${basename(args.model)} (${state.device}) on ${running.api.url}: POST /infill, POST /v1/completions, GET /v1/models, GET /health, GET /metrics`);
  if (!args.token) console.log(`Token (generated for this run; send "Authorization: Bearer <token>"): ${running.api.token}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.stop();
  return 0;
}
