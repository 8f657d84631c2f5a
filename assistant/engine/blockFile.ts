// On-disk KV block: our own header around llama.cpp's sequence state. llama.cpp's loader checks shapes
// only, so everything here is verified before a byte of the payload reaches it.
import { createHash } from 'node:crypto';

export const BLOCK_MAGIC = Buffer.from('SWKVBLK\0', 'latin1');
export const BLOCK_FORMAT_VERSION = 1;

export interface BlockHeader {
  key: string;
  /** sha256 of the model file. */
  model: string;
  /** KV layout signature (cache types, attention layout, model widths). */
  layout: string;
  tokenCount: number;
  payloadBytes: number;
  sha256: string;
}

/** Why a block file was deleted: a check here failed, or (`state-refused`) llama.cpp refused or misplaced its state. */
export type BlockRejection =
  | 'truncated'
  | 'bad-magic'
  | 'wrong-version'
  | 'bad-header'
  | 'foreign-model'
  | 'foreign-layout'
  | 'wrong-key'
  | 'wrong-token-count'
  | 'checksum'
  | 'state-refused';

export class BlockFileError extends Error {
  override readonly name = 'BlockFileError';
  constructor(readonly reason: BlockRejection) {
    super(`KV block file rejected: ${reason}`);
  }
}

export const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

export function encodeBlockFile(header: Omit<BlockHeader, 'payloadBytes' | 'sha256'>, payload: Uint8Array): Buffer {
  const full: BlockHeader = { ...header, payloadBytes: payload.length, sha256: sha256(payload) };
  const json = Buffer.from(JSON.stringify(full), 'utf8');
  const fixed = Buffer.alloc(16);
  BLOCK_MAGIC.copy(fixed, 0);
  fixed.writeUInt32LE(BLOCK_FORMAT_VERSION, 8);
  fixed.writeUInt32LE(json.length, 12);
  return Buffer.concat([fixed, json, payload]);
}

export interface BlockExpectation {
  key: string;
  model: string;
  layout: string;
  tokenCount: number;
}

/** The payload of a block file after every check; throws BlockFileError naming the first that failed. */
export function decodeBlockFile(file: Buffer, expect: BlockExpectation): Buffer {
  if (file.length < 16) throw new BlockFileError('truncated');
  if (!file.subarray(0, 8).equals(BLOCK_MAGIC)) throw new BlockFileError('bad-magic');
  if (file.readUInt32LE(8) !== BLOCK_FORMAT_VERSION) throw new BlockFileError('wrong-version');
  const jsonLength = file.readUInt32LE(12);
  if (16 + jsonLength > file.length) throw new BlockFileError('truncated');
  let header: BlockHeader;
  try {
    header = JSON.parse(file.subarray(16, 16 + jsonLength).toString('utf8')) as BlockHeader;
  } catch {
    throw new BlockFileError('bad-header');
  }
  if (typeof header !== 'object' || header === null || typeof header.payloadBytes !== 'number' || typeof header.sha256 !== 'string') {
    throw new BlockFileError('bad-header');
  }
  if (header.model !== expect.model) throw new BlockFileError('foreign-model');
  if (header.layout !== expect.layout) throw new BlockFileError('foreign-layout');
  if (header.key !== expect.key) throw new BlockFileError('wrong-key');
  if (header.tokenCount !== expect.tokenCount) throw new BlockFileError('wrong-token-count');
  const payload = file.subarray(16 + jsonLength);
  if (payload.length !== header.payloadBytes) throw new BlockFileError('truncated');
  if (sha256(payload) !== header.sha256) throw new BlockFileError('checksum');
  return payload;
}
