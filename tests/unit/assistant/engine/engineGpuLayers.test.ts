// The engine puts the model's layers on the GPU when it runs with a GPU backend (and none on the CPU path):
// without gpuLayers, llama.cpp loads a CUDA backend and still computes everything on the CPU.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { generateModel } from '../../../../tools/gguf-fixtures/model';

const seen: unknown[] = [];
vi.mock('../../../../native/binding', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../../native/binding')>();
  return {
    ...real,
    loadAddon: () => ({
      setLogLevel: () => {},
      loadModel: async (_path: string, options: unknown) => {
        seen.push(options);
        throw new Error('stop after the load options');
      },
    }),
  };
});

const { createCompletionEngine, ModelLoadError } = await import('../../../../assistant/engine');

describe('engine: layers on the GPU', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-gpu-layers-'));
  const model = path.join(dir, 'tiny.gguf');
  generateModel(model, { preset: 'tiny' });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('asks for every layer on the GPU with a GPU backend and none without', async () => {
    await expect(createCompletionEngine({ modelPath: model, gpu: 'cuda' })).rejects.toBeInstanceOf(ModelLoadError);
    await expect(createCompletionEngine({ modelPath: model })).rejects.toBeInstanceOf(ModelLoadError);
    expect(seen).toEqual([{ gpuLayers: 999 }, { gpuLayers: 0 }]);
  });
});
