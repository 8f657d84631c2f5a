import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layering rule of eslint.config.js: renderer -> app <- main -> assistant -> native.
const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function layeringErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering lint rule', () => {
  it.each([
    ['app/x.ts', "import { readFile } from 'node:fs';"],
    ['app/x.ts', "import { WorkspaceStore } from '../main/storage/workspaceStore';"],
    ['renderer/x.ts', "import { SteerwayServices } from '../main/services/steerwayServices';"],
    ['renderer/x.ts', "import { spawn } from 'node:child_process';"],
    ['renderer/x.ts', "import { ipcRenderer } from 'electron';"],
    ['assistant/x.ts', "import { startWebServer } from '../main/server/webServer';"],
    ['main/x.ts', "import { App } from '../renderer/app/App';"],
  ])('%s may not: %s', async (file, code) => {
    expect(await layeringErrors(file, code)).toEqual([expect.stringMatching(/Layering: /)]);
  });

  it.each([
    ['renderer/x.ts', "import { calls } from '../app/ipc/contract';"],
    ['main/x.ts', "import { calls } from '../app/ipc/contract';"],
    ['main/x.ts', "import { readFile } from 'node:fs';"],
    ['assistant/x.ts', "import { loadAddon } from '../native/binding';"],
  ])('%s may: %s', async (file, code) => {
    expect(await layeringErrors(file, code)).toEqual([]);
  });
});
