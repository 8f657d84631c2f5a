import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GgmlType } from '../../../../assistant/gguf/format';
import { GgufFormatError, readGgufHeader } from '../../../../assistant/gguf/header';
import { generateModel } from '../../../../tools/gguf-fixtures/model';
import { GgufWriter } from '../../../../tools/gguf-fixtures/writer';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-gguf-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const model = generateModel(path.join(dir, 'tiny.gguf'), { seed: 2, name: 'tiny-test' });

describe('readGgufHeader', () => {
  it('summarizes a model', async () => {
    expect(await readGgufHeader(model.path)).toEqual({ version: 3, tensorCount: 2 + 9 * model.shape.nLayer, kvCount: expect.any(Number), name: 'tiny-test', sizeBytes: model.bytes });
  });

  it('refuses a file cut inside its vocabulary, and one that is no GGUF', async () => {
    const cut = path.join(dir, 'cut.gguf');
    // The tiny model's token strings start within its first kilobyte and run past 2 KB.
    fs.writeFileSync(cut, fs.readFileSync(model.path).subarray(0, 2048));
    await expect(readGgufHeader(cut)).rejects.toThrow(new GgufFormatError('the file ends inside its header (truncated?)'));
    const text = path.join(dir, 'notes.gguf');
    fs.writeFileSync(text, 'just some notes, long enough to be a header');
    await expect(readGgufHeader(text)).rejects.toThrow(/does not start with the GGUF magic/);
  });

  it('sizes tensors with ggml type table: a Q8_0 row that is not whole blocks is refused', async () => {
    const file = path.join(dir, 'rows.gguf');
    new GgufWriter().tensor('qtensor', [32, 2], GgmlType.Q8_0, (write) => write(new Uint8Array(68))).write(file);
    const data = fs.readFileSync(file);
    // After the tensor's name: its number of dimensions (u32), then dims[0] (u64).
    const at = data.indexOf(Buffer.from('qtensor')) + 'qtensor'.length + 4;
    expect(data.readBigUInt64LE(at)).toBe(32n);
    data.writeBigUInt64LE(48n, at);
    fs.writeFileSync(file, data);
    await expect(readGgufHeader(file)).rejects.toThrow(/^tensor qtensor: ggml type 8 needs rows divisible by 32 \(got 48\)$/);
  });
});
