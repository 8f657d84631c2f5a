import { open, readFile, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { MAX_OUTPUT_BYTES, OutputWriter, TRUNCATION_NOTICE } from '../../../main/storage/outputWriter';
import { WorkspaceStore } from '../../../main/storage/workspaceStore';
import { useTempDirs } from './tempDirs';

const tempDir = useTempDirs();

async function storeWithJournal(maxOutputBytes?: number) {
  const store = new WorkspaceStore(await tempDir(), { maxOutputBytes });
  const { journal } = await store.createJournal('Outputs');
  return { store, id: journal.id };
}

describe('cell outputs in the store', () => {
  it('writes outputs/<cellId>.log and reads it back', async () => {
    const { store, id } = await storeWithJournal();
    const output = await store.openOutput(id, 'c1');
    output.write('\x1b[32mhello\x1b[0m\r\n');
    output.write('wörld\r\n');
    expect(await output.close()).toEqual({ bytes: 24, truncated: false });
    const path = join(dirname(store.journalPath(id)), 'outputs', 'c1.log');
    expect(await readFile(path, 'utf8')).toBe('\x1b[32mhello\x1b[0m\r\nwörld\r\n');
    expect(await store.readOutput(id, 'c1')).toEqual({ output: '\x1b[32mhello\x1b[0m\r\nwörld\r\n', truncated: false });
  });

  it('replaces the previous run of the same cell', async () => {
    const { store, id } = await storeWithJournal();
    const first = await store.openOutput(id, 'c1');
    first.write('a long first run\n');
    await first.close();
    const second = await store.openOutput(id, 'c1');
    second.write('short\n');
    await second.close();
    expect((await store.readOutput(id, 'c1'))?.output).toBe('short\n');
  });

  it('reads null for a cell with no output, and deletes quietly', async () => {
    const { store, id } = await storeWithJournal();
    expect(await store.readOutput(id, 'c1')).toBeNull();
    await (await store.openOutput(id, 'c1')).close();
    await store.deleteOutput(id, 'c1');
    await store.deleteOutput(id, 'c1');
    expect(await store.readOutput(id, 'c1')).toBeNull();
  });

  it('marks outputs as generated raw bytes for git, without overwriting the user\'s own attributes', async () => {
    const { store, id } = await storeWithJournal();
    await (await store.openOutput(id, 'c1')).close();
    const attributes = join(dirname(store.journalPath(id)), 'outputs', '.gitattributes');
    expect(await readFile(attributes, 'utf8')).toMatch(/^\*\.log -text -diff linguist-generated$/m);
    await writeFile(attributes, '*.log diff\n');
    await (await store.openOutput(id, 'c2')).close();
    expect(await readFile(attributes, 'utf8')).toBe('*.log diff\n');
  });

  it('keeps the head up to the cap, appends a notice once, and reports the truncation', async () => {
    const { store, id } = await storeWithJournal(10);
    const output = await store.openOutput(id, 'c1');
    output.write('abcdef');
    output.write('ghijkl');
    output.write('more');
    expect(await output.close()).toEqual({ bytes: 10, truncated: true });
    expect(await store.readOutput(id, 'c1')).toEqual({ output: `abcdefghij${TRUNCATION_NOTICE}`, truncated: true });
  });

  it('never cuts a character in half at the cap', async () => {
    const { store, id } = await storeWithJournal(5);
    const output = await store.openOutput(id, 'c1');
    output.write('aé€'); // 1 + 2 + 3 bytes: the euro sign does not fit
    expect(await output.close()).toEqual({ bytes: 3, truncated: true });
    expect((await store.readOutput(id, 'c1'))?.output).toBe(`aé${TRUNCATION_NOTICE}`);
  });

  it('caps a cell at 50 MiB by default', async () => {
    const { store, id } = await storeWithJournal();
    const output = await store.openOutput(id, 'c1');
    const chunk = 'y\n'.repeat(512 * 1024); // 1 MiB
    for (let i = 0; i < 51; i++) output.write(chunk);
    expect(await output.close()).toEqual({ bytes: MAX_OUTPUT_BYTES, truncated: true });
    const path = join(dirname(store.journalPath(id)), 'outputs', 'c1.log');
    expect((await stat(path)).size).toBe(MAX_OUTPUT_BYTES + Buffer.byteLength(TRUNCATION_NOTICE));
  });
});

describe('OutputWriter', () => {
  async function writerOnFile() {
    const path = join(await tempDir(), 'out.log');
    const handle = await open(path, 'w');
    return { path, handle, writer: new OutputWriter(handle, path) };
  }

  it('buffers writes and flushes them together in the background, before close', async () => {
    const { path, handle, writer } = await writerOnFile();
    const writeFileSpy = vi.spyOn(handle, 'writeFile');
    for (let i = 0; i < 1000; i++) writer.write(`${i}\n`);
    expect(writeFileSpy).not.toHaveBeenCalled();
    const expected = Array.from({ length: 1000 }, (_, i) => `${i}\n`).join('');
    await vi.waitFor(async () => expect(await readFile(path, 'utf8')).toBe(expected), { timeout: 2000 });
    expect(writeFileSpy).toHaveBeenCalledTimes(1);
    writer.write('last\n');
    await writer.close();
    expect(await readFile(path, 'utf8')).toBe(`${expected}last\n`);
  });

  it('ignores data that arrives after close', async () => {
    const { path, writer } = await writerOnFile();
    writer.write('kept');
    await writer.close();
    writer.write('late');
    expect(await writer.close()).toEqual({ bytes: 4, truncated: false });
    expect(await readFile(path, 'utf8')).toBe('kept');
  });

  it('flushes again after a slow write, with what arrived meanwhile', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const written: string[] = [];
    const handle = {
      writeFile: vi.fn(async (text: string) => {
        written.push(text);
        if (written.length === 1) await gate;
      }),
      sync: vi.fn(async () => undefined),
      close: vi.fn(async () => undefined),
    };
    const writer = new OutputWriter(handle as unknown as FileHandle, '/slow.log');
    writer.write('first ');
    await vi.waitFor(() => expect(written).toEqual(['first ']));
    writer.write('second');
    release();
    await vi.waitFor(() => expect(written).toEqual(['first ', 'second']));
    expect(handle.close).not.toHaveBeenCalled();
    await writer.close();
  });

  it('reports a failed write from close, and still closes the file', async () => {
    const failure = new Error('disk full');
    const handle = {
      writeFile: vi.fn(async () => {
        throw failure;
      }),
      sync: vi.fn(async () => undefined),
      close: vi.fn(async () => undefined),
    };
    const writer = new OutputWriter(handle as unknown as FileHandle, '/nowhere.log');
    writer.write('lost');
    await vi.waitFor(() => expect(handle.writeFile).toHaveBeenCalled());
    writer.write('dropped after the failure');
    await expect(writer.close()).rejects.toBe(failure);
    expect(handle.writeFile).toHaveBeenCalledTimes(1);
    expect(handle.close).toHaveBeenCalled();
  });
});
