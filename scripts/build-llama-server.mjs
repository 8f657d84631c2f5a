#!/usr/bin/env node
// Builds llama.cpp's own `llama-server` from the source bundle that node-llama-cpp ships, so the
// benchmark can compare the engine with the server on the same llama.cpp version and the same CPU
// kernels. Offline; the output stays under build/ (ignored, never committed). About 5 minutes on 2 cores.
//   node scripts/build-llama-server.mjs [--variant <ggml cpu variant, e.g. sapphirerapids>]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle');
const base = join(root, 'build', 'llama-server');
const src = join(base, 'src');
const out = join(base, 'build');
const jobs = process.env.LLAMA_BUILD_JOBS ?? '2';
const variantAt = process.argv.indexOf('--variant');
const X86_FEATURES = ['SSE42', 'AVX', 'F16C', 'FMA', 'AVX2', 'BMI2', 'AVX_VNNI', 'AVX512', 'AVX512_VBMI', 'AVX512_VNNI', 'AVX512_BF16', 'AMX_TILE', 'AMX_INT8', 'AMX_BF16'];

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
/**
 * The CPU variant (ggml-cpu-<variant>) that the engine's prebuilt libraries load on this machine
 * (a -march=native build would not match it). Null when it cannot be probed.
 */
function engineVariant() {
  if (variantAt >= 0) return process.argv[variantAt + 1] ?? null;
  const probe = spawnSync(process.execPath, [
    '--import', 'tsx', '--input-type=module', '-e',
    "import { loadAddon } from './native/binding.ts'; console.log(loadAddon().backend.loadedBackends.map((b) => b.path).join('\\n'));",
  ], { cwd: root, encoding: 'utf8' });
  const lib = probe.status === 0 ? probe.stdout.split('\n').find((p) => /ggml-cpu-/.test(p)) : undefined;
  return /ggml-cpu-([\w.]+?)\.(so|dll|dylib)$/.exec(lib ?? '')?.[1] ?? null;
}

/** ggml's x86 CPU variants and their features, as its CMakeLists lists them (`ggml_add_cpu_backend_variant(zen4 SSE42 AVX ...)`). */
function x86Variants() {
  const lists = readFileSync(join(src, 'ggml', 'src', 'CMakeLists.txt'), 'utf8');
  const out = new Map();
  for (const m of lists.matchAll(/ggml_add_cpu_backend_variant\(\s*([\w.]+)((?:\s+[A-Z0-9_]+)*)\s*\)/g)) {
    out.set(m[1], m[2].trim().split(/\s+/).filter(Boolean));
  }
  return out;
}

/**
 * A single-variant build (all variants take three times as long) with the engine's variant's
 * features, less AMX: this bundle's AMX kernels died with SIGILL (`tilezero`) in llama-server on
 * this VM, while the prebuilt library runs them. Returns the cmake flags and the prebuilt variant
 * with exactly those features, which the benchmark pins the engine to so both run the same kernels.
 */
function cpuBuild(variant) {
  if (process.arch !== 'x64' || !variant) return null;
  const variants = x86Variants();
  const feats = variants.get(variant);
  if (!feats) return null;
  const on = new Set(feats.filter((f) => !f.startsWith('AMX_')));
  const same = [...variants].find(([, f]) => f.length === on.size && f.every((x) => on.has(x)))?.[0] ?? null;
  // Every x86 feature is set explicitly: a reconfigure must not keep one from an earlier variant.
  return { flags: ['-DGGML_NATIVE=OFF', ...X86_FEATURES.map((f) => `-DGGML_${f}=${on.has(f) ? 'ON' : 'OFF'}`)], variant: same };
}

mkdirSync(base, { recursive: true });
if (!existsSync(join(src, 'CMakeLists.txt'))) run('git', ['clone', '--quiet', bundle, src], base);
const variant = engineVariant();
const cpu = cpuBuild(variant);
console.log(`build-llama-server: engine CPU variant ${variant ?? '(not probed)'}; server built as ${cpu?.variant ?? 'native'}: ${cpu ? cpu.flags.join(' ') : '-DGGML_NATIVE=ON'}`);

run('cmake', [
  '-S', src, '-B', out, '-G', 'Ninja',
  '-DCMAKE_BUILD_TYPE=Release',
  '-DBUILD_SHARED_LIBS=ON',
  '-DLLAMA_BUILD_TESTS=OFF',
  '-DLLAMA_BUILD_EXAMPLES=OFF',
  '-DLLAMA_USE_PREBUILT_UI=OFF',
  '-DLLAMA_OPENSSL=OFF',
  // As node-llama-cpp's prebuilt libraries: ggml's own thread pool. With OpenMP, the AMX kernels
  // of the sapphirerapids features died here with SIGILL (tile instructions on an OpenMP thread).
  '-DGGML_OPENMP=OFF',
  '-DGGML_BACKEND_DL=OFF',
  '-DGGML_CPU_ALL_VARIANTS=OFF',
  ...(cpu?.flags ?? ['-DGGML_NATIVE=ON']),
], base);
run('cmake', ['--build', out, '--target', 'llama-server', '-j', jobs], base);

const bin = join(out, 'bin', 'llama-server');
if (!existsSync(bin)) {
  console.error(`build-llama-server: build finished but ${bin} is missing`);
  process.exit(1);
}
// The benchmark reads this to pin the engine to the same kernels.
writeFileSync(join(base, 'cpu-variant.txt'), `${cpu?.variant ?? ''}\n`);
console.log(`build-llama-server: ${bin}`);
