// What stands between the sources and a run of the app: the `steerway` bin builds out/ when there is none yet
// (its first run after `npm install`), and `npm start` (this file run as a script) rebuilds only when a build input
// changed since the last build. Build output goes to stderr: a command's stdout, such as `complete --json`, stays clean.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Everything scripts/build.mjs reads, relative to the checkout: the sources it bundles, its configs and the locked packages. */
export const BUILD_INPUTS = ['app', 'main', 'renderer', 'assistant', 'package.json', 'package-lock.json', 'vite.config.ts', 'tsconfig.json', 'scripts/build.mjs'];
/** Where a build records the fingerprint of the inputs it was made from. */
export const BUILD_STAMP = 'out/build-inputs.sha256';

/** Files under `path` (a file or a folder), sorted, relative to `root`; a missing input contributes nothing. */
function filesOf(root, path) {
  let info;
  try {
    info = statSync(join(root, path));
  } catch {
    return [];
  }
  if (!info.isDirectory()) return [path];
  return readdirSync(join(root, path)).sort().flatMap((name) => filesOf(root, `${path}/${name}`));
}

/** A hash of every input's path and content: a checkout, a `git pull` or an edit that changes any byte changes it; a touch does not. */
export function inputsFingerprint(root, inputs = BUILD_INPUTS) {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap((input) => filesOf(root, input))) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Records that out/ was built from inputs with `fingerprint` (taken before the build began, so an edit made meanwhile still counts). */
export function writeBuildStamp(root, fingerprint) {
  const file = join(root, BUILD_STAMP);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${fingerprint}\n`);
}

/** What a build leaves that a start needs: one missing (a folder deleted by hand) means building again. */
export const BUILD_OUTPUTS = ['out/main/cli.js', 'out/main/electron-main.cjs', 'out/renderer/index.html'];

/** Why out/ must be built again, or null when it was built from exactly the inputs there are now and is whole. */
export function buildStaleness(root, fingerprint, outputs = BUILD_OUTPUTS) {
  const missing = outputs.find((output) => !existsSync(join(root, output)));
  if (missing) return `${missing} is missing`;
  let stamp;
  try {
    stamp = readFileSync(join(root, BUILD_STAMP), 'utf8').trim();
  } catch {
    return 'no build recorded';
  }
  return stamp === fingerprint ? null : 'sources changed since the last build';
}

function runBuild(buildScript) {
  return spawnSync(process.execPath, [buildScript], { stdio: ['ignore', process.stderr, process.stderr] }).status === 0;
}

/**
 * `npm start`: builds when an input changed since the last build (or none is recorded), else says it skipped.
 * @param {{ root: string, buildScript: string, inputs?: string[], outputs?: string[], log?: (message: string) => void }} options
 * @returns {boolean} whether out/ is up to date now
 */
export function buildIfStale({ root, buildScript, inputs = BUILD_INPUTS, outputs = BUILD_OUTPUTS, log = (message) => console.error(message) }) {
  const fingerprint = inputsFingerprint(root, inputs);
  const stale = buildStaleness(root, fingerprint, outputs);
  if (!stale) {
    log('steerway: build skipped: up to date');
    return true;
  }
  log(`steerway: building the app (${stale})…`);
  // The build records its own stamp (scripts/build.mjs), so `npm run build` counts as well.
  if (runBuild(buildScript) && !buildStaleness(root, fingerprint, outputs)) return true;
  log('steerway: the build failed (see above).');
  return false;
}

/**
 * @param {{ builtFile: string, buildScript: string, log?: (message: string) => void }} options
 * @returns {boolean} whether `builtFile` exists now
 */
export function ensureBuilt({ builtFile, buildScript, log = (message) => console.error(message) }) {
  if (existsSync(builtFile)) return true;
  log('steerway: building the app once (nothing is built yet)…');
  if (!runBuild(buildScript) || !existsSync(builtFile)) {
    log('steerway: the build failed (see above); run `npm install` in the Steerway folder, then `npm run build`.');
    return false;
  }
  return true;
}

// Run as a script (`npm start`): the checkout is the folder above this one.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.exitCode = buildIfStale({ root, buildScript: join(root, 'scripts/build.mjs') }) ? 0 : 1;
}
