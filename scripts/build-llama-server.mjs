#!/usr/bin/env node
// Builds llama.cpp's own `llama-server` from the source bundle that node-llama-cpp ships, so the
// benchmark can compare the engine with the server on the same llama.cpp version. Offline; the
// output stays under build/ (ignored, never committed). About 5 minutes on 2 cores.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle');
const base = join(root, 'build', 'llama-server');
const src = join(base, 'src');
const out = join(base, 'build');
const jobs = process.env.LLAMA_BUILD_JOBS ?? '2';

function run(cmd, args, cwd) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  // nice: the machine is shared, a 5-minute compile must not starve tests running beside it.
  const r = spawnSync('nice', ['-n', '10', cmd, ...args], { cwd, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build-llama-server: ${cmd} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

if (!existsSync(bundle)) {
  console.error(`build-llama-server: bundle not found at ${bundle} (is node-llama-cpp installed?)`);
  process.exit(1);
}
mkdirSync(base, { recursive: true });
if (!existsSync(join(src, 'CMakeLists.txt'))) run('git', ['clone', '--quiet', bundle, src], base);

run('cmake', [
  '-S', src, '-B', out, '-G', 'Ninja',
  '-DCMAKE_BUILD_TYPE=Release',
  '-DBUILD_SHARED_LIBS=ON',
  '-DLLAMA_BUILD_TESTS=OFF',
  '-DLLAMA_BUILD_EXAMPLES=OFF',
  '-DLLAMA_USE_PREBUILT_UI=OFF',
  '-DLLAMA_OPENSSL=OFF',
], base);
run('cmake', ['--build', out, '--target', 'llama-server', '-j', jobs], base);

const bin = join(out, 'bin', 'llama-server');
if (!existsSync(bin)) {
  console.error(`build-llama-server: build finished but ${bin} is missing`);
  process.exit(1);
}
console.log(`build-llama-server: ${bin}`);
