#!/usr/bin/env node
// Builds the llama.cpp N-API addon: native/build/Release/steerway_llama.node.
// Headers come from node-llama-cpp's llama.cpp source bundle, cloned into the ignored native/deps/;
// the addon loads node-llama-cpp's prebuilt libllama/ggml at run time, so nothing is downloaded.
//   --if-toolchain  (postinstall) exit 0 with a notice when cmake, a C++ compiler or git is missing
//   --force         rebuild even when the inputs did not change
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = new Set(process.argv.slice(2));
const ifToolchain = args.has('--if-toolchain');
const force = args.has('--force');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(root, 'native');
const buildDir = path.join(nativeDir, 'build');
const llamaDir = path.join(nativeDir, 'deps', 'llama.cpp');
const addonFile = path.join(buildDir, 'Release', 'steerway_llama.node');
const stampFile = path.join(buildDir, '.inputs.sha256');
const require = createRequire(import.meta.url);
const started = Date.now();

function log(message) {
  console.log(`[build:native] ${message}`);
}

/** Stops without failing `npm install` when run as postinstall. */
function giveUp(message) {
  if (ifToolchain) {
    log(`skipped: ${message}. The assistant engine will report that the native addon is missing; run \`npm run build:native\` once this is fixed.`);
    process.exit(0);
  }
  console.error(`[build:native] ${message}`);
  process.exit(1);
}

function works(command, commandArgs = ['--version']) {
  return spawnSync(command, commandArgs, { stdio: 'ignore' }).status === 0;
}

function packageDir(name) {
  try {
    let dir = path.dirname(require.resolve(name));
    while (!fs.existsSync(path.join(dir, 'package.json')) || JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== name) {
      const parent = path.dirname(dir);
      if (parent === dir) return null;
      dir = parent;
    }
    return dir;
  } catch {
    return null;
  }
}

const compilers = process.env.CXX ? [process.env.CXX] : ['c++', 'g++', 'clang++'];
const missing = [];
if (!works('cmake')) missing.push('cmake');
if (!compilers.some((c) => works(c))) missing.push('a C++ compiler (c++, g++ or clang++)');
if (!works('git')) missing.push('git');
if (missing.length > 0) giveUp(`no C++ toolchain (missing ${missing.join(', ')})`);

const llamaPkg = packageDir('node-llama-cpp');
const bundle = llamaPkg && path.join(llamaPkg, 'llama', 'gitRelease.bundle');
if (!bundle || !fs.existsSync(bundle)) giveUp('node-llama-cpp and its llama.cpp source bundle (llama/gitRelease.bundle) are not installed');
const cmakeJs = packageDir('cmake-js');
const addonApi = packageDir('node-addon-api');
if (!cmakeJs || !addonApi) giveUp('cmake-js or node-addon-api is not installed (npm install)');

const git = (...gitArgs) => execFileSync('git', ['-c', 'advice.detachedHead=false', ...gitArgs], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const bundleHead = git('bundle', 'list-heads', bundle).split(/\s+/)[0];
let checkedOut = null;
try {
  checkedOut = fs.existsSync(path.join(llamaDir, 'include', 'llama.h')) ? git('-C', llamaDir, 'rev-parse', 'HEAD') : null;
} catch {
  checkedOut = null;
}
if (checkedOut !== bundleHead) {
  log(`cloning the llama.cpp bundle (${bundleHead.slice(0, 10)}) into native/deps/llama.cpp`);
  fs.rmSync(llamaDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(llamaDir), { recursive: true });
  git('clone', '--quiet', bundle, llamaDir);
}

// Rebuild only when something that goes into the binary changed.
const hash = crypto.createHash('sha256');
const sources = [path.join(nativeDir, 'CMakeLists.txt'), ...fs.readdirSync(path.join(nativeDir, 'src')).sort().map((f) => path.join(nativeDir, 'src', f))];
for (const file of sources) hash.update(path.relative(root, file)).update(fs.readFileSync(file));
hash.update(bundleHead).update(fs.readFileSync(path.join(addonApi, 'package.json'))).update(`${process.platform}-${process.arch}`);
const inputs = hash.digest('hex');
if (!force && fs.existsSync(addonFile) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8').trim() === inputs) {
  log(`up to date: ${path.relative(root, addonFile)}`);
  process.exit(0);
}

const parallel = String(Math.max(1, os.availableParallelism?.() ?? os.cpus().length));
const cmakeArgs = [
  path.join(cmakeJs, 'bin', 'cmake-js'),
  'build',
  '--directory', nativeDir,
  '--out', buildDir,
  '--config', 'Release',
  '--parallel', parallel,
  `--CDLLAMA_CPP_DIR=${llamaDir}`,
  `--CDNODE_ADDON_API_DIR=${addonApi}`,
  '--log-level', 'warn',
];
log(`compiling with cmake-js (${parallel} jobs)`);
const result = spawnSync(process.execPath, cmakeArgs, { cwd: root, stdio: 'inherit' });
if (result.status !== 0 || !fs.existsSync(addonFile)) {
  console.error(`[build:native] the build failed (exit ${result.status}); see the compiler output above`);
  process.exit(1);
}
fs.writeFileSync(stampFile, `${inputs}\n`);
log(`built ${path.relative(root, addonFile)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
