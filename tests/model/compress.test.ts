// `steerway compress` (issue 16): refused types and files with a clear message and nothing written; quantized
// copies of a tiny f32 model that load and complete; main/cli.ts lists the command.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCompressArgs, runCompress, type CompressIo } from '../../assistant/cli/compress';
import { compressModel, CompressError, defaultOutputPath, QUANT_TYPES } from '../../assistant/compress';
import { createCompletionEngine } from '../../assistant/engine';
import { HELP } from '../../main/cli';
import type { GeneratedModel } from '../../tools/gguf-fixtures/model';
import { describeNative, makeModel, pinnedCpuBackend, setupAddon, tempDir } from './helpers';

function capture(pinned = false): CompressIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (l) => err.push(l), ...(pinned ? { addon: { cpuBackend: pinnedCpuBackend() } } : {}) };
}

function listing(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

describe('compress: refusals', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    fs.writeFileSync(path.join(dir, 'notes.gguf'), 'these are notes, not a model\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses an unknown type, naming the allowed ones (exit 2)', async () => {
    for (const type of ['Q3_K', 'q2', 'F16', '']) {
      const io = capture();
      expect(await runCompress([path.join(dir, 'notes.gguf'), '--type', type], io)).toBe(2);
      expect(io.err).toHaveLength(1);
      expect(io.err[0]).toMatch(type ? new RegExp(`unknown quantization type "${type}" \\(allowed: Q8_0, Q6_K, Q5_K_M, Q4_K_M, Q4_0\\)`) : /--type needs a value/);
    }
    await expect(compressModel({ input: path.join(dir, 'notes.gguf'), type: 'Q3_K' as never })).rejects.toMatchObject({ code: 'UNKNOWN_TYPE' });
    expect(listing(dir)).toEqual(['notes.gguf']);
  });

  it('refuses a file that is not a GGUF model, or is missing (exit 1, nothing written)', async () => {
    const io = capture();
    expect(await runCompress([path.join(dir, 'notes.gguf'), '--type', 'Q8_0'], io)).toBe(1);
    expect(io.err).toEqual([`steerway compress: ${path.join(dir, 'notes.gguf')} is not a usable GGUF model: it does not start with the GGUF magic bytes (not a GGUF model file)`]);
    const missing = capture();
    expect(await runCompress([path.join(dir, 'none.gguf'), '--type', 'Q4_0'], missing)).toBe(1);
    expect(missing.err[0]).toMatch(/none\.gguf is not a usable GGUF model: the file does not exist$/);
    expect(listing(dir)).toEqual(['notes.gguf']);
  });

  it('parses its arguments and names the default output after the type', () => {
    expect(parseCompressArgs(['m.gguf', '--type=q4_k_m', '--out', 'o.gguf', '--threads', '2'])).toEqual({ input: 'm.gguf', type: 'Q4_K_M', out: 'o.gguf', threads: 2 });
    expect(() => parseCompressArgs(['--type', 'Q8_0'])).toThrow('the model file is required');
    expect(() => parseCompressArgs(['m.gguf'])).toThrow('--type is required');
    expect(() => parseCompressArgs(['a.gguf', 'b.gguf', '--type', 'Q8_0'])).toThrow('one model at a time');
    expect(defaultOutputPath('/m/coder.gguf', 'Q8_0')).toBe('/m/coder-Q8_0.gguf');
    expect(defaultOutputPath('/m/coder-f32.gguf', 'Q4_0')).toBe('/m/coder-Q4_0.gguf');
    expect(defaultOutputPath('/m/coder-Q8_0.gguf', 'Q4_K_M')).toBe('/m/coder-Q4_K_M.gguf');
  });

  it('is listed by steerway --help', () => {
    expect(HELP).toMatch(/^ {2}compress +a smaller \(quantized\) copy of a GGUF model$/m);
  });
});

describeNative('compress: quantized copies load and complete', () => {
  let dir: string;
  let gen: GeneratedModel;

  beforeAll(() => {
    setupAddon();
    dir = tempDir();
    // n_embd 256 and n_ff 512: k-quants need rows divisible by 256.
    gen = makeModel(dir, { seed: 16, shape: { nEmbd: 256, nFf: 512 } }, 'coder-f32.gguf');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // llama_model_desc's name of each type.
  it.each([['Q8_0', 'Q8_0'], ['Q4_0', 'Q4_0'], ['Q4_K_M', 'Q4_K - Medium']] as const)('%s: smaller, loads, completes; the input is unchanged', async (type, described) => {
    const before = fs.readFileSync(gen.path);
    const io = capture(true);
    expect(await runCompress([gen.path, '--type', type, '--threads', '2'], io)).toBe(0);
    const output = path.join(dir, `coder-${type}.gguf`);
    expect(io.out.join('')).toMatch(new RegExp(`^${output}\\n${type}: [\\d.]+ MiB -> [\\d.]+ MiB \\(\\d+%\\) in [\\d.]+ s\\n$`));
    expect(fs.statSync(output).size).toBeLessThan(before.length / 3);
    expect(fs.readFileSync(gen.path).equals(before)).toBe(true);
    expect(listing(dir).filter((f) => f.endsWith('.part'))).toEqual([]);

    const model = await setupAddon().loadModel(output);
    expect(model.info.description).toContain(described);
    model.dispose();
    const engine = await createCompletionEngine({ modelPath: output, cacheDir: null, cpuBackend: pinnedCpuBackend() });
    try {
      const result = await engine.complete({ prefix: 'function add(a, b) {\n  return ', suffix: '\n}\n', documents: [], maxTokens: 8, temperature: 0 });
      expect(result.tokens.length).toBeGreaterThan(0);
    } finally {
      await engine.dispose();
    }
  });

  it('never overwrites: the input as output and an existing output are refused', async () => {
    await expect(compressModel({ input: gen.path, type: 'Q8_0', output: gen.path })).rejects.toMatchObject({ code: 'SAME_FILE' });
    const existing = path.join(dir, 'taken.gguf');
    fs.writeFileSync(existing, 'keep me');
    const err = await compressModel({ input: gen.path, type: 'Q8_0', output: existing }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompressError);
    expect((err as CompressError).message).toBe(`${existing} already exists; remove it or choose another --out`);
    expect(fs.readFileSync(existing, 'utf8')).toBe('keep me');
  });

  it('offers exactly the types the native side maps', async () => {
    const addon = setupAddon();
    await expect(addon.quantize(gen.path, path.join(dir, 'x.gguf'), 'Q3_K' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG' });
    expect(QUANT_TYPES).toEqual(['Q8_0', 'Q6_K', 'Q5_K_M', 'Q4_K_M', 'Q4_0']);
  });
});
