// The GGUF writer and the random model generator (pure TypeScript; the Qwen-shaped check loads it natively).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS, generateModel } from '../../tools/gguf-fixtures/model';
import { Rng, toF16 } from '../../tools/gguf-fixtures/random';
import { buildVocab, TokenType } from '../../tools/gguf-fixtures/vocab';
import { GgmlSizeError, GgmlType, tensorByteSize } from '../../assistant/gguf/format';
import { GgufWriteError, GgufWriter } from '../../tools/gguf-fixtures/writer';
import { describeNative, setupAddon, tempDir } from './helpers';

const sha = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('gguf writer', () => {
  it('converts to IEEE half precision', () => {
    expect(toF16(0)).toBe(0);
    expect(toF16(1)).toBe(0x3c00);
    expect(toF16(-2)).toBe(0xc000);
    expect(toF16(65504)).toBe(0x7bff);
    expect(toF16(1e6)).toBe(0x7c00);
    expect(toF16(2 ** -24)).toBe(0x0001);
    expect(toF16(0.1)).toBe(0x2e66);
  });

  it('sizes tensors and refuses malformed ones', () => {
    expect(tensorByteSize(GgmlType.F32, [4, 3])).toBe(48);
    expect(tensorByteSize(GgmlType.F16, [4, 3])).toBe(24);
    expect(tensorByteSize(GgmlType.Q8_0, [64, 2])).toBe(4 * 34);
    expect(() => tensorByteSize(GgmlType.Q8_0, [48, 2])).toThrow(GgmlSizeError);
    const w = new GgufWriter().u32('a', 1);
    expect(() => w.tensor('q', [48, 2], GgmlType.Q8_0, () => undefined)).toThrow(GgufWriteError);
    expect(() => w.u32('a', 2)).toThrow(GgufWriteError);
    w.tensor('t', [8], GgmlType.F32, (write) => write(new Uint8Array(4)));
    expect(() => w.write(path.join(dir, 'short.gguf'))).toThrow(/expected 32/);
  });

  it('writes a file node-llama-cpp parses, with aligned tensors', async () => {
    const file = path.join(dir, 'small.gguf');
    const w = new GgufWriter()
      .string('general.architecture', 'llama')
      .u32('n', 7)
      .f32('x', 0.5)
      .bool('flag', true)
      .array('list', 5 /* Int32 */, [1, -2, 3]);
    w.tensor('a', [3], GgmlType.F32, (write) => write(new Uint8Array(Float32Array.of(1, 2, 3).buffer)));
    w.tensor('b', [32, 2], GgmlType.Q8_0, (write) => write(new Uint8Array(68)));
    const bytes = w.write(file);
    expect(fs.statSync(file).size).toBe(bytes);
    const info = await readGgufFileInfo(file, { readTensorInfo: true, logWarnings: false });
    expect(info.version).toBe(3);
    expect(info.metadata.general.architecture).toBe('llama');
    const raw = info.metadata as unknown as Record<string, unknown>;
    expect(raw.n).toBe(7);
    expect(raw.x).toBe(0.5);
    expect(raw.flag).toBe(true);
    expect(raw.list).toEqual([1, -2, 3]);
    expect(info.tensorInfo?.map((t) => [t.name, t.dimensions.map(Number), t.offset])).toEqual([
      ['a', [3], 0],
      ['b', [32, 2], 32],
    ]);
  });
});

describe('random model generator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateModel(path.join(dir, 'a.gguf'), { seed: 5 });
    const b = generateModel(path.join(dir, 'b.gguf'), { seed: 5 });
    const c = generateModel(path.join(dir, 'c.gguf'), { seed: 6 });
    expect(sha(a.path)).toBe(sha(b.path));
    expect(sha(a.path)).not.toBe(sha(c.path));
    expect(a.bytes).toBe(c.bytes);
  });

  it('builds an SPM vocabulary with bytes, control tokens and code pieces', () => {
    const v = buildVocab({ size: 1024, merges: 500 });
    expect(v.tokens.slice(0, 3)).toEqual(['<unk>', '<s>', '</s>']);
    expect(v.tokens[3 + 0x0a]).toBe('<0x0A>');
    expect(Array.from(v.types.subarray(3, 259)).every((t) => t === TokenType.byte)).toBe(true);
    expect(v.tokens[v.special.fimPre]).toBe('<|fim_prefix|>');
    expect(v.types[v.special.fimSep]).toBe(TokenType.control);
    expect(v.tokens).toContain('\u2581return');
    expect(new Set(v.tokens).size).toBe(v.tokens.length);
    expect(() => buildVocab({ size: 300, merges: 500 })).toThrow(/needs/);
  });

  it('places Qwen2.5 control-token ids in the Qwen-shaped vocabulary', () => {
    const shape = PRESETS['qwen2.5-coder-0.5b-shape'];
    const v = buildVocab({ size: shape.nVocab, merges: shape.merges, specialIds: shape.specialIds });
    expect(v.tokens.length).toBe(151936);
    expect(v.special).toMatchObject({ fimPre: 151659, fimMid: 151660, fimSuf: 151661, fimSep: 151664, eot: 151643 });
    expect(v.tokens[151664]).toBe('<|file_sep|>');
  });

  it('generates random numbers reproducibly', () => {
    const a = new Rng(9, 2);
    const b = new Rng(9, 2);
    const xs = Array.from({ length: 1000 }, () => a.signed());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.signed()));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});

describeNative('random model generator: Qwen-shaped preset in llama.cpp', () => {
  it('loads with the real widths, heads, vocabulary and FIM ids (one layer, to stay fast)', async () => {
    const addon = setupAddon();
    const gen = generateModel(path.join(dir, 'qwen1.gguf'), { preset: 'qwen2.5-coder-0.5b-shape', shape: { nLayer: 1 } });
    const model = await addon.loadModel(gen.path);
    try {
      expect(model.info).toMatchObject({ nLayer: 1, nEmbd: 896, nHead: 14, nHeadKv: 2, nCtxTrain: 32768, nVocab: 151936 });
      expect(model.metadata()['general.file_type']).toBe(7); // Q8_0
      expect(model.vocab).toMatchObject({ fimPre: 151659, fimSuf: 151661, fimMid: 151660, fimSep: 151664, fimRep: 151663, eot: 151643 });
      const text = 'def main():\n    return 0\n';
      expect(model.detokenize(model.tokenize(text))).toBe(text);
      const ctx = await model.createContext({ nCtx: 256 });
      const tokens = model.tokenize(text);
      await ctx.decode({ tokens, positions: Int32Array.from(tokens, (_, i) => i), seqIds: new Int32Array(tokens.length) });
      const logits = ctx.logits(tokens.length - 1);
      expect(logits.length).toBe(151936);
      expect(logits.every(Number.isFinite)).toBe(true);
    } finally {
      model.dispose();
    }
  });
});
