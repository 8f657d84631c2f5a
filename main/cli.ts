import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPLETE_USAGE, runComplete } from '../assistant/cli/complete';
import { COMPRESS_USAGE, runCompress } from '../assistant/cli/compress';
import { HEADS_USAGE, runHeads } from '../assistant/cli/heads';
import { runUsedef, USEDEF_USAGE } from '../assistant/cli/usedef';
import { runServe, SERVE_USAGE } from './api/serveCommand';
import { builtRendererFolder, startBrowserMode } from './browserMode';
import { BUNDLED_MODEL_FILE } from './models/modelManager';
import { parseStartArgs, START_USAGE, StartArgsError, type StartArgs } from './startArgs';
import { userDataDir } from './storage/userData';

/** `steerway <command>`: the entry of `npm start` and of the `steerway` bin. */

const bundleDir = dirname(fileURLToPath(import.meta.url));

/**
 * Electron 45 downloads its binary on first use, which fails offline; look for an installed binary without
 * triggering that, and for a display to show a window on.
 */
function electronBinary(): { path: string } | { missing: string } {
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = join(packageDir, 'path.txt');
  if (!existsSync(pathFile)) return { missing: 'the Electron binary has not been downloaded' };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { missing: 'there is no display' };
  return { path: join(packageDir, 'dist', 'electron') };
}

function startElectron(binary: string, args: StartArgs): Promise<number> {
  const child = spawn(binary, [
    join(bundleDir, 'electron-main.cjs'),
    ...(args.workspace ? [`--workspace=${args.workspace}`] : []),
    ...(args.model ? [`--model=${args.model}`] : []),
    ...(args.defaultModel ? [] : ['--no-default-model']),
  ], {
    stdio: 'inherit',
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

/** How long a quit may take before the process leaves what did not close behind. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** True when `stop` ends well within `graceMs`; false, saying why, when it fails or hangs (then it is no longer waited for). */
export function stopWithin(stop: Promise<void>, graceMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      console.error(`steerway: shutdown did not finish within ${graceMs / 1000} s; exiting anyway`);
      resolve(false);
    }, graceMs);
    stop.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      (error: unknown) => {
        clearTimeout(timer);
        console.error('steerway: shutdown failed:', error);
        resolve(false);
      },
    );
  });
}

async function start(argv: string[]): Promise<number> {
  const args = parseStartArgs(argv);
  const electron = args.web ? { missing: '--web was given' } : electronBinary();
  if ('path' in electron) return startElectron(electron.path, args);

  console.log(`Steerway runs in browser mode (${electron.missing}).`);
  const running = await startBrowserMode({
    workspace: args.workspace,
    port: args.port,
    modelPath: args.model,
    bundledModelPath: args.defaultModel ? join(bundleDir, '../..', BUNDLED_MODEL_FILE) : null,
    staticRoot: builtRendererFolder(bundleDir),
    log: (message) => console.error(message),
  });
  console.log(`Open ${running.server.url}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const stopped = await stopWithin(running.stop(), SHUTDOWN_GRACE_MS);
  // Whatever a stop left open (a socket a page reopened meanwhile, a timer) must not keep the process alive.
  setTimeout(() => process.exit(stopped ? 0 : 1), SHUTDOWN_GRACE_MS).unref();
  return stopped ? 0 : 1;
}

/** Every command with its one-line summary and usage: `steerway --help` lists them, `steerway <command> --help` shows one. */
const commands: Record<string, { summary: string; usage: string; run: (argv: string[]) => Promise<number> }> = {
  start: { summary: 'the app (Electron, or the browser on 127.0.0.1)', usage: START_USAGE, run: start },
  complete: { summary: 'one completion from the command line', usage: COMPLETE_USAGE, run: (argv) => runComplete(argv) },
  compress: { summary: 'a smaller (quantized) copy of a GGUF model', usage: COMPRESS_USAGE, run: (argv) => runCompress(argv) },
  usedef: { summary: 'the use-def edges of a file (with --doc files its imports reach)', usage: USEDEF_USAGE, run: (argv) => runUsedef(argv) },
  heads: {
    summary: "scores a model's attention heads per exact pattern (its head profile)",
    usage: HEADS_USAGE,
    // The app's block cache folder (main/assistant/assistantService.ts), where the engine reads the profile.
    run: (argv) => runHeads(argv, { stdout: (t) => process.stdout.write(t), stderr: (l) => process.stderr.write(`${l}\n`), defaultCacheDir: join(userDataDir(), 'kv-cache'), repoRoot: join(bundleDir, '../..') }),
  },
  serve: { summary: "a model to editors over llama.cpp's /infill and OpenAI's /v1/completions", usage: SERVE_USAGE, run: runServe },
};

const HELP_WORDS = new Set(['--help', '-h', 'help']);

export const HELP = [
  'usage: steerway <command> [options]',
  '',
  ...Object.entries(commands).map(([name, { summary }]) => `  ${name.padEnd(9)} ${summary}`),
  '  help      this text (`steerway <command> --help`: that command\'s options)',
].join('\n');

/** `steerway` alone or with a help word prints the usage; an unknown command prints it to stderr and exits 2. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || HELP_WORDS.has(name)) {
    const about = rest[0] !== undefined ? commands[rest[0]] : undefined;
    console.log(about ? about.usage : HELP);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`steerway: unknown command "${name}".\n${HELP}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    console.error(`steerway: ${error instanceof StartArgsError ? error.message : ((error as Error).message ?? String(error))}`);
    return error instanceof StartArgsError ? 2 : 1;
  }
}
