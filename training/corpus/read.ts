// Reads corpus.jsonl record by record, without holding the whole file.
import fs from 'node:fs';
import type { CorpusRecord, Split } from './corpus';

export class CorpusReadError extends Error {
  override readonly name = 'CorpusReadError';
}

const CHUNK = 1 << 20;

/** Each line of a JSONL file as a Buffer slice (a line may span chunks; UTF-8 is decoded per line). */
function* lines(file: string): Generator<Buffer> {
  const fd = fs.openSync(file, 'r');
  try {
    let carry = Buffer.alloc(0);
    const chunk = Buffer.alloc(CHUNK);
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, CHUNK, null);
      if (n === 0) break;
      const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : Buffer.from(chunk.subarray(0, n));
      let start = 0;
      for (let i = buf.indexOf(10, start); i !== -1; i = buf.indexOf(10, start)) {
        if (i > start) yield buf.subarray(start, i);
        start = i + 1;
      }
      carry = buf.subarray(start);
    }
    if (carry.length) yield carry;
  } finally {
    fs.closeSync(fd);
  }
}

function check(value: unknown, line: number): CorpusRecord {
  const r = value as Partial<CorpusRecord> | null;
  if (!r || typeof r.package !== 'string' || typeof r.path !== 'string' || typeof r.text !== 'string' || (r.split !== 'train' && r.split !== 'eval')) {
    throw new CorpusReadError(`corpus line ${line} is not a corpus record`);
  }
  return r as CorpusRecord;
}

/** The records of `file`, optionally of one split only. */
export function* readCorpus(file: string, split?: Split): Generator<CorpusRecord> {
  if (!fs.existsSync(file)) throw new CorpusReadError(`no corpus at ${file}`);
  let n = 0;
  for (const line of lines(file)) {
    n++;
    let value: unknown;
    try {
      value = JSON.parse(line.toString('utf8'));
    } catch {
      throw new CorpusReadError(`corpus line ${n} is not JSON`);
    }
    const record = check(value, n);
    if (!split || record.split === split) yield record;
  }
}
