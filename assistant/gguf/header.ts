// The one GGUF header reader: main checks model files with it before listing or downloading them, the engine
// before llama.cpp parses one.
import * as fs from 'node:fs/promises';
import { GGML_BLOCKS, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_SCALAR_BYTES, GGUF_VERSIONS, GgmlSizeError, GgufValueType, tensorByteSize } from './format';

/** Why a file is not a usable GGUF model, in words for the user. */
export class GgufFormatError extends Error {
  override readonly name = 'GgufFormatError';
}

export interface GgufSummary {
  version: number;
  tensorCount: number;
  kvCount: number;
  /** `general.name` from the metadata, when present. */
  name: string | null;
  sizeBytes: number;
}

// Generous bounds: real models have a few hundred tensors and a few dozen keys; anything past these is a broken header.
const MAX_TENSORS = 100_000;
const MAX_KVS = 100_000;
const MAX_STRING = 64 * 1024 * 1024;
const MAX_DIMS = 8;
const CHUNK = 1 << 20;

/** Sequential little-endian reads over a file, a chunk at a time (tokenizer metadata runs to megabytes). */
class FileReader {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;
  position = 0;

  constructor(private readonly handle: fs.FileHandle, readonly size: number) {}

  private async ensure(n: number): Promise<Buffer> {
    if (this.position + n > this.size) throw new GgufFormatError('the file ends inside its header (truncated?)');
    const offset = this.position - this.bufferStart;
    if (offset + n > this.buffer.length) {
      const length = Math.max(n, CHUNK);
      const chunk = Buffer.alloc(Math.min(length, this.size - this.position));
      await this.handle.read(chunk, 0, chunk.length, this.position);
      this.buffer = chunk;
      this.bufferStart = this.position;
    }
    const start = this.position - this.bufferStart;
    this.position += n;
    return this.buffer.subarray(start, start + n);
  }

  async u32(): Promise<number> {
    return (await this.ensure(4)).readUInt32LE(0);
  }

  async u64(): Promise<number> {
    const value = (await this.ensure(8)).readBigUInt64LE(0);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufFormatError(`a count or offset is impossibly large (${value})`);
    return Number(value);
  }

  async string(): Promise<string> {
    const length = await this.u64();
    if (length > MAX_STRING) throw new GgufFormatError(`a metadata string claims ${length} bytes`);
    return (await this.ensure(length)).toString('utf8');
  }

  async skip(n: number): Promise<void> {
    if (this.position + n > this.size) throw new GgufFormatError('the file ends inside its header (truncated?)');
    this.position += n;
  }

  /**
   * Skips `count` length-prefixed strings, reading each length from the buffer without an await while it is
   * there: a vocabulary is 150k strings, and an await each made the header take a few hundred milliseconds.
   */
  async skipStrings(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const start = this.position - this.bufferStart;
      let length: number;
      if (start + 8 <= this.buffer.length) {
        const value = this.buffer.readBigUInt64LE(start);
        if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufFormatError(`a count or offset is impossibly large (${value})`);
        this.position += 8;
        length = Number(value);
      } else {
        length = await this.u64();
      }
      if (this.position + length > this.size) throw new GgufFormatError('the file ends inside its header (truncated?)');
      this.position += length;
    }
  }
}

async function skipValue(reader: FileReader, type: number): Promise<void> {
  if (type === GgufValueType.String) {
    const length = await reader.u64();
    await reader.skip(length);
  } else if (type === GgufValueType.Array) {
    const itemType = await reader.u32();
    const count = await reader.u64();
    if (itemType === GgufValueType.Array) throw new GgufFormatError('nested metadata arrays are not supported');
    const size = GGUF_SCALAR_BYTES[itemType as GgufValueType];
    if (size !== undefined) await reader.skip(size * count);
    else if (itemType === GgufValueType.String) await reader.skipStrings(count);
    else throw new GgufFormatError(`unknown metadata array type ${itemType}`);
  } else {
    const size = GGUF_SCALAR_BYTES[type as GgufValueType];
    if (size === undefined) throw new GgufFormatError(`unknown metadata value type ${type}`);
    await reader.skip(size);
  }
}

/** Bytes of a tensor's data, or null for a type without a known size (not size-checked). */
function tensorBytes(name: string, type: number, dims: readonly number[]): number | null {
  if (!GGML_BLOCKS[type]) return null;
  try {
    return tensorByteSize(type, dims);
  } catch (error) {
    if (error instanceof GgmlSizeError) throw new GgufFormatError(`tensor ${name}: ${error.message}`);
    throw error;
  }
}

/**
 * Reads a GGUF file's header, metadata and tensor table and checks that they are sane and that every tensor's
 * data lies inside the file, so a text file, a wrong format or a cut-off download is refused before llama.cpp sees it.
 */
export async function readGgufHeader(path: string): Promise<GgufSummary> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GgufFormatError(code === 'ENOENT' ? 'the file does not exist' : code === 'EISDIR' ? 'it is a folder' : `it cannot be read (${code ?? String(error)})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new GgufFormatError('it is not a regular file');
    const reader = new FileReader(handle, stat.size);
    const magic = (await handle.read(Buffer.alloc(4), 0, 4, 0)).buffer;
    if (magic.readUInt32LE(0) !== GGUF_MAGIC) throw new GgufFormatError('it does not start with the GGUF magic bytes (not a GGUF model file)');
    if (stat.size < 24) throw new GgufFormatError(`it is only ${stat.size} bytes, too short for a GGUF header`);
    await reader.skip(4);
    const version = await reader.u32();
    if (!(GGUF_VERSIONS as readonly number[]).includes(version)) {
      throw new GgufFormatError(`GGUF version ${version} is not supported (${GGUF_VERSIONS.join(' or ')})`);
    }
    const tensorCount = await reader.u64();
    const kvCount = await reader.u64();
    if (tensorCount === 0) throw new GgufFormatError('it has no tensors (a vocabulary-only file, not a model)');
    if (tensorCount > MAX_TENSORS) throw new GgufFormatError(`it claims ${tensorCount} tensors, more than any model has`);
    if (kvCount > MAX_KVS) throw new GgufFormatError(`it claims ${kvCount} metadata keys, more than any model has`);

    let name: string | null = null;
    let alignment = GGUF_DEFAULT_ALIGNMENT;
    for (let i = 0; i < kvCount; i++) {
      const key = await reader.string();
      const type = await reader.u32();
      if (key === 'general.name' && type === GgufValueType.String) name = await reader.string();
      else if (key === 'general.alignment' && type === GgufValueType.Uint32) alignment = await reader.u32();
      else await skipValue(reader, type);
    }
    if (alignment === 0 || alignment % 8 !== 0) throw new GgufFormatError(`general.alignment ${alignment} is not a multiple of 8`);

    const tensors: { name: string; offset: number; bytes: number | null }[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const tensorName = await reader.string();
      const nDims = await reader.u32();
      if (nDims === 0 || nDims > MAX_DIMS) throw new GgufFormatError(`tensor ${tensorName} has ${nDims} dimensions`);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(await reader.u64());
      const type = await reader.u32();
      const offset = await reader.u64();
      tensors.push({ name: tensorName, offset, bytes: tensorBytes(tensorName, type, dims) });
    }
    const dataStart = Math.ceil(reader.position / alignment) * alignment;
    for (const tensor of tensors) {
      const end = dataStart + tensor.offset + (tensor.bytes ?? 0);
      if (end > stat.size) {
        throw new GgufFormatError(`tensor ${tensor.name} ends at byte ${end} but the file has ${stat.size} bytes (truncated?)`);
      }
    }
    return { version, tensorCount, kvCount, name, sizeBytes: stat.size };
  } finally {
    await handle.close();
  }
}
