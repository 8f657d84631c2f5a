// The GGUF file format, written once: magic, versions, metadata value types and ggml tensor type sizes.
// Spec: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (types from ggml.h).

/** "GGUF" read as a little-endian u32: the file's first four bytes. */
export const GGUF_MAGIC = 0x46554747;
/** Versions llama.cpp reads; the writer writes the last. */
export const GGUF_VERSIONS = [2, 3] as const;
/** Tensor data alignment when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Metadata value types (gguf_type). */
export enum GgufValueType {
  Uint8 = 0,
  Int8 = 1,
  Uint16 = 2,
  Int16 = 3,
  Uint32 = 4,
  Int32 = 5,
  Float32 = 6,
  Bool = 7,
  String = 8,
  Array = 9,
  Uint64 = 10,
  Int64 = 11,
  Float64 = 12,
}

/** Bytes of each fixed-size metadata value type (strings and arrays have a length prefix instead). */
export const GGUF_SCALAR_BYTES: Readonly<Partial<Record<GgufValueType, number>>> = {
  [GgufValueType.Uint8]: 1, [GgufValueType.Int8]: 1, [GgufValueType.Uint16]: 2, [GgufValueType.Int16]: 2,
  [GgufValueType.Uint32]: 4, [GgufValueType.Int32]: 4, [GgufValueType.Float32]: 4, [GgufValueType.Bool]: 1,
  [GgufValueType.Uint64]: 8, [GgufValueType.Int64]: 8, [GgufValueType.Float64]: 8,
};

/** ggml tensor types (ggml_type ids) that Steerway writes by name. */
export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q8_0 = 8,
}

/**
 * [elements per block, bytes per block] of ggml tensor types by id (ggml's type_traits). A type missing here
 * cannot be sized: the header reader does not size-check its tensors.
 */
export const GGML_BLOCKS: Readonly<Record<number, readonly [elements: number, bytes: number]>> = {
  [GgmlType.F32]: [1, 4], [GgmlType.F16]: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24],
  [GgmlType.Q8_0]: [32, 34], 9: [32, 36], 10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176],
  14: [256, 210], 15: [256, 292], 24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8], 30: [1, 2],
};

export class GgmlSizeError extends Error {
  override readonly name = 'GgmlSizeError';
}

/** Bytes of a tensor of ggml `type` with `dims` (ggml order, dims[0] the row); rows must fill whole blocks. */
export function tensorByteSize(type: number, dims: readonly number[]): number {
  const block = GGML_BLOCKS[type];
  if (!block) throw new GgmlSizeError(`ggml type ${type} has no known size`);
  const [elements, bytes] = block;
  if ((dims[0] ?? 1) % elements !== 0) throw new GgmlSizeError(`ggml type ${type} needs rows divisible by ${elements} (got ${dims[0]})`);
  return (dims.reduce((a, b) => a * b, 1) / elements) * bytes;
}
