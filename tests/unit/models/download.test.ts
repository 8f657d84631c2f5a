import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateModel } from '../../../tools/gguf-fixtures/model';
import type { DownloadState, RecommendedModel } from '../../../app/completion/schemas';
import { ModelManager } from '../../../main/models/modelManager';
import { PROGRESS_INTERVAL_MS } from '../../../main/models/modelDownload';
import { useTempDirs } from '../storage/tempDirs';
import { startModelServer, type ModelServer, type ModelServerOptions } from './modelServer';

const tempDir = useTempDirs();
const servers: ModelServer[] = [];
const managers: ModelManager[] = [];

afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.dispose()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const ID = 'tiny-coder';

async function tinyModelBytes(): Promise<Buffer> {
  const path = join(await tempDir(), 'source.gguf');
  generateModel(path, { preset: 'tiny', seed: 7 });
  return fs.readFile(path);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A manager whose one recommended model is served by a local server; `sha256: undefined` means the right checksum. */
async function setup(server: Omit<ModelServerOptions, 'body'> & { body?: Buffer } = {}, checksum?: string | null) {
  const body = server.body ?? (await tinyModelBytes());
  const running = await startModelServer({ ...server, body });
  servers.push(running);
  const userDataDir = await tempDir();
  const events: DownloadState[] = [];
  const recommended: RecommendedModel = {
    id: ID, name: 'Tiny Coder', url: running.url, sizeBytes: body.length, sha256: checksum === undefined ? sha256(body) : checksum, note: 'for tests',
  };
  const create = async () => {
    const manager = await ModelManager.create({
      userDataDir, commandLineModel: null, bundledModel: null, recommended: [recommended],
      emit: (event, payload) => {
        if (event === 'models.download') events.push(payload as DownloadState);
      },
    });
    managers.push(manager);
    return manager;
  };
  return { body, server: running, userDataDir, events, create, manager: await create(), finalPath: join(userDataDir, 'models', `${ID}.gguf`) };
}

async function until(events: DownloadState[], predicate: (state: DownloadState) => boolean): Promise<DownloadState> {
  return vi.waitFor(() => {
    const found = events.find(predicate);
    if (!found) throw new Error(`no such event yet; got ${JSON.stringify(events.map((e) => [e.state, e.downloadedBytes]))}`);
    return found;
  }, { timeout: 10_000, interval: 10 });
}

async function exists(path: string): Promise<boolean> {
  return fs.stat(path).then(() => true, () => false);
}

describe('model downloads', () => {
  it('downloads, verifies and installs a recommended model, which becomes the active one', async () => {
    const { manager, events, body, finalPath } = await setup();

    const started = await manager.handlers['models.download']({ recommendedId: ID });
    expect(started).toMatchObject({ id: ID, name: 'Tiny Coder', state: 'downloading', error: null });
    await until(events, (e) => e.state === 'done');

    expect(events.map((e) => e.state).filter((s, i, all) => s !== all[i - 1])).toEqual(['downloading', 'verifying', 'done']);
    expect(events.at(-1)).toMatchObject({ downloadedBytes: body.length, totalBytes: body.length });
    expect(sha256(await fs.readFile(finalPath))).toBe(sha256(body));
    expect(await exists(`${finalPath}.part`)).toBe(false);
    const catalog = await manager.handlers['models.list']({});
    expect(catalog.installed).toEqual([{ id: ID, name: 'Tiny Coder', path: finalPath, sizeBytes: body.length, origin: 'downloaded' }]);
    expect(catalog.downloads).toEqual([]);
    expect(manager.activeModel()?.path).toBe(finalPath);
    await expect(manager.handlers['models.download']({ recommendedId: ID })).rejects.toThrow('Tiny Coder is already installed.');
  });

  it('reports progress as it goes, at most about four times a second', async () => {
    const { manager, events, body } = await setup({ dripMs: 10 });
    const startedAt = Date.now();
    await manager.handlers['models.download']({ recommendedId: ID });
    await until(events, (e) => e.state === 'done');
    const elapsed = Date.now() - startedAt;

    const progress = events.filter((e) => e.state === 'downloading' && e.downloadedBytes > 0 && e.downloadedBytes < body.length);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(elapsed / PROGRESS_INTERVAL_MS) + 2);
    const sizes = progress.map((e) => e.downloadedBytes);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(progress.every((e) => e.totalBytes === body.length)).toBe(true);
  });

  it('pause keeps the partial file; resume asks for the rest with a Range request and completes with the right bytes', async () => {
    const { manager, events, body, server, finalPath } = await setup({ stallAfter: 600_000 });
    await manager.handlers['models.download']({ recommendedId: ID });
    await until(events, (e) => e.downloadedBytes === 600_000);

    const paused = await manager.handlers['models.pause']({ id: ID });

    expect(paused).toMatchObject({ state: 'paused', downloadedBytes: 600_000, totalBytes: body.length });
    expect((await fs.stat(`${finalPath}.part`)).size).toBe(600_000);
    expect((await manager.handlers['models.list']({})).downloads).toEqual([paused]);

    expect((await manager.handlers['models.resume']({ id: ID })).state).toBe('downloading');
    await until(events, (e) => e.state === 'done');

    expect(server.ranges).toEqual([null, 'bytes=600000-']);
    expect(sha256(await fs.readFile(finalPath))).toBe(sha256(body));
  });

  it('a paused download survives a restart of the app and resumes from its partial file', async () => {
    const { manager, events, body, server, create, finalPath } = await setup({ stallAfter: 300_000 });
    await manager.handlers['models.download']({ recommendedId: ID });
    await until(events, (e) => e.downloadedBytes === 300_000);
    await manager.dispose();

    const again = await create();
    const [restored] = (await again.handlers['models.list']({})).downloads;
    expect(restored).toMatchObject({ id: ID, state: 'paused', downloadedBytes: 300_000 });
    await again.handlers['models.resume']({ id: ID });
    await until(events, (e) => e.state === 'done');

    expect(server.ranges).toEqual([null, 'bytes=300000-']);
    expect(sha256(await fs.readFile(finalPath))).toBe(sha256(body));
  });

  it('a server that ignores Range sends the whole file again, and the download starts over correctly', async () => {
    const { manager, events, body, finalPath } = await setup({ stallAfter: 200_000, ignoreRange: true });
    await manager.handlers['models.download']({ recommendedId: ID });
    await until(events, (e) => e.downloadedBytes === 200_000);
    await manager.handlers['models.pause']({ id: ID });
    await manager.handlers['models.resume']({ id: ID });
    await until(events, (e) => e.state === 'done');
    expect(sha256(await fs.readFile(finalPath))).toBe(sha256(body));
  });

  it('cancel stops the download and deletes the partial file', async () => {
    const { manager, events, userDataDir, finalPath } = await setup({ stallAfter: 400_000 });
    await manager.handlers['models.download']({ recommendedId: ID });
    await until(events, (e) => e.downloadedBytes === 400_000);

    const cancelled = await manager.handlers['models.cancel']({ id: ID });

    expect(cancelled).toMatchObject({ state: 'cancelled', downloadedBytes: 0 });
    expect(await exists(`${finalPath}.part`)).toBe(false);
    expect(await fs.readdir(join(userDataDir, 'models'))).toEqual([]);
    const catalog = await manager.handlers['models.list']({});
    expect(catalog.downloads).toEqual([]);
    expect(catalog.installed).toEqual([]);
  });

  it('cancel of a paused download deletes its partial file', async () => {
    const { manager, events, finalPath } = await setup({ stallAfter: 100_000 });
    await manager.handlers['models.download']({ recommendedId: ID });
    await until(events, (e) => e.downloadedBytes === 100_000);
    await manager.handlers['models.pause']({ id: ID });
    expect(await exists(`${finalPath}.part`)).toBe(true);

    expect((await manager.handlers['models.cancel']({ id: ID })).state).toBe('cancelled');
    expect(await exists(`${finalPath}.part`)).toBe(false);
  });

  it('a checksum mismatch fails the download clearly and deletes the file', async () => {
    const wrong = 'ab'.repeat(32);
    const { manager, events, body, userDataDir } = await setup({}, wrong);
    await manager.handlers['models.download']({ recommendedId: ID });
    const failed = await until(events, (e) => e.state === 'failed');

    expect(failed.error).toBe(`Downloading Tiny Coder failed: checksum mismatch (expected SHA-256 ${wrong}, got ${sha256(body)}); the file was deleted`);
    expect(await fs.readdir(join(userDataDir, 'models'))).toEqual([]);
    expect((await manager.handlers['models.list']({})).installed).toEqual([]);
    expect(manager.activeModel()).toBeNull();
  });

  it('without a known checksum the download is still checked as GGUF: a served text file fails and is deleted', async () => {
    const { manager, events, userDataDir } = await setup({ body: Buffer.from('<html>Sign in to download</html>\n'.repeat(10)) }, null);
    await manager.handlers['models.download']({ recommendedId: ID });
    const failed = await until(events, (e) => e.state === 'failed');
    expect(failed.error).toBe('Downloading Tiny Coder failed: the file is not a usable GGUF model (it does not start with the GGUF magic bytes (not a GGUF model file)); it was deleted');
    expect(await fs.readdir(join(userDataDir, 'models'))).toEqual([]);
  });

  it.each([404, 500])('a server answering %i fails with the status and the URL', async (status) => {
    const { manager, events, server } = await setup({ status });
    await manager.handlers['models.download']({ recommendedId: ID });
    const failed = await until(events, (e) => e.state === 'failed');
    const reason = status === 404 ? 'Not Found' : 'Internal Server Error';
    expect(failed.error).toBe(`Downloading Tiny Coder failed: the server answered ${status} ${reason} for ${server.url}`);
    expect((await manager.handlers['models.list']({})).downloads).toEqual([failed]);
  });

  it('an unreachable server fails with the connection error, and resume tries again', async () => {
    const { manager, events, server } = await setup();
    await server.close();
    await manager.handlers['models.download']({ recommendedId: ID });
    const failed = await until(events, (e) => e.state === 'failed');
    expect(failed.error).toMatch(/^Downloading Tiny Coder failed: the connection to 127\.0\.0\.1:\d+ failed \(ECONNREFUSED\); resume to try again$/);
    expect((await manager.handlers['models.resume']({ id: ID })).state).toBe('downloading');
  });

  it('pause, resume and cancel of a download that does not exist fail clearly', async () => {
    const { manager } = await setup();
    await expect(manager.handlers['models.pause']({ id: 'nope' })).rejects.toThrow('No download of nope is in progress.');
    await expect(manager.handlers['models.download']({ recommendedId: 'nope' })).rejects.toThrow('No recommended model has the id nope.');
  });
});

describe('model downloads: broken connections and servers', () => {
  it('a dropped connection fails the download, keeps the partial file, and resume continues from it', async () => {
    const { manager, events, body, server, finalPath } = await setup({ dropAfter: 500_000 });
    await manager.handlers['models.download']({ recommendedId: ID });
    const failed = await until(events, (e) => e.state === 'failed');
    expect(failed.error).toMatch(/^Downloading Tiny Coder failed: the connection to 127\.0\.0\.1:\d+ failed \(.+\); resume to try again$/);
    const partial = (await fs.stat(`${finalPath}.part`)).size;
    expect(partial).toBe(500_000);

    await manager.handlers['models.resume']({ id: ID });
    await until(events, (e) => e.state === 'done');
    expect(server.ranges).toEqual([null, `bytes=${partial}-`]);
    expect(sha256(await fs.readFile(finalPath))).toBe(sha256(body));
  });

  it('a server resuming at the wrong byte fails clearly and the next resume starts over', async () => {
    const { manager, events, body, server, finalPath } = await setup({ stallAfter: 100_000, shiftRange: -10 });
    await manager.handlers['models.download']({ recommendedId: ID });
    await until(events, (e) => e.downloadedBytes === 100_000);
    await manager.handlers['models.pause']({ id: ID });
    await manager.handlers['models.resume']({ id: ID });
    const failed = await until(events, (e) => e.state === 'failed');
    expect(failed.error).toBe('Downloading Tiny Coder failed: the server resumed at byte 99990 instead of 100000; resuming will start over');
    expect(await exists(`${finalPath}.part`)).toBe(false);

    await manager.handlers['models.resume']({ id: ID });
    await until(events, (e) => e.state === 'done');
    expect(server.ranges).toEqual([null, 'bytes=100000-', null]);
    expect(sha256(await fs.readFile(finalPath))).toBe(sha256(body));
  });

  it('a partial file the server cannot continue (416) is dropped, and the next resume starts over', async () => {
    const body = await tinyModelBytes();
    const { userDataDir, create, server, events } = await setup({ body });
    const modelsDir = join(userDataDir, 'models');
    await fs.mkdir(modelsDir, { recursive: true });
    await fs.writeFile(join(modelsDir, `${ID}.gguf.part`), Buffer.alloc(body.length + 10));
    const manager = await create();
    expect((await manager.handlers['models.list']({})).downloads).toEqual([expect.objectContaining({ state: 'paused', downloadedBytes: body.length + 10 })]);

    await manager.handlers['models.resume']({ id: ID });
    const failed = await until(events, (e) => e.state === 'failed');
    expect(failed.error).toBe('Downloading Tiny Coder failed: the server could not continue the partial download; resuming will start over');
    await manager.handlers['models.resume']({ id: ID });
    await until(events, (e) => e.state === 'done');
    expect(server.ranges).toEqual([`bytes=${body.length + 10}-`, null]);
  });

  it('removing a downloaded model deletes its file', async () => {
    const { manager, events, finalPath } = await setup();
    await manager.handlers['models.download']({ recommendedId: ID });
    await until(events, (e) => e.state === 'done');
    const catalog = await manager.handlers['models.remove']({ id: ID });
    expect(catalog.installed).toEqual([]);
    expect(manager.activeModel()).toBeNull();
    expect(await exists(finalPath)).toBe(false);
  });
});

describe('model downloads: short answers', () => {
  it('an answer that ends before the whole file fails without installing, and keeps what came for the next resume', async () => {
    const { manager, events, body, server, finalPath } = await setup({ stallAfter: 100_000, shortRange: 50_000 });
    await manager.handlers['models.download']({ recommendedId: ID });
    await until(events, (e) => e.downloadedBytes === 100_000);
    await manager.handlers['models.pause']({ id: ID });
    await manager.handlers['models.resume']({ id: ID });
    const failed = await until(events, (e) => e.state === 'failed');
    expect(failed.error).toBe(`Downloading Tiny Coder failed: the connection ended after 150000 of ${body.length} bytes; resume to continue`);
    expect((await fs.stat(`${finalPath}.part`)).size).toBe(150_000);
    expect(await exists(finalPath)).toBe(false);
    expect(server.ranges).toEqual([null, 'bytes=100000-']);
  });
});
