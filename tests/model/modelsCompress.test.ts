// The Models dialog's "Make a smaller copy" on main's side: the copy lands in the app's models folder, is listed
// without changing the selection, survives a restart, is removed with its file; main's event loop keeps turning
// while the addon quantizes; a broken model is refused with a clear message.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CompressType } from '../../app/completion/schemas';
import { calls } from '../../app/ipc/contract';
import { BUNDLED_MODEL_ID, ModelManager } from '../../main/models/modelManager';
import { UserFacingError } from '../../main/transport/dispatcher';
import { QUANT_TYPES } from '../../native/binding';
import { describeNative, makeModel, pinnedCpuBackend, setupAddon, tempDir } from './helpers';

describeNative('models: make a smaller copy', () => {
  let dir: string;
  let bundled: string;

  beforeAll(() => {
    setupAddon();
    dir = tempDir();
    // 2 x 1024 wide: big enough that quantizing spans many event-loop turns.
    bundled = makeModel(dir, { seed: 4, shape: { nEmbd: 1024, nFf: 2048, nHead: 8, nHeadKv: 4 } }, 'coder.gguf').path;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const create = (userDataDir: string) =>
    ModelManager.create({ userDataDir, commandLineModel: null, bundledModel: bundled, emit: () => undefined, recommended: [], compressAddon: { addonOptions: { cpuBackend: pinnedCpuBackend() } } });

  it('lists a Q4_K_M copy from the models folder, keeps the selection, keeps the event loop free, removes the file with it', async () => {
    const userDataDir = path.join(dir, 'user');
    const manager = await create(userDataDir);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const catalog = await manager.handlers['models.compress']({ id: BUNDLED_MODEL_ID, type: 'Q4_K_M' });
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    const copy = catalog.installed.find((m) => m.origin === 'compressed')!;
    expect(copy).toMatchObject({ name: 'coder-Q4_K_M.gguf', path: path.join(userDataDir, 'models', 'coder-Q4_K_M.gguf') });
    expect(copy.sizeBytes).toBe(fs.statSync(copy.path).size);
    expect(copy.sizeBytes).toBeLessThan(fs.statSync(bundled).size / 4);
    expect(catalog.selectedId).toBe(BUNDLED_MODEL_ID);
    await manager.dispose();

    const again = await create(userDataDir);
    expect((await again.handlers['models.list']({})).installed.map((m) => m.id)).toContain(copy.id);
    const error = await again.handlers['models.compress']({ id: BUNDLED_MODEL_ID, type: 'Q4_K_M' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect((error as Error).message).toMatch(/^No smaller copy of steerway-random-tiny-seed4 \(shipped with Steerway\) was made: .*coder-Q4_K_M\.gguf already exists/);
    const after = await again.handlers['models.remove']({ id: copy.id });
    expect(after.installed.some((m) => m.id === copy.id)).toBe(false);
    expect(fs.existsSync(copy.path)).toBe(false);
    expect(fs.existsSync(bundled)).toBe(true);
    await again.dispose();
  });

  it('refuses an unknown model id and, at the boundary, an unknown type', async () => {
    const manager = await create(path.join(dir, 'user2'));
    await expect(manager.handlers['models.compress']({ id: 'nope', type: 'Q8_0' })).rejects.toThrow('No installed model has the id nope.');
    expect(calls['models.compress'].input.safeParse({ id: BUNDLED_MODEL_ID, type: 'Q3_K' }).success).toBe(false);
    await manager.dispose();
  });

  it('offers the same types as the native addon', () => {
    expect(CompressType.options).toEqual([...QUANT_TYPES]);
  });
});
