import { test as base, expect } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateModel } from '../../tools/gguf-fixtures/model';
import { setU32 } from '../../tools/gguf-fixtures/patch';
import { buildVocab, TokenType } from '../../tools/gguf-fixtures/vocab';
import { startApp as startAppIn, stop } from './appProcess';

export { stop };

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningApp {
  url: string;
  workspace: string;
  userData: string;
  /** Starts the app again on the same workspace and user data (a new run, a new token). */
  restart(): Promise<string>;
}

/**
 * A tiny random model (f32, tied embeddings) whose visible-ASCII tokens have their embedding rows scaled
 * by 3: with tied output weights their logits spread wider, so greedy text is printable words, not byte
 * tokens or line ends. Same seed, same bytes.
 */
export function writeSuggestingModel(path: string, seed = 1): string {
  const { shape } = generateModel(path, { preset: 'tiny', seed });
  const vocab = buildVocab({ size: shape.nVocab, merges: shape.merges });
  const kv = (shape.nEmbd / shape.nHead) * shape.nHeadKv;
  const perLayer = 2 * shape.nEmbd + 2 * shape.nEmbd * shape.nEmbd + 2 * shape.nEmbd * kv + 3 * shape.nEmbd * shape.nFf;
  const tensorFloats = shape.nVocab * shape.nEmbd + shape.nEmbd + shape.nLayer * perLayer;
  const data = readFileSync(path);
  // Every f32 tensor of this preset is a multiple of the 32-byte alignment, so the data is the file's tail; token_embd comes first.
  const embd = data.length - tensorFloats * 4;
  for (let token = 0; token < shape.nVocab; token++) {
    if (vocab.types[token] !== TokenType.normal || !/^[\x21-\x7e]+$/.test(vocab.tokens[token]!)) continue;
    for (let i = 0; i < shape.nEmbd; i++) {
      const at = embd + (token * shape.nEmbd + i) * 4;
      data.writeFloatLE(data.readFloatLE(at) * 3, at);
    }
  }
  writeFileSync(path, data);
  return path;
}

/**
 * A model file whose header reads well (it passes the start-up check) but whose embedding width does not
 * match its tensors, as a bad conversion leaves it: llama.cpp refuses to load it.
 */
export function writeBrokenModel(path: string): string {
  writeFileSync(path, setU32(readFileSync(writeSuggestingModel(path)), 'llama.embedding_length', 96));
  return path;
}

/** `steerway start --web` of this checkout, on a fresh workspace and user-data folder per test; `env` adds to the environment. */
export function startApp(workspace: string, userData: string, extraArgs: string[] = [], env: Record<string, string> = {}) {
  return startAppIn(repoRoot, workspace, userData, extraArgs, env);
}

export interface AppOptions {
  /**
   * `--model` for the run: a generated suggesting model, a broken one that llama.cpp refuses, none at all
   * (`--no-default-model`: the journal tests need no engine), or `shipped`: no flag, as a newcomer starts it.
   */
  model: 'suggesting' | 'broken' | 'shipped' | null;
  /** More environment for the app's process (a spec may make it a fixture of its own, e.g. a mirror's URL). */
  appEnv: Record<string, string>;
}

export const test = base.extend<{ app: RunningApp } & AppOptions>({
  model: [null, { option: true }],
  appEnv: [{}, { option: true }],
  app: async ({ model, appEnv }, use) => {
    const workspace = await mkdtemp(join(tmpdir(), 'steerway-e2e-ws-'));
    const userData = await mkdtemp(join(tmpdir(), 'steerway-e2e-user-'));
    const modelFile = join(userData, model === 'broken' ? 'broken.gguf' : 'tiny-suggesting.gguf');
    if (model === 'suggesting') writeSuggestingModel(modelFile);
    if (model === 'broken') writeBrokenModel(modelFile);
    const args = model === 'shipped' ? [] : model ? ['--model', modelFile] : ['--no-default-model'];
    let running = await startApp(workspace, userData, args, appEnv);
    await use({
      url: running.url,
      workspace,
      userData,
      restart: async () => {
        await stop(running.child);
        running = await startApp(workspace, userData, args, appEnv);
        return running.url;
      },
    });
    await stop(running.child);
    await rm(workspace, { recursive: true, force: true });
    await rm(userData, { recursive: true, force: true });
  },
});

export { expect };
