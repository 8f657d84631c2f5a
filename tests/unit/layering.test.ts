import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layering rule of eslint.config.js (scripts/eslint/layering.js): renderer -> app <- main -> assistant -> native.
// Each case lints a synthetic file through ESLint's API, as `npm run lint` would see it at that path.
const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function layeringErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'layering/arrows').map((m) => m.message);
}

// The arrows, written out here as the issue states them, independently of the rule's own table.
const LAYERS = ['app', 'renderer', 'main', 'assistant', 'native', 'base/common', 'base/node', 'training', 'tools', 'tests', 'scripts'] as const;
type Layer = (typeof LAYERS)[number];
const ANY: readonly Layer[] = LAYERS;
const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  app: ['app', 'base/common'],
  renderer: ['renderer', 'app', 'base/common'],
  main: ['main', 'app', 'assistant', 'base/common', 'base/node'],
  assistant: ['assistant', 'app', 'native', 'base/common', 'base/node'],
  native: ['native'],
  'base/common': ['base/common'],
  'base/node': ['base/node', 'base/common'],
  training: ['training', 'app', 'assistant', 'native', 'tools', 'base/common', 'base/node'],
  tools: ['tools', 'app', 'assistant', 'native', 'base/common', 'base/node'],
  tests: ANY,
  scripts: ANY,
};

const importOf = (from: Layer, to: Layer): [string, string] => {
  const file = `${from}/sub/x.ts`;
  const specifier = path.posix.relative(path.posix.dirname(file), `${to}/sub/y`);
  return [file, `import { y } from '${specifier.startsWith('.') ? specifier : `./${specifier}`}';`];
};
const pairs = LAYERS.flatMap((from) => LAYERS.map((to) => [from, to] as const));

describe('layering lint rule: folders', () => {
  it.each(pairs.filter(([from, to]) => !MAY_IMPORT[from].includes(to)))('%s may not import %s', async (from, to) => {
    const [file, code] = importOf(from, to);
    expect(await layeringErrors(file, code)).toEqual([expect.stringMatching(new RegExp(`^Layering: ${from}/ may not import ${to}/`))]);
  });

  it.each(pairs.filter(([from, to]) => MAY_IMPORT[from].includes(to)))('%s may import %s', async (from, to) => {
    const [file, code] = importOf(from, to);
    expect(await layeringErrors(file, code)).toEqual([]);
  });

  it.each([
    ['app/x.ts', "import { WorkspaceStore } from '../main/storage/workspaceStore';"],
    ['renderer/x.ts', "import { SteerwayServices } from '../main/services/steerwayServices';"],
    ['assistant/x.ts', "import { startWebServer } from '../main/server/webServer';"],
    ['main/x.ts', "import { App } from '../renderer/app/App';"],
    ['main/models/x.ts', "import { loadAddon } from '../../native/binding';"],
    ['main/x.ts', "export { loadAddon } from '../native/binding';"],
    ['main/x.ts', "const binding = await import('../native/binding');"],
    ['main/x.ts', "type Addon = import('../native/binding').NativeAddon;"],
    ['assistant/x.ts', "export * from '../tools/gguf-fixtures/model';"],
    ['native/x.ts', "import { createCompletionEngine } from '../assistant/engine';"],
  ])('%s may not: %s (every form of import is resolved)', async (file, code) => {
    expect(await layeringErrors(file, code)).toEqual([expect.stringMatching(/^Layering: /)]);
  });
});

describe('layering lint rule: the engine is reached through its exports', () => {
  it.each([
    ['main/assistant/x.ts', "import { boundaryCut } from '../../assistant/engine/sampling';"],
    ['assistant/host/x.ts', "import { createCompletionEngine } from '../engine/engine';"],
    ['assistant/cli/x.ts', "import type { MemoryTier } from '../engine/tiers';"],
    ['tools/x.ts', "import { DiskTier } from '../assistant/engine/tiers';"],
    ['training/eval/x.ts', "import { argmax } from '../../assistant/engine/sampling';"],
  ])('%s may not: %s', async (file, code) => {
    expect(await layeringErrors(file, code)).toEqual([expect.stringMatching(/inside the engine: import its exports from assistant\/engine/)]);
  });

  it.each([
    ['main/assistant/x.ts', "import { boundaryCut } from '../../assistant/engine';"],
    ['assistant/host/x.ts', "import { createCompletionEngine } from '../engine/index';"],
    ['assistant/engine/x.ts', "import { MemoryTier } from './tiers';"],
    ['tests/model/x.ts', "import { DiskTier } from '../../assistant/engine/tiers';"],
  ])('%s may: %s', async (file, code) => {
    expect(await layeringErrors(file, code)).toEqual([]);
  });
});

describe('layering lint rule: packages', () => {
  it.each([
    ['app/x.ts', "import { readFile } from 'node:fs';"],
    ['app/x.ts', "import path from 'path';"],
    ['app/x.ts', "import { useState } from 'react';"],
    ['base/common/x.ts', "import { EventEmitter } from 'node:events';"],
    ['renderer/x.ts', "import { spawn } from 'node:child_process';"],
    ['renderer/x.ts', "import { ipcRenderer } from 'electron';"],
    ['assistant/x.ts', "import { app } from 'electron';"],
    ['native/x.ts', "import WebSocket from 'ws';"],
    ['main/x.ts', "import { getLlama } from 'node-llama-cpp';"],
  ])('%s may not: %s', async (file, code) => {
    expect(await layeringErrors(file, code)).toEqual([expect.stringMatching(/^Layering: /)]);
  });

  it.each([
    ['app/x.ts', "import { z } from 'zod';"],
    ['renderer/x.ts', "import { useState } from 'react';"],
    ['renderer/x.ts', "import { calls } from '../app/ipc/contract';"],
    ['main/x.ts', "import { readFile } from 'node:fs';"],
    ['main/x.ts', "import { app } from 'electron';"],
    ['assistant/x.ts', "import { loadAddon } from '../native/binding';"],
    ['native/x.ts', "import fs from 'node:fs';"],
    ['base/node/x.ts', "import { fork } from 'node:child_process';"],
  ])('%s may: %s', async (file, code) => {
    expect(await layeringErrors(file, code)).toEqual([]);
  });
});
