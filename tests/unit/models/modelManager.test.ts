import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { generateModel } from '../../../tools/gguf-fixtures/model';
import { DEFAULT_ASSISTANT_SETTINGS, type ModelInfo } from '../../../app/completion/schemas';
import { BUNDLED_MODEL_ID, COMMAND_LINE_MODEL_ID, ModelManager } from '../../../main/models/modelManager';
import { UserFacingError } from '../../../main/transport/dispatcher';
import { useTempDirs } from '../storage/tempDirs';

const tempDir = useTempDirs();

async function setup(options: { commandLineModel?: string | null; bundledModel?: string | null } = {}) {
  const userDataDir = await tempDir();
  const files = await tempDir();
  const warnings: string[] = [];
  const create = (commandLineModel = options.commandLineModel ?? null) =>
    ModelManager.create({
      userDataDir, commandLineModel, bundledModel: options.bundledModel ?? null, emit: () => undefined, recommended: [], warn: (m) => warnings.push(m),
    });
  return { userDataDir, files, warnings, create };
}

function tinyModel(dir: string, name = 'tiny.gguf', seed = 1): string {
  const path = join(dir, name);
  generateModel(path, { preset: 'tiny', seed });
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('ModelManager: installed models', () => {
  it('adds a local GGUF file, chooses it as the first model, and remembers both across runs', async () => {
    const { files, create } = await setup();
    const path = tinyModel(files);
    const manager = await create();
    expect(manager.activeModel()).toBeNull();

    const catalog = await manager.handlers['models.addLocal']({ path });

    expect(catalog.installed).toEqual([expect.objectContaining({ name: 'tiny.gguf', path, origin: 'local', sizeBytes: (await fs.stat(path)).size })]);
    expect(catalog.selectedId).toBe(catalog.installed[0]!.id);
    expect(manager.activeModel()?.path).toBe(path);
    await manager.dispose();

    const again = await create();
    expect(again.activeModel()?.path).toBe(path);
    expect((await again.handlers['models.list']({})).installed).toHaveLength(1);
  });

  it('keeps several models; select changes the active one and tells listeners; adding the same file twice lists it once', async () => {
    const { files, create } = await setup();
    const first = tinyModel(files, 'a.gguf', 1);
    const second = tinyModel(files, 'b.gguf', 2);
    const manager = await create();
    await manager.handlers['models.addLocal']({ path: first });
    const catalog = await manager.handlers['models.addLocal']({ path: second });
    await manager.handlers['models.addLocal']({ path: second });
    expect(catalog.installed.map((m) => m.name)).toEqual(['a.gguf', 'b.gguf']);
    expect(manager.activeModel()?.path).toBe(first);

    const seen: (ModelInfo | null)[] = [];
    manager.onActiveModelChanged((model) => seen.push(model));
    const selected = await manager.handlers['models.select']({ id: catalog.installed[1]!.id });

    expect(selected.selectedId).toBe(catalog.installed[1]!.id);
    expect(seen.map((m) => m?.path)).toEqual([second]);
    expect((await create()).activeModel()?.path).toBe(second);
  });

  it('remove unregisters a local model without deleting the file, and the next model becomes the active one', async () => {
    const { files, create } = await setup();
    const first = tinyModel(files, 'a.gguf', 1);
    const second = tinyModel(files, 'b.gguf', 2);
    const manager = await create();
    await manager.handlers['models.addLocal']({ path: first });
    const catalog = await manager.handlers['models.addLocal']({ path: second });

    const after = await manager.handlers['models.remove']({ id: catalog.installed[0]!.id });

    expect(after.installed.map((m) => m.path)).toEqual([second]);
    expect(manager.activeModel()?.path).toBe(second);
    await expect(fs.stat(first)).resolves.toBeTruthy();
    expect((await create()).activeModel()?.path).toBe(second);
  });

  it('refuses a text file, a truncated model and a missing file with what is wrong and which file', async () => {
    const { files, create } = await setup();
    const manager = await create();
    const text = join(files, 'notes.txt');
    await fs.writeFile(text, 'just some notes, not a model\n');
    const model = tinyModel(files);
    const truncated = join(files, 'cut.gguf');
    await fs.writeFile(truncated, (await fs.readFile(model)).subarray(0, 100_000));

    const notGguf = await rejection(manager.handlers['models.addLocal']({ path: text }));
    expect(notGguf).toBeInstanceOf(UserFacingError);
    expect((notGguf as UserFacingError).code).toBe('bad-model-file');
    expect(notGguf.message).toBe(`${text} is not a usable GGUF model: it does not start with the GGUF magic bytes (not a GGUF model file).`);

    const cut = await rejection(manager.handlers['models.addLocal']({ path: truncated }));
    expect(cut.message).toMatch(new RegExp(`^${truncated} is not a usable GGUF model: tensor .+ ends at byte \\d+ but the file has 100000 bytes \\(truncated\\?\\)\\.$`));

    const missing = await rejection(manager.handlers['models.addLocal']({ path: join(files, 'nope.gguf') }));
    expect(missing.message).toContain('the file does not exist');
    expect((await manager.handlers['models.list']({})).installed).toEqual([]);
  });

  it('refuses a GGUF header with an unsupported version or absurd counts', async () => {
    const { files, create } = await setup();
    const manager = await create();
    const header = (version: number, tensors: bigint, kvs: bigint) => {
      const buffer = Buffer.alloc(64);
      buffer.write('GGUF', 0, 'latin1');
      buffer.writeUInt32LE(version, 4);
      buffer.writeBigUInt64LE(tensors, 8);
      buffer.writeBigUInt64LE(kvs, 16);
      return buffer;
    };
    const write = async (name: string, bytes: Buffer) => {
      await fs.writeFile(join(files, name), bytes);
      return join(files, name);
    };
    const messageFor = async (path: string) => (await rejection(manager.handlers['models.addLocal']({ path }))).message;

    expect(await messageFor(await write('v1.gguf', header(1, 1n, 1n)))).toContain('GGUF version 1 is not supported (2 or 3)');
    expect(await messageFor(await write('many.gguf', header(3, 10_000_000n, 1n)))).toContain('claims 10000000 tensors');
    expect(await messageFor(await write('none.gguf', header(3, 0n, 1n)))).toContain('has no tensors');
  });

  it('a path starting with ~/ is taken from the home folder and saved absolute', async () => {
    const { files, create } = await setup();
    tinyModel(files, 'home.gguf');
    vi.stubEnv('HOME', files);
    try {
      const catalog = await (await create()).handlers['models.addLocal']({ path: '~/home.gguf' });
      expect(catalog.installed.map((m) => m.path)).toEqual([join(files, 'home.gguf')]);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('select and remove of an unknown id fail clearly', async () => {
    const { create } = await setup();
    const manager = await create();
    expect((await rejection(manager.handlers['models.select']({ id: 'nope' }))).message).toBe('No installed model has the id nope.');
    expect((await rejection(manager.handlers['models.remove']({ id: 'nope' }))).message).toBe('No installed model has the id nope.');
  });
});

describe('ModelManager: --model', () => {
  it('uses the --model file for this run without changing the saved choice', async () => {
    const { userDataDir, files, create } = await setup();
    const saved = tinyModel(files, 'saved.gguf', 1);
    const flagged = tinyModel(files, 'flag.gguf', 2);
    const first = await create();
    await first.handlers['models.addLocal']({ path: saved });
    await first.dispose();

    const withFlag = await create(flagged);
    expect(withFlag.activeModel()).toMatchObject({ id: COMMAND_LINE_MODEL_ID, path: flagged, origin: 'command-line' });
    const catalog = await withFlag.handlers['models.list']({});
    expect(catalog.selectedId).toBe(COMMAND_LINE_MODEL_ID);
    expect(catalog.installed.map((m) => m.origin)).toEqual(['command-line', 'local']);
    await withFlag.dispose();

    expect((await create()).activeModel()?.path).toBe(saved);
    expect(JSON.parse(await fs.readFile(join(userDataDir, 'models.json'), 'utf8')).models).toHaveLength(1);
  });

  it('picking a saved model in the panel replaces the --model one for the rest of the run; it cannot be removed', async () => {
    const { files, create } = await setup();
    const saved = tinyModel(files, 'saved.gguf', 1);
    const manager = await create(tinyModel(files, 'flag.gguf', 2));
    const catalog = await manager.handlers['models.addLocal']({ path: saved });
    expect(manager.activeModel()?.origin).toBe('command-line');

    await manager.handlers['models.select']({ id: catalog.installed[1]!.id });
    expect(manager.activeModel()?.path).toBe(saved);
    await manager.handlers['models.select']({ id: COMMAND_LINE_MODEL_ID });
    expect(manager.activeModel()?.origin).toBe('command-line');
    expect((await rejection(manager.handlers['models.remove']({ id: COMMAND_LINE_MODEL_ID }))).message).toContain('was given with --model');
  });

  it('a --model file that is not a GGUF model is still this run’s model (the engine reports it) and a clear warning is printed', async () => {
    const { files, warnings, create } = await setup();
    const text = join(files, 'readme.md');
    await fs.writeFile(text, '# not a model\n');
    const manager = await create(text);
    expect(manager.activeModel()).toMatchObject({ origin: 'command-line', path: text, sizeBytes: 0 });
    expect(warnings).toEqual([
      `--model ${text} is not a usable GGUF model: it does not start with the GGUF magic bytes (not a GGUF model file). The journal works; suggestions stay off until another model is chosen.`,
    ]);
  });
});

describe('ModelManager: settings and corrupt files', () => {
  it('starts with the defaults, saves updates, tells listeners, and reads them back', async () => {
    const { userDataDir, create } = await setup();
    const manager = await create();
    expect(manager.settings()).toEqual(DEFAULT_ASSISTANT_SETTINGS);
    const seen: unknown[] = [];
    manager.onSettingsChanged((s) => seen.push(s));

    const updated = await manager.handlers['settings.update']({ mode: 'prefix', boundary: 8, maxTokens: 64, gpu: true });

    const expected = { ...DEFAULT_ASSISTANT_SETTINGS, mode: 'prefix', boundary: 8, maxTokens: 64, gpu: true };
    expect(updated).toEqual(expected);
    expect(seen).toEqual([expected]);
    expect(JSON.parse(await fs.readFile(join(userDataDir, 'settings.json'), 'utf8'))).toEqual(expected);
    expect((await create()).settings()).toEqual(expected);
    expect(await (await create()).handlers['settings.get']({})).toEqual(expected);
  });

  it('keeps the attention injection setting (off by default) across restarts and refuses an unknown one', async () => {
    const { create } = await setup();
    const manager = await create();
    expect(manager.settings().injection).toBe('off');
    await manager.handlers['settings.update']({ injection: 'auto' });
    expect((await create()).settings().injection).toBe('auto');
    await expect(manager.handlers['settings.update']({ injection: 'all' as 'auto' })).rejects.toThrow();
    expect((await create()).settings().injection).toBe('auto');
  });

  it('an update that changes nothing does not wake listeners', async () => {
    const { create } = await setup();
    const manager = await create();
    const seen: unknown[] = [];
    manager.onSettingsChanged((s) => seen.push(s));
    await manager.handlers['settings.update']({ mode: DEFAULT_ASSISTANT_SETTINGS.mode });
    expect(seen).toEqual([]);
  });

  it('corrupt models.json and settings.json give defaults and a warning, and are replaced on the next save', async () => {
    const { userDataDir, files, warnings, create } = await setup();
    await fs.writeFile(join(userDataDir, 'models.json'), '{"version": 1, "models": [');
    await fs.writeFile(join(userDataDir, 'settings.json'), JSON.stringify({ mode: 'dense', maxTokens: 48 }));

    const manager = await create();

    expect(manager.activeModel()).toBeNull();
    expect(manager.settings()).toEqual(DEFAULT_ASSISTANT_SETTINGS);
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^${join(userDataDir, 'models.json')} is corrupt \\(.+\\); using defaults\\.$`)),
      expect.stringMatching(new RegExp(`^${join(userDataDir, 'settings.json')} is corrupt \\(mode: .+\\); using defaults\\.$`)),
    ]);
    await manager.handlers['models.addLocal']({ path: tinyModel(files) });
    expect(JSON.parse(await fs.readFile(join(userDataDir, 'models.json'), 'utf8')).models).toHaveLength(1);
  });

  it('settings saved by an older version (fewer keys) keep their values and get defaults for the rest', async () => {
    const { userDataDir, warnings, create } = await setup();
    await fs.writeFile(join(userDataDir, 'settings.json'), JSON.stringify({ mode: 'full' }));
    expect((await create()).settings()).toEqual({ ...DEFAULT_ASSISTANT_SETTINGS, mode: 'full' });
    expect(warnings).toEqual([]);
  });
});

describe('ModelManager: the model shipped with the app', () => {
  it('is the active model when none is chosen, a chosen model replaces it, and removing that one falls back to it', async () => {
    const shipped = tinyModel(await tempDir(), 'steerway-coder.gguf', 5);
    const { files, create } = await setup({ bundledModel: shipped });
    const manager = await create();
    expect(manager.activeModel()).toEqual(expect.objectContaining({ id: BUNDLED_MODEL_ID, path: shipped, origin: 'bundled' }));
    expect((await manager.handlers['models.list']({})).selectedId).toBe(BUNDLED_MODEL_ID);

    const own = tinyModel(files, 'own.gguf', 2);
    const catalog = await manager.handlers['models.addLocal']({ path: own });
    expect(catalog.installed.map((m) => m.origin)).toEqual(['bundled', 'local']);
    expect(manager.activeModel()?.path).toBe(own);

    await manager.handlers['models.remove']({ id: catalog.installed[1]!.id });
    expect(manager.activeModel()?.id).toBe(BUNDLED_MODEL_ID);
  });

  it('can be chosen back over an installed model, is remembered as no choice, and cannot be removed', async () => {
    const shipped = tinyModel(await tempDir(), 'steerway-coder.gguf', 5);
    const { files, create } = await setup({ bundledModel: shipped });
    const manager = await create();
    await manager.handlers['models.addLocal']({ path: tinyModel(files, 'own.gguf', 2) });
    const seen: (string | undefined)[] = [];
    manager.onActiveModelChanged((model) => seen.push(model?.id));

    const catalog = await manager.handlers['models.select']({ id: BUNDLED_MODEL_ID });

    expect(catalog.selectedId).toBe(BUNDLED_MODEL_ID);
    expect(seen).toEqual([BUNDLED_MODEL_ID]);
    expect((await create()).activeModel()?.id).toBe(BUNDLED_MODEL_ID);
    const error = await rejection(manager.handlers['models.remove']({ id: BUNDLED_MODEL_ID }));
    expect(error).toBeInstanceOf(UserFacingError);
    expect(error.message).toMatch(/shipped with Steerway cannot be removed/);
    expect((await fs.stat(shipped)).isFile()).toBe(true);
  });

  it('a missing or broken shipped file is reported and left out: no model is active, nothing throws', async () => {
    const dir = await tempDir();
    const broken = join(dir, 'broken.gguf');
    await fs.writeFile(broken, 'not a model');
    for (const path of [join(dir, 'missing.gguf'), broken]) {
      const { create, warnings } = await setup({ bundledModel: path });
      const manager = await create();
      expect(manager.activeModel()).toBeNull();
      expect((await manager.handlers['models.list']({})).installed).toEqual([]);
      expect(warnings.join('\n')).toContain(`The shipped model ${path} is missing or unusable`);
    }
  });

  it('--model still wins over the shipped model for the run', async () => {
    const shipped = tinyModel(await tempDir(), 'steerway-coder.gguf', 5);
    const files = await tempDir();
    const { create } = await setup({ bundledModel: shipped, commandLineModel: tinyModel(files, 'cli.gguf', 3) });
    expect((await create()).activeModel()?.id).toBe(COMMAND_LINE_MODEL_ID);
  });
});
