// The `steerway` bin runs the built CLI in out/; right after `npm install` there is none yet, so the first
// run builds it (build output goes to stderr: a command's stdout, such as `complete --json`, stays clean).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * @param {{ builtFile: string, buildScript: string, log?: (message: string) => void }} options
 * @returns {boolean} whether `builtFile` exists now
 */
export function ensureBuilt({ builtFile, buildScript, log = (message) => console.error(message) }) {
  if (existsSync(builtFile)) return true;
  log('steerway: building the app once (nothing is built yet)…');
  const result = spawnSync(process.execPath, [buildScript], { stdio: ['ignore', process.stderr, process.stderr] });
  if (result.status !== 0 || !existsSync(builtFile)) {
    log('steerway: the build failed (see above); run `npm install` in the Steerway folder, then `npm run build`.');
    return false;
  }
  return true;
}
