// GGUF v3 writer: header, key/values, tensor infos, then aligned tensor data streamed to disk.
// Spec: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
import fs from 'node:fs';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSIONS, GgmlSizeError, GgufValueType, tensorByteSize, type GgmlType } from '../../assistant/gguf/format';

/** This writer's tensor data alignment (written as `general.alignment` by the model generator). */
export const GGUF_ALIGNMENT = GGUF_DEFAULT_ALIGNMENT;

export class GgufWriteError extends Error {
  override readonly name = 'GgufWriteError';
}

type ScalarType = Exclude<GgufValueType, GgufValueType.Array>;

type KvEntry =
  | { key: string; type: ScalarType; value: number | bigint | boolean | string }
  | { key: string; type: GgufValueType.Array; elementType: ScalarType; values: ArrayLike<number | bigint | boolean | string> };

/** Streams a tensor's bytes (exactly its size) to `write`, in as many chunks as it likes. */
export type TensorProducer = (write: (chunk: Uint8Array) => void) => void;

interface TensorEntry {
  name: string;
  /** ggml order: dims[0] is the row length. */
  dims: number[];
  type: GgmlType;
  size: number;
  produce: TensorProducer;
}

/** Growable little-endian byte buffer for the header. */
class ByteSink {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u8(v: number): void { this.ensure(1); this.buf.writeUInt8(v, this.length); this.length += 1; }
  i8(v: number): void { this.ensure(1); this.buf.writeInt8(v, this.length); this.length += 1; }
  u16(v: number): void { this.ensure(2); this.buf.writeUInt16LE(v, this.length); this.length += 2; }
  i16(v: number): void { this.ensure(2); this.buf.writeInt16LE(v, this.length); this.length += 2; }
  u32(v: number): void { this.ensure(4); this.buf.writeUInt32LE(v, this.length); this.length += 4; }
  i32(v: number): void { this.ensure(4); this.buf.writeInt32LE(v, this.length); this.length += 4; }
  f32(v: number): void { this.ensure(4); this.buf.writeFloatLE(v, this.length); this.length += 4; }
  f64(v: number): void { this.ensure(8); this.buf.writeDoubleLE(v, this.length); this.length += 8; }
  u64(v: number | bigint): void { this.ensure(8); this.buf.writeBigUInt64LE(BigInt(v), this.length); this.length += 8; }
  i64(v: number | bigint): void { this.ensure(8); this.buf.writeBigInt64LE(BigInt(v), this.length); this.length += 8; }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.ensure(bytes.length);
    bytes.copy(this.buf, this.length);
    this.length += bytes.length;
  }
  pad(alignment: number): void {
    const rem = this.length % alignment;
    if (rem === 0) return;
    this.ensure(alignment - rem);
    this.buf.fill(0, this.length, this.length + alignment - rem);
    this.length += alignment - rem;
  }
  bytes(): Buffer { return this.buf.subarray(0, this.length); }
}

function writeScalar(out: ByteSink, type: ScalarType, value: number | bigint | boolean | string): void {
  switch (type) {
    case GgufValueType.Uint8: return out.u8(Number(value));
    case GgufValueType.Int8: return out.i8(Number(value));
    case GgufValueType.Uint16: return out.u16(Number(value));
    case GgufValueType.Int16: return out.i16(Number(value));
    case GgufValueType.Uint32: return out.u32(Number(value));
    case GgufValueType.Int32: return out.i32(Number(value));
    case GgufValueType.Float32: return out.f32(Number(value));
    case GgufValueType.Float64: return out.f64(Number(value));
    case GgufValueType.Bool: return out.u8(value ? 1 : 0);
    case GgufValueType.String: return out.str(String(value));
    case GgufValueType.Uint64: return out.u64(typeof value === 'bigint' ? value : Number(value));
    case GgufValueType.Int64: return out.i64(typeof value === 'bigint' ? value : Number(value));
  }
}

export class GgufWriter {
  private readonly kvs: KvEntry[] = [];
  private readonly tensors: TensorEntry[] = [];
  private readonly keys = new Set<string>();

  private addKey(key: string): void {
    if (this.keys.has(key)) throw new GgufWriteError(`duplicate key ${key}`);
    this.keys.add(key);
  }

  set(key: string, type: ScalarType, value: number | bigint | boolean | string): this {
    this.addKey(key);
    this.kvs.push({ key, type, value });
    return this;
  }
  string(key: string, value: string): this { return this.set(key, GgufValueType.String, value); }
  u32(key: string, value: number): this { return this.set(key, GgufValueType.Uint32, value); }
  f32(key: string, value: number): this { return this.set(key, GgufValueType.Float32, value); }
  bool(key: string, value: boolean): this { return this.set(key, GgufValueType.Bool, value); }

  array(key: string, elementType: ScalarType, values: ArrayLike<number | bigint | boolean | string>): this {
    this.addKey(key);
    this.kvs.push({ key, type: GgufValueType.Array, elementType, values });
    return this;
  }

  tensor(name: string, dims: number[], type: GgmlType, produce: TensorProducer): this {
    if (this.tensors.some((t) => t.name === name)) throw new GgufWriteError(`duplicate tensor ${name}`);
    let size: number;
    try {
      size = tensorByteSize(type, dims);
    } catch (error) {
      if (error instanceof GgmlSizeError) throw new GgufWriteError(`tensor ${name}: ${error.message}`);
      throw error;
    }
    this.tensors.push({ name, dims, type, size, produce });
    return this;
  }

  /** Writes the file; returns its size in bytes. */
  write(path: string): number {
    const head = new ByteSink();
    head.u32(GGUF_MAGIC);
    head.u32(GGUF_VERSIONS[GGUF_VERSIONS.length - 1]!);
    head.u64(this.tensors.length);
    head.u64(this.kvs.length);
    for (const kv of this.kvs) {
      head.str(kv.key);
      head.u32(kv.type);
      if (kv.type === GgufValueType.Array) {
        head.u32(kv.elementType);
        head.u64(kv.values.length);
        for (let i = 0; i < kv.values.length; i++) writeScalar(head, kv.elementType, kv.values[i]!);
      } else {
        writeScalar(head, kv.type, kv.value);
      }
    }
    let offset = 0;
    for (const t of this.tensors) {
      head.str(t.name);
      head.u32(t.dims.length);
      for (const d of t.dims) head.u64(d);
      head.u32(t.type);
      head.u64(offset);
      offset += Math.ceil(t.size / GGUF_ALIGNMENT) * GGUF_ALIGNMENT;
    }
    head.pad(GGUF_ALIGNMENT);

    const fd = fs.openSync(path, 'w');
    try {
      let total = 0;
      const put = (chunk: Uint8Array): void => {
        let done = 0;
        while (done < chunk.length) done += fs.writeSync(fd, chunk, done, chunk.length - done);
        total += chunk.length;
      };
      put(head.bytes());
      for (const t of this.tensors) {
        const start = total;
        t.produce(put);
        const written = total - start;
        if (written !== t.size) throw new GgufWriteError(`tensor ${t.name}: wrote ${written} bytes, expected ${t.size}`);
        const padding = (GGUF_ALIGNMENT - (written % GGUF_ALIGNMENT)) % GGUF_ALIGNMENT;
        if (padding) put(new Uint8Array(padding));
      }
      return total;
    } finally {
      fs.closeSync(fd);
    }
  }
}
