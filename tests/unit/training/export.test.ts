// Export of trained weights to GGUF: Q8_0 exactly as ggml quantizes, the llama keys and tensors, clear errors.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llamaTensors, writeSpmTokenizer } from '../../../tools/gguf-fixtures/model';
import { Rng, toF16 } from '../../../tools/gguf-fixtures/random';
import { buildVocab } from '../../../tools/gguf-fixtures/vocab';
import { ExportError, exportGguf, readWeights, type TokenizerKeys, type TrainedConfig } from '../../../training/export';
import { dequantizeQ8_0, fromF16, quantizeQ8_0, QuantizeError } from '../../../training/q8_0';
import { resolveBinsFolder } from '../../../native/binding';

const CONFIG: TrainedConfig = {
  nVocab: 400, nEmbd: 64, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 96, nCtxTrain: 256, ropeFreqBase: 10000, rmsEps: 1e-5, tiedEmbeddings: true,
};

const vocab = buildVocab({ size: CONFIG.nVocab, merges: 0 });
const TOKENIZER: TokenizerKeys = { size: CONFIG.nVocab, write: (w) => writeSpmTokenizer(w, vocab) };

function randomValues(n: number, rng: Rng, scale = 0.1): Float32Array {
  return Float32Array.from({ length: n }, () => scale * rng.signed());
}

/** weights.json + weights.bin as train.py writes them (PyTorch shapes [out, in], 32-byte aligned offsets). */
function writeWeights(dir: string, config: TrainedConfig, options: { dtype?: 'f32' | 'f16'; seed?: number; edit?: (values: Map<string, Float32Array>) => void } = {}): Map<string, Float32Array> {
  fs.mkdirSync(dir, { recursive: true });
  const rng = new Rng(options.seed ?? 1);
  const values = new Map<string, Float32Array>();
  for (const t of llamaTensors(config, config.tiedEmbeddings)) {
    const n = t.dims.reduce((a, b) => a * b, 1);
    values.set(t.name, t.norm ? Float32Array.from(randomValues(n, rng), (x) => 1 + x) : randomValues(n, rng));
  }
  options.edit?.(values);
  const chunks: Buffer[] = [];
  const tensors = [];
  let offset = 0;
  for (const t of llamaTensors(config, config.tiedEmbeddings)) {
    const v = values.get(t.name)!;
    const bytes = options.dtype === 'f16'
      ? Buffer.from(Uint16Array.from(v, (x) => toF16(x)).buffer)
      : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    tensors.push({ name: t.name, shape: [...t.dims].reverse(), offset });
    const padded = Math.ceil(bytes.length / 32) * 32;
    chunks.push(bytes, Buffer.alloc(padded - bytes.length));
    offset += padded;
  }
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat(chunks));
  fs.writeFileSync(path.join(dir, 'weights.json'), JSON.stringify({ config, dtype: options.dtype ?? 'f32', tensors }));
  return values;
}

/** Tensor bytes of a GGUF written by GgufWriter (data section at the end, every tensor padded to 32). */
async function tensorData(file: string): Promise<{ info: Awaited<ReturnType<typeof readGgufFileInfo>>; bytes: (name: string, size: number) => Buffer }> {
  const info = await readGgufFileInfo(file, { readTensorInfo: true, logWarnings: false });
  const data = fs.readFileSync(file);
  const tensors = info.tensorInfo!;
  const last = tensors.at(-1)!;
  const lastDims = last.dimensions.map(Number);
  const lastSize = last.ggmlType === 8 ? (lastDims.reduce((a, b) => a * b, 1) / 32) * 34 : lastDims.reduce((a, b) => a * b, 1) * 4;
  const start = data.length - (Number(last.offset) + Math.ceil(lastSize / 32) * 32);
  return { info, bytes: (name, size) => {
    const t = tensors.find((x) => x.name === name)!;
    return data.subarray(start + Number(t.offset), start + Number(t.offset) + size);
  } };
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-export-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('Q8_0', () => {
  const block = (values: number[]): Uint8Array => {
    const out = new Uint8Array(34);
    quantizeQ8_0(Float32Array.from(values), out);
    return out;
  };
  const qs = (b: Uint8Array): number[] => Array.from(new Int8Array(b.buffer, 2, 32));

  it('scales by max|x| / 127 stored as f16 and rounds halves away from zero', () => {
    const values = [127, -127, 63.5, -63.5, 0.5, -0.5, 2.5, -2.5, 1.49, 0, ...new Array<number>(22).fill(3)];
    const b = block(values);
    expect(fromF16(b[0]! | (b[1]! << 8))).toBe(1);
    expect(qs(b).slice(0, 10)).toEqual([127, -127, 64, -64, 1, -1, 3, -3, 1, 0]);
  });

  it('keeps a zero block zero and rounds with the unrounded float32 scale', () => {
    expect(Array.from(block(new Array<number>(32).fill(0)))).toEqual(new Array<number>(34).fill(0));
    // amax 1: d = 1/127 (f16 keeps 0x2008), but qs use float32 1/d, so 0.5 maps to round(63.5) = 64.
    const b = block([1, 0.5, ...new Array<number>(30).fill(0)]);
    expect(b[0]! | (b[1]! << 8)).toBe(0x2008);
    expect(qs(b).slice(0, 2)).toEqual([127, 64]);
  });

  it('refuses a row that is not whole blocks and non-finite values', () => {
    expect(() => quantizeQ8_0(new Float32Array(31), new Uint8Array(34))).toThrow(QuantizeError);
    expect(() => quantizeQ8_0(Float32Array.from({ length: 32 }, (_, i) => (i === 5 ? NaN : 1)), new Uint8Array(34))).toThrow(/index 5/);
  });

  it('dequantizes within half a step of the input (plus the f16 rounding of the scale)', () => {
    const x = randomValues(32 * 64, new Rng(3), 2);
    const out = new Uint8Array(64 * 34);
    quantizeQ8_0(x, out);
    const y = dequantizeQ8_0(out, x.length);
    for (let b = 0; b < 64; b++) {
      const amax = Math.max(...Array.from(x.subarray(b * 32, b * 32 + 32), Math.abs));
      for (let j = 0; j < 32; j++) expect(Math.abs(y[b * 32 + j]! - x[b * 32 + j]!)).toBeLessThanOrEqual((amax / 127) * (0.5 + 127 * 2 ** -11));
    }
  });

  // ggml's own quantize_row_q8_0_ref, called through ctypes from the libggml-base the addon runs on.
  const lib = ((): string | null => {
    try {
      const p = path.join(resolveBinsFolder(false), 'libggml-base.so');
      return fs.existsSync(p) ? p : null;
    } catch {
      return null;
    }
  })();
  const python = spawnSync('python3', ['-c', 'import ctypes'], { encoding: 'utf8' }).status === 0 ? 'python3' : null;
  const withGgml = lib && python ? it : it.skip;
  withGgml(`equals ggml's quantize_row_q8_0_ref byte for byte${lib && python ? '' : ' [skipped: needs python3 and libggml-base.so from node-llama-cpp]'}`, () => {
    const rng = new Rng(11);
    const blocks = 512;
    // Blocks of every scale, from subnormal f16 scales to large ones, with exact halves mixed in.
    const x = new Float32Array(blocks * 32);
    for (let b = 0; b < blocks; b++) {
      const scale = 10 ** (-9 + (b % 13));
      for (let j = 0; j < 32; j++) x[b * 32 + j] = b % 5 === 0 && j % 3 === 0 ? (scale * Math.round(rng.signed() * 254)) / 2 : scale * rng.signed();
    }
    const input = path.join(dir, 'q8-in.f32');
    const output = path.join(dir, 'q8-out.bin');
    fs.writeFileSync(input, x);
    const script = `import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
data = open(sys.argv[2], 'rb').read()
n = len(data) // 4
src = (ctypes.c_float * n).from_buffer_copy(data)
dst = (ctypes.c_uint8 * (n // 32 * 34))()
lib.quantize_row_q8_0_ref(src, dst, ctypes.c_int64(n))
open(sys.argv[3], 'wb').write(bytes(dst))`;
    const r = spawnSync(python!, ['-c', script, lib!, input, output], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const ours = new Uint8Array(blocks * 34);
    quantizeQ8_0(x, ours);
    expect(Buffer.from(ours).equals(fs.readFileSync(output))).toBe(true);
  });
});

describe('export to GGUF', () => {
  it('writes the llama keys, the tokenizer keys and every tensor as F32', async () => {
    const w = path.join(dir, 'f32');
    const values = writeWeights(w, CONFIG);
    const out = path.join(dir, 'f32.gguf');
    const r = exportGguf({ weightsDir: w, out, type: 'f32', tokenizer: TOKENIZER, name: 'steerway-test' });
    expect(r.parameters).toBe([...values.values()].reduce((n, v) => n + v.length, 0));
    const { info, bytes } = await tensorData(out);
    const md = info.metadata as unknown as Record<string, Record<string, unknown>>;
    expect(md.general).toMatchObject({ architecture: 'llama', name: 'steerway-test', file_type: 0 });
    expect(md.llama).toMatchObject({ context_length: 256, embedding_length: 64, block_count: 2, feed_forward_length: 96, vocab_size: 400 });
    expect(md.llama!.attention).toMatchObject({ head_count: 4, head_count_kv: 2 });
    expect(md.llama!.rope).toMatchObject({ dimension_count: 16, freq_base: 10000 });
    expect((md.tokenizer as { ggml: { model: string } }).ggml.model).toBe('llama');
    const tensors = info.tensorInfo!;
    expect(tensors.map((t) => t.name)).toEqual(llamaTensors(CONFIG, true).map((t) => t.name));
    expect(tensors.find((t) => t.name === 'blk.1.attn_k.weight')!.dimensions.map(Number)).toEqual([64, 32]);
    expect(tensors.find((t) => t.name === 'token_embd.weight')!.dimensions.map(Number)).toEqual([64, 400]);
    expect(tensors.every((t) => t.ggmlType === 0)).toBe(true);
    for (const [name, v] of values) expect(bytes(name, v.byteLength).equals(Buffer.from(v.buffer, v.byteOffset, v.byteLength))).toBe(true);
  });

  it('quantizes every matrix to Q8_0 as ggml would and keeps the norms F32', async () => {
    const config = { ...CONFIG, tiedEmbeddings: false };
    const w = path.join(dir, 'q8');
    const values = writeWeights(w, config, { seed: 2 });
    const out = path.join(dir, 'q8.gguf');
    exportGguf({ weightsDir: w, out, type: 'q8_0', tokenizer: TOKENIZER });
    const { info, bytes } = await tensorData(out);
    expect((info.metadata as unknown as { general: { file_type: number; name: string } }).general).toMatchObject({ file_type: 7, name: 'steerway-code' });
    for (const t of info.tensorInfo!) {
      const v = values.get(t.name)!;
      if (t.name.endsWith('norm.weight')) {
        expect(t.ggmlType).toBe(0);
        continue;
      }
      expect(t.ggmlType).toBe(8);
      const want = new Uint8Array((v.length / 32) * 34);
      quantizeQ8_0(v, want);
      expect(bytes(t.name, want.length).equals(Buffer.from(want))).toBe(true);
    }
    expect(info.tensorInfo!.some((t) => t.name === 'output.weight')).toBe(true);
  });

  it('reads f16 weights', () => {
    const w = path.join(dir, 'f16');
    const values = writeWeights(w, CONFIG, { dtype: 'f16', seed: 4 });
    const read = readWeights(w);
    expect(read.dtype).toBe('f16');
    const a = read.values('blk.0.ffn_up.weight');
    const b = values.get('blk.0.ffn_up.weight')!;
    for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(1e-3 * Math.abs(b[i]!) + 1e-7);
  });

  it('names what is wrong and leaves no file behind', () => {
    const cases: [string, (d: string) => void, RegExp][] = [
      ['missing tensor', (d) => {
        const m = JSON.parse(fs.readFileSync(path.join(d, 'weights.json'), 'utf8'));
        m.tensors = m.tensors.filter((t: { name: string }) => t.name !== 'blk.1.ffn_gate.weight');
        fs.writeFileSync(path.join(d, 'weights.json'), JSON.stringify(m));
      }, /missing: blk\.1\.ffn_gate\.weight/],
      ['wrong shape', (d) => {
        const m = JSON.parse(fs.readFileSync(path.join(d, 'weights.json'), 'utf8'));
        m.tensors.find((t: { name: string }) => t.name === 'blk.0.attn_q.weight').shape = [32, 64];
        fs.writeFileSync(path.join(d, 'weights.json'), JSON.stringify(m));
      }, /blk\.0\.attn_q\.weight has shape \[32, 64\], the config says \[64, 64\]/],
      ['truncated', (d) => fs.truncateSync(path.join(d, 'weights.bin'), 1000), /runs past the end/],
      ['bad config', (d) => {
        const m = JSON.parse(fs.readFileSync(path.join(d, 'weights.json'), 'utf8'));
        m.config.nHeadKv = 3;
        fs.writeFileSync(path.join(d, 'weights.json'), JSON.stringify(m));
      }, /not a multiple of nHeadKv/],
      ['no weights', (d) => fs.rmSync(path.join(d, 'weights.json')), /cannot read .*weights\.json/],
    ];
    for (const [label, breakIt, message] of cases) {
      const d = path.join(dir, `bad-${label.replace(/ /g, '-')}`);
      writeWeights(d, CONFIG);
      breakIt(d);
      const out = path.join(d, 'model.gguf');
      expect(() => exportGguf({ weightsDir: d, out, type: 'f32', tokenizer: TOKENIZER }), label).toThrow(message);
      expect(() => exportGguf({ weightsDir: d, out, type: 'f32', tokenizer: TOKENIZER })).toThrow(ExportError);
      expect(fs.readdirSync(d).filter((f) => f.includes('gguf'))).toEqual([]);
    }
    const d = path.join(dir, 'nan');
    writeWeights(d, CONFIG, { edit: (v) => (v.get('blk.1.ffn_down.weight')![7] = NaN) });
    for (const type of ['q8_0', 'f32'] as const) {
      expect(() => exportGguf({ weightsDir: d, out: path.join(d, 'model.gguf'), type, tokenizer: TOKENIZER })).toThrow(/blk\.1\.ffn_down\.weight.*(NaN|finite)/);
      expect(fs.readdirSync(d).filter((f) => f.includes('gguf'))).toEqual([]);
    }
    const ok = path.join(dir, 'ok');
    writeWeights(ok, CONFIG);
    expect(() => exportGguf({ weightsDir: ok, out: path.join(ok, 'm.gguf'), type: 'f32', tokenizer: { ...TOKENIZER, size: 399 } })).toThrow(/399 tokens, the weights 400/);
    const odd = path.join(dir, 'odd');
    writeWeights(odd, { ...CONFIG, nFf: 72 });
    expect(() => exportGguf({ weightsDir: odd, out: path.join(odd, 'm.gguf'), type: 'q8_0', tokenizer: TOKENIZER })).toThrow(/divisible by 32; export as f32/);
  });
});
