import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateModel } from '../../../tools/gguf-fixtures/model';
import { ModelManager } from '../../../main/models/modelManager';
import { downloadEndpoint, HUGGING_FACE, recommendedModels } from '../../../main/models/recommended';
import { useTempDirs } from '../storage/tempDirs';
import { startModelServer, type ModelServer } from './modelServer';

const tempDir = useTempDirs();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

describe('downloadEndpoint (HF_ENDPOINT)', () => {
  it('is Hugging Face when unset or blank', () => {
    const warnings: string[] = [];
    expect(downloadEndpoint(undefined, (m) => warnings.push(m))).toBe(HUGGING_FACE);
    expect(downloadEndpoint('  ', (m) => warnings.push(m))).toBe(HUGGING_FACE);
    expect(warnings).toEqual([]);
  });

  it('takes an http(s) mirror, with or without a path, without its trailing slashes', () => {
    const warn = () => {
      throw new Error('no warning expected');
    };
    expect(downloadEndpoint('https://hf-mirror.example.com/', warn)).toBe('https://hf-mirror.example.com');
    expect(downloadEndpoint('http://127.0.0.1:8080/hf//', warn)).toBe('http://127.0.0.1:8080/hf');
  });

  it('says so and keeps Hugging Face for anything else', () => {
    for (const value of ['hf-mirror.example.com', 'ftp://mirror.example.com', 'file:///models', 'https://m.example.com/?token=x']) {
      const warnings: string[] = [];
      expect(downloadEndpoint(value, (m) => warnings.push(m))).toBe(HUGGING_FACE);
      expect(warnings).toEqual([expect.stringContaining(`HF_ENDPOINT=${value} is not an http(s) URL`)]);
    }
  });
});

describe('recommended models from a mirror', () => {
  it('the same file paths under the endpoint', () => {
    const [small, large] = recommendedModels('https://mirror.example.com');
    expect(small!.url).toBe('https://mirror.example.com/ggml-org/Qwen2.5-Coder-0.5B-Q8_0-GGUF/resolve/main/qwen2.5-coder-0.5b-q8_0.gguf');
    expect(large!.url).toBe('https://mirror.example.com/ggml-org/Qwen2.5-Coder-1.5B-Q8_0-GGUF/resolve/main/qwen2.5-coder-1.5b-q8_0.gguf');
    expect(recommendedModels()[0]!.url.startsWith(`${HUGGING_FACE}/ggml-org/`)).toBe(true);
  });

  it('the model manager downloads from the HF_ENDPOINT mirror it is given', async () => {
    const source = join(await tempDir(), 'served.gguf');
    generateModel(source, { preset: 'tiny', seed: 3 });
    const server: ModelServer = await startModelServer({ body: await fs.readFile(source) });
    cleanups.push(() => server.close());
    const userDataDir = await tempDir();
    const manager = await ModelManager.create({
      userDataDir, commandLineModel: null, bundledModel: null, emit: () => undefined, hfEndpoint: new URL(server.url).origin,
    });
    cleanups.push(() => manager.dispose());
    const large = recommendedModels()[1]!;
    expect((await manager.handlers['models.list']({})).recommended.map((m) => m.url)).toEqual(recommendedModels(new URL(server.url).origin).map((m) => m.url));

    await manager.handlers['models.download']({ recommendedId: large.id });
    await vi.waitFor(async () => expect((await manager.handlers['models.list']({})).installed.map((m) => m.id)).toEqual([large.id]), { timeout: 10_000 });
    expect(server.paths).toEqual([new URL(large.url).pathname]);
    expect(manager.activeModel()?.id).toBe(large.id);
  });
});
