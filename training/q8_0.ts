// Q8_0 quantization, bit for bit as ggml's quantize_row_q8_0_ref (ggml-quants.c) writes model files:
// blocks of 32 values, d = max|x| / 127 as f16, qs = roundf(x / d) as int8. ggml does every step in
// float32; Math.fround after each operation gives the same float32 results (one double operation then
// rounding to float32 is exact for + - * /).
import { GGML_BLOCKS, GgmlType } from '../assistant/gguf/format';
import { toF16 } from '../tools/gguf-fixtures/random';

/** Values per Q8_0 block and the block's bytes (an f16 scale and 32 int8), from ggml's type table. */
export const [QK8_0, Q8_0_BLOCK_BYTES] = GGML_BLOCKS[GgmlType.Q8_0]!;

export class QuantizeError extends Error {
  override readonly name = 'QuantizeError';
}

/** Quantizes `x` (length a multiple of 32) into `out` (34 bytes per block) at `outOffset`. */
export function quantizeQ8_0(x: Float32Array, out: Uint8Array, outOffset = 0): void {
  if (x.length % QK8_0 !== 0) throw new QuantizeError(`Q8_0 needs a multiple of ${QK8_0} values, got ${x.length}`);
  const blocks = x.length / QK8_0;
  if (out.length - outOffset < blocks * Q8_0_BLOCK_BYTES) throw new QuantizeError('Q8_0 output buffer too small');
  for (let b = 0; b < blocks; b++) {
    const base = b * QK8_0;
    let amax = 0;
    for (let j = 0; j < QK8_0; j++) {
      const v = x[base + j]!;
      // A NaN would quietly become 0 (fabsf/MAX skip it): a diverged checkpoint must not export.
      if (!Number.isFinite(v)) throw new QuantizeError(`value ${v} at index ${base + j}: not a finite weight`);
      amax = Math.max(amax, Math.abs(v));
    }
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    const o = outOffset + b * Q8_0_BLOCK_BYTES;
    const h = toF16(d);
    out[o] = h & 0xff;
    out[o + 1] = h >>> 8;
    for (let j = 0; j < QK8_0; j++) {
      const x0 = Math.fround(x[base + j]! * id);
      // roundf: halves away from zero (|x0| + 0.5 is exact in double for |x0| <= 127.5).
      const q = Math.sign(x0) * Math.floor(Math.abs(x0) + 0.5);
      out[o + 2 + j] = q & 0xff;
    }
  }
}

/** Inverse, for tests and checks: d * qs per value. */
export function dequantizeQ8_0(data: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let b = 0; b < count / QK8_0; b++) {
    const d = fromF16(view.getUint16(b * Q8_0_BLOCK_BYTES, true));
    for (let j = 0; j < QK8_0; j++) out[b * QK8_0 + j] = d * view.getInt8(b * Q8_0_BLOCK_BYTES + 2 + j);
  }
  return out;
}

/** IEEE half to number. */
export function fromF16(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
