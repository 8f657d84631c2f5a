// Shared setup for the native model tests: skip cleanly when the addon is not built, pin one CPU
// backend variant, generate tiny random models into temp dirs, and small batch builders.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe } from 'vitest';
import { generateModel, type GenerateOptions, type GeneratedModel } from '../../tools/gguf-fixtures/model';
import { findAddon, loadAddon, resolveBinsFolder, type AddonContext, type NativeAddon } from '../../native/binding';
import type { SourceFile } from '../../training/eval/tasks';

export const addonPath = findAddon();

/** `describe` that skips, saying why, when the addon is not built (no C++ toolchain at install). */
export const describeNative: typeof describe = addonPath
  ? describe
  : (((name: string, fn: () => void) => describe.skip(`${name} [skipped: native addon not built; run npm run build:native]`, fn)) as typeof describe);

let bestBackend: string | null = null;

/**
 * The CPU variant ggml picks by score on this machine (asked of a child process, since a process
 * loads its backends once). node-llama-cpp always uses this one, so pinning it makes our logits
 * comparable bit for bit with node-llama-cpp's.
 */
export function bestCpuBackend(): string {
  if (bestBackend) return bestBackend;
  const script = `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(addonPath)});
    m.exports.setErrorClass(Error); m.exports.setLogLevel('none');
    const info = m.exports.init(${JSON.stringify(resolveBinsFolder(false))}, false, null);
    process.stdout.write(info.loadedBackends.find((b) => b.name === 'CPU').path);`;
  bestBackend = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim();
  return bestBackend;
}

/** The pinned CPU variant: env GGML_BACKEND_PATH when set, else the best-scoring one. */
export function pinnedCpuBackend(): string {
  return process.env.GGML_BACKEND_PATH || bestCpuBackend();
}

export function setupAddon(): NativeAddon {
  const addon = loadAddon({ cpuBackend: pinnedCpuBackend() });
  addon.setLogLevel('none');
  return addon;
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-model-'));
}

export function makeModel(dir: string, options: GenerateOptions = {}, file = 'tiny.gguf'): GeneratedModel {
  return generateModel(path.join(dir, file), { preset: 'tiny', ...options });
}

export function range(n: number, start = 0): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => start + i);
}

/** Decodes `tokens` into one sequence at consecutive positions; logits for the last token (or all). */
export async function decodeSeq(ctx: AddonContext, tokens: Int32Array, seqId: number, start: number, allLogits = false): Promise<void> {
  const logits = new Uint8Array(tokens.length);
  if (allLogits) logits.fill(1);
  else logits[tokens.length - 1] = 1;
  await ctx.decode({ tokens, positions: range(tokens.length, start), seqIds: new Int32Array(tokens.length).fill(seqId), logits });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** A small held-out source file for the evaluation tests: a function `name` that a use-def edge reaches. */
export function evalSourceFile(pkg: string, file: string, name: string): SourceFile {
  return {
    package: pkg,
    path: file,
    text: [
      `import { helper } from './helper';`,
      `export function ${name}(items: string[]): number {`,
      '  let count = 0;',
      '  for (const item of items) {',
      '    if (helper(item)) count += item.length;',
      '  }',
      '  return count;',
      '}',
      `export const ${name}Default = ${name}(['a', 'b']);`,
      '',
    ].join('\n'),
  };
}
