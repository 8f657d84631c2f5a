import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Test files mirror the source tree and share one naming style, so a module's tests are found by its path.
const root = new URL('../..', import.meta.url).pathname;

function files(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'fixtures' || entry.name === 'node_modules' ? [] : files(rel);
    return /\.(ts|tsx|mjs)$/.test(entry.name) ? [rel] : [];
  });
}

/** camelCase, as the source files are: `engineCache.test.ts`, `fakeHost.ts`, `playwright.config.ts`. */
const NAME = /^[a-z][A-Za-z0-9]*(\.(test|spec|config))?\.(ts|tsx|mjs)$/;

describe('test files', () => {
  it('are named in camelCase like the source files', () => {
    expect(['engineCache.test.ts', 'app.test.tsx', 'playwright.config.ts'].every((n) => NAME.test(n))).toBe(true);
    expect(['engine-cache.test.ts', 'webServer.fuzz.test.ts', 'Helpers.ts'].some((n) => NAME.test(n))).toBe(false);
    expect(files('tests').filter((f) => !NAME.test(path.basename(f)))).toEqual([]);
  });

  it('sit in tests/unit under the folder of what they test (main/ left out: tests/unit/pty is main/pty)', () => {
    const folders = fs.readdirSync(path.join(root, 'tests/unit'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    const mirrored = (name: string) => [name, `main/${name}`, `tests/${name}`].some((p) => fs.existsSync(path.join(root, p)));
    expect(folders.filter((name) => !mirrored(name))).toEqual([]);
  });
});
