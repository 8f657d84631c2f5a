/** What `steerway start` and the Electron main accept. */
export interface StartArgs {
  workspace: string | null;
  web: boolean;
  port: number | null;
  /** A GGUF model to use for this run. */
  model: string | null;
  /** False with `--no-default-model`: the model shipped with the app is not offered. */
  defaultModel: boolean;
}

export class StartArgsError extends Error {
  override readonly name = 'StartArgsError';
}

export const START_USAGE = 'usage: steerway start [--web] [--port N] [--model FILE.gguf] [--no-default-model] [WORKSPACE]';

export function parseStartArgs(argv: readonly string[]): StartArgs {
  const args: StartArgs = { workspace: null, web: false, port: null, model: null, defaultModel: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new StartArgsError(`${arg} needs a value. ${START_USAGE}`);
      return next;
    };
    if (arg === '--web') args.web = true;
    else if (arg === '--port') {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StartArgsError(`--port wants a port number. ${START_USAGE}`);
      args.port = port;
    } else if (arg === '--model') args.model = value();
    else if (arg.startsWith('--model=')) args.model = arg.slice('--model='.length);
    else if (arg === '--no-default-model') args.defaultModel = false;
    else if (arg.startsWith('--workspace=')) args.workspace = arg.slice('--workspace='.length);
    else if (arg.startsWith('-')) throw new StartArgsError(`Unknown option ${arg}. ${START_USAGE}`);
    else if (args.workspace === null) args.workspace = arg;
    else throw new StartArgsError(`Only one workspace folder, got ${args.workspace} and ${arg}. ${START_USAGE}`);
  }
  return args;
}
