// In-place edits of a generated model's metadata, for tests that need an odd or broken model of the same layout.
import { GgufValueType } from '../../assistant/gguf/format';

/** Sets the UINT32 metadata value of `key` in GGUF bytes `data` (a key is followed by its value type, then its value). */
export function setU32(data: Buffer, key: string, value: number): Buffer {
  const name = Buffer.from(key);
  const at = data.indexOf(name);
  if (at < 0 || data.readUInt32LE(at + name.length) !== GgufValueType.Uint32) throw new Error(`no UINT32 ${key} key`);
  data.writeUInt32LE(value, at + name.length + 4);
  return data;
}

/** The UINT32 metadata value of `key` in GGUF bytes `data` (the start of the file is enough: the metadata comes first). */
export function getU32(data: Buffer, key: string): number {
  const name = Buffer.from(key);
  const at = data.indexOf(name);
  if (at < 0 || data.readUInt32LE(at + name.length) !== GgufValueType.Uint32) throw new Error(`no UINT32 ${key} key`);
  return data.readUInt32LE(at + name.length + 4);
}
