import * as fs from 'node:fs/promises';

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

/** [elements per block, bytes per block] of ggml tensor types; types missing here are not size-checked. */
const BLOCKS: Record<number, readonly [number, number]> = {
  0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 36],
  10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
  24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8], 30: [1, 2],
};

/** GGUF metadata value types: fixed sizes by type id, 8 = string, 9 = array. */
const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;

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
}

async function skipValue(reader: FileReader, type: number): Promise<void> {
  if (type === STRING) {
    const length = await reader.u64();
    await reader.skip(length);
  } else if (type === ARRAY) {
    const itemType = await reader.u32();
    const count = await reader.u64();
    if (itemType === ARRAY) throw new GgufFormatError('nested metadata arrays are not supported');
    const size = SCALAR_SIZE[itemType];
    if (size !== undefined) await reader.skip(size * count);
    else if (itemType === STRING) for (let i = 0; i < count; i++) await skipValue(reader, STRING);
    else throw new GgufFormatError(`unknown metadata array type ${itemType}`);
  } else {
    const size = SCALAR_SIZE[type];
    if (size === undefined) throw new GgufFormatError(`unknown metadata value type ${type}`);
    await reader.skip(size);
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
    const magic = (await handle.read(Buffer.alloc(4), 0, 4, 0)).buffer.toString('latin1');
    if (magic !== 'GGUF') throw new GgufFormatError('it does not start with the GGUF magic bytes (not a GGUF model file)');
    if (stat.size < 24) throw new GgufFormatError(`it is only ${stat.size} bytes, too short for a GGUF header`);
    await reader.skip(4);
    const version = await reader.u32();
    if (version !== 2 && version !== 3) throw new GgufFormatError(`GGUF version ${version} is not supported (2 or 3)`);
    const tensorCount = await reader.u64();
    const kvCount = await reader.u64();
    if (tensorCount === 0) throw new GgufFormatError('it has no tensors (a vocabulary-only file, not a model)');
    if (tensorCount > MAX_TENSORS) throw new GgufFormatError(`it claims ${tensorCount} tensors, more than any model has`);
    if (kvCount > MAX_KVS) throw new GgufFormatError(`it claims ${kvCount} metadata keys, more than any model has`);

    let name: string | null = null;
    let alignment = 32;
    for (let i = 0; i < kvCount; i++) {
      const key = await reader.string();
      const type = await reader.u32();
      if (key === 'general.name' && type === STRING) name = await reader.string();
      else if (key === 'general.alignment' && type === 4) alignment = await reader.u32();
      else await skipValue(reader, type);
    }
    if (alignment === 0 || alignment % 8 !== 0) throw new GgufFormatError(`general.alignment ${alignment} is not a multiple of 8`);

    const tensors: { name: string; offset: number; bytes: number | null }[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const tensorName = await reader.string();
      const nDims = await reader.u32();
      if (nDims === 0 || nDims > MAX_DIMS) throw new GgufFormatError(`tensor ${tensorName} has ${nDims} dimensions`);
      let elements = 1;
      for (let d = 0; d < nDims; d++) elements *= await reader.u64();
      const type = await reader.u32();
      const offset = await reader.u64();
      const block = BLOCKS[type];
      tensors.push({ name: tensorName, offset, bytes: block ? Math.ceil(elements / block[0]) * block[1] : null });
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
