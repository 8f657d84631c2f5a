// Deterministic random tensor data (seeded), written directly in the target type.
import type { TensorProducer } from './writer';

/** sfc32: fast, good-quality 32-bit generator; same seed, same stream on every platform. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = 0x9e3779b9 ^ stream;
    this.b = 0x243f6a88 ^ Math.imul(stream, 0x85ebca6b);
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [-1, 1). */
  signed(): number {
    return this.next() / 2147483648 - 1;
  }

  fill(bytes: Uint8Array): void {
    if (bytes.byteOffset % 4 !== 0) throw new RangeError('Rng.fill needs a 4-byte aligned view');
    const whole = bytes.length & ~3;
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, whole / 4);
    for (let i = 0; i < words.length; i++) words[i] = this.next();
    for (let i = whole; i < bytes.length; i++) bytes[i] = this.next() & 0xff;
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half of `value` (round to nearest even; no NaN handling needed for weights). */
export function toF16(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent.
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++;
  return sign | half;
}

const CHUNK_VALUES = 1 << 20;

/** F32 values uniform in [center - scale, center + scale). */
export function randomF32(count: number, scale: number, rng: Rng, center = 0): TensorProducer {
  return (write) => {
    for (let done = 0; done < count; ) {
      const n = Math.min(CHUNK_VALUES, count - done);
      const chunk = new Float32Array(n);
      for (let i = 0; i < n; i++) chunk[i] = center + scale * rng.signed();
      write(new Uint8Array(chunk.buffer));
      done += n;
    }
  };
}

/** F16 values uniform in [-scale, scale). */
export function randomF16(count: number, scale: number, rng: Rng): TensorProducer {
  return (write) => {
    for (let done = 0; done < count; ) {
      const n = Math.min(CHUNK_VALUES, count - done);
      const chunk = new Uint16Array(n);
      for (let i = 0; i < n; i++) chunk[i] = toF16(scale * rng.signed());
      write(new Uint8Array(chunk.buffer));
      done += n;
    }
  };
}

/**
 * Q8_0 blocks (f16 scale + 32 int8) of values uniform in [-scale, scale): the int8s are random
 * bytes and every block shares the scale, so no float weights are ever materialized.
 */
export function randomQ8_0(count: number, scale: number, rng: Rng): TensorProducer {
  const d = toF16(scale / 128);
  return (write) => {
    const blocksPerChunk = CHUNK_VALUES / 32;
    const random = new Uint8Array(blocksPerChunk * 32);
    for (let done = 0; done < count; ) {
      const blocks = Math.min(blocksPerChunk, (count - done) / 32);
      const out = new Uint8Array(blocks * 34);
      rng.fill(random);
      for (let b = 0; b < blocks; b++) {
        const o = b * 34;
        out[o] = d & 0xff;
        out[o + 1] = d >>> 8;
        out.set(random.subarray(b * 32, b * 32 + 32), o + 2);
      }
      write(out);
      done += blocks * 32;
    }
  };
}
