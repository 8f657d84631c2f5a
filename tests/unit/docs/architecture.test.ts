import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// docs/ARCHITECTURE.md names files and folders in backticks; each one must exist, so the document stays true.
const root = new URL('../../..', import.meta.url).pathname;
const doc = fs.readFileSync(path.join(root, 'docs/ARCHITECTURE.md'), 'utf8');

/** Top-level folders of the repository that hold source; a backticked path starting with one is a claim about the tree. */
const TREE = /^(app|base|main|renderer|assistant|native|training|tools|tests|scripts|docs|models|bin)\//;

/** Backticked repository paths in `markdown`: no placeholders (`<id>`), globs or built output (`out/`). */
function namedPaths(markdown: string): string[] {
  const found = [...markdown.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!);
  return [...new Set(found.filter((p) => TREE.test(p) && !/[<>*]/.test(p)))];
}

describe('docs/ARCHITECTURE.md', () => {
  it('finds the paths it names (placeholders and built output aside)', () => {
    expect(namedPaths('`app/ipc/contract.ts` and `main/pty/` but `out/main/x.js`, `<userData>/a`, `a.ts`, `models/runs/<run>/`')).toEqual([
      'app/ipc/contract.ts',
      'main/pty/',
    ]);
  });

  it('names source files by their path from the repository root (a bare name is a root file)', () => {
    const bare = [...doc.matchAll(/`([^`\s/]+\.(?:ts|tsx|mts|mjs|js|py))`/g)].map((m) => m[1]!);
    expect(bare.filter((name) => !fs.existsSync(path.join(root, name)))).toEqual([]);
  });

  it('names every folder of assistant/, the engine side\'s components', () => {
    const folders = fs.readdirSync(path.join(root, 'assistant'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `assistant/${e.name}/`);
    expect(folders).toContain('assistant/heads/');
    expect(folders.filter((folder) => !doc.includes(`\`${folder}`))).toEqual([]);
  });

  it('names only files and folders that exist', () => {
    const paths = namedPaths(doc);
    expect(paths.length).toBeGreaterThan(40);
    expect(paths.filter((p) => !fs.existsSync(path.join(root, p)))).toEqual([]);
  });
});
