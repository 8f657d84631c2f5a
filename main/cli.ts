import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPLETE_USAGE, runComplete } from '../assistant/cli/complete';
import { runServe, SERVE_USAGE } from './api/serveCommand';
import { builtRendererFolder, startBrowserMode } from './browserMode';
import { BUNDLED_MODEL_FILE } from './models/modelManager';
import { parseStartArgs, START_USAGE, StartArgsError, type StartArgs } from './startArgs';

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
  await running.stop();
  return 0;
}

const commands: Record<string, (argv: string[]) => Promise<number>> = { start, complete: (argv) => runComplete(argv), serve: runServe };

export const HELP = [
  'steerway <command> [options]',
  '',
  `start     the app (Electron, or the browser on 127.0.0.1): ${START_USAGE}`,
  `complete  one completion from the command line: ${COMPLETE_USAGE}`,
  `serve     a model to editors over llama.cpp's /infill and OpenAI's /v1/completions: ${SERVE_USAGE}`,
].join('\n');

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(HELP);
    return 0;
  }
  const [name = 'start', ...rest] = argv;
  const command = commands[name];
  if (!command) {
    console.error(`steerway: unknown command "${name}". Commands: ${Object.keys(commands).join(', ')}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (error) {
    console.error(`steerway: ${error instanceof StartArgsError ? error.message : ((error as Error).message ?? String(error))}`);
    return error instanceof StartArgsError ? 2 : 1;
  }
}
