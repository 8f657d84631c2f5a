// The remote engine's settings: validated, saved owner-only, and the token never handed to the renderer.
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calls } from '../../../app/ipc/contract';
import { ModelManager } from '../../../main/models/modelManager';
import { useTempDirs } from '../storage/tempDirs';

const tempDir = useTempDirs();

async function setup() {
  const userDataDir = await tempDir();
  const create = () => ModelManager.create({ userDataDir, commandLineModel: null, bundledModel: null, emit: () => undefined, recommended: [], warn: () => undefined });
  return { userDataDir, create };
}

const server = { kind: 'llama.cpp', url: 'http://gpu-box:8080', model: null } as const;

describe('ModelManager: remote engine settings', () => {
  it('keeps the token in main and settings.json (0600), and shows the renderer only that one is set', async () => {
    const { userDataDir, create } = await setup();
    const manager = await create();
    const view = await manager.handlers['settings.update']({ engine: { ...server, token: 's3cret' } });
    expect(view.engine).toEqual({ ...server, tokenSet: true });
    expect(JSON.stringify(view)).not.toContain('s3cret');
    expect(JSON.stringify(await manager.handlers['settings.get']({}))).not.toContain('s3cret');
    // The contract's output schema agrees: a view with the token in it would not pass as one.
    expect(calls['settings.get'].output.parse({ ...view, engine: { ...server, token: 's3cret', tokenSet: true } }).engine).not.toHaveProperty('token');
    expect(manager.settings().engine).toEqual({ ...server, token: 's3cret' });
    const file = join(userDataDir, 'settings.json');
    expect(JSON.parse(await fs.readFile(file, 'utf8')).engine.token).toBe('s3cret');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await create()).settings().engine).toEqual({ ...server, token: 's3cret' });
  });

  it('a settings.json readable by others becomes owner-only on the next save', async () => {
    const { userDataDir, create } = await setup();
    const file = join(userDataDir, 'settings.json');
    await fs.writeFile(file, JSON.stringify({ mode: 'full' }), { mode: 0o644 });
    await fs.chmod(file, 0o644);
    await (await create()).handlers['settings.update']({ maxTokens: 20 });
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
  });

  it('an absent token is kept for the same server, dropped for another origin; null removes it', async () => {
    const { create } = await setup();
    const manager = await create();
    await manager.handlers['settings.update']({ engine: { ...server, token: 's3cret' } });
    await manager.handlers['settings.update']({ engine: { ...server, url: 'http://gpu-box:8080/team/', kind: 'llama.cpp' } });
    expect(manager.settings().engine).toMatchObject({ url: 'http://gpu-box:8080/team/', token: 's3cret' });
    const moved = await manager.handlers['settings.update']({ engine: { ...server, url: 'http://elsewhere:8080' } });
    expect(moved.engine).toMatchObject({ url: 'http://elsewhere:8080', tokenSet: false });
    expect(manager.settings().engine).toMatchObject({ token: null });
    await manager.handlers['settings.update']({ engine: { ...server, token: 'again' } });
    await manager.handlers['settings.update']({ engine: { ...server, token: null } });
    expect(manager.settings().engine).toMatchObject({ token: null });
  });

  it('the contract refuses a URL that is not http(s) or carries credentials, and an unknown engine kind', () => {
    const input = calls['settings.update'].input;
    expect(input.safeParse({ engine: { ...server, url: 'file:///etc/passwd' } }).error?.issues[0]?.message).toBe('The server URL must start with http:// or https://.');
    expect(input.safeParse({ engine: { ...server, url: 'http://me:pw@gpu-box:8080' } }).error?.issues[0]?.message).toBe('Put the token in the token field, not in the URL.');
    expect(input.safeParse({ engine: { kind: 'ollama', url: 'http://a' } }).success).toBe(false);
    expect(input.safeParse({ engine: { kind: 'local' } }).success).toBe(true);
  });
});
