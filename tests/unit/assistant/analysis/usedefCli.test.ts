import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUsedefArgs, runUsedef } from '../../../../assistant/cli/usedef';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
// Inside the repository, so that the bundle finds web-tree-sitter and the grammars in node_modules as out/main/ does.
const outDir = path.join(root, 'node_modules', '.cache', `steerway-usedef-test-${process.pid}`);
const work = mkdtempSync(path.join(os.tmpdir(), 'steerway-usedef-'));

beforeAll(async () => {
  mkdirSync(path.join(work, 'src'), { recursive: true });
  writeFileSync(path.join(work, 'src/main.ts'), "import { parse } from './csv';\nconst rows = parse('a,b');\nrows;\n");
  writeFileSync(path.join(work, 'src/csv.ts'), "export function parse(text: string) {\n  return text.split(',');\n}\n");
  writeFileSync(path.join(work, 'notes.md'), '# notes\n');
  mkdirSync(outDir, { recursive: true });
  // As scripts/build.mjs bundles out/main/cli.js.
  await build({ entryPoints: { cli: path.join(root, 'main/cli.ts') }, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outdir: outDir, logLevel: 'silent' });
  writeFileSync(path.join(outDir, 'bin.mjs'), "const { main } = await import('./cli.js');\nprocess.exitCode = await main(process.argv.slice(2));\n");
});

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

async function bundled(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(outDir, 'bin.mjs'), ...args], { cwd: work });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('steerway usedef', () => {
  it('prints the edges as JSON from the bundled CLI (the .wasm files found in node_modules)', async () => {
    const result = await bundled('usedef', 'src/main.ts', '--doc', 'src/csv.ts', '--json');
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([
      { name: 'parse', use: { line: 1, column: 9 }, def: { file: 'src/csv.ts', line: 1, column: 16 } },
      { name: 'parse', use: { line: 2, column: 13 }, def: { file: 'src/csv.ts', line: 1, column: 16 } },
      { name: 'rows', use: { line: 3, column: 0 }, def: { file: 'src/main.ts', line: 2, column: 6 } },
    ]);
    expect(result.code).toBe(0);
  });

  it('gives an empty list for an unknown language and for unparsable code', async () => {
    expect(await bundled('usedef', 'notes.md', '--json')).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    writeFileSync(path.join(work, 'bad.ts'), ')))(((}}}');
    const out: string[] = [];
    expect(await runUsedef(['bad.ts', '--json'].map((a) => (a.endsWith('.ts') ? path.join(work, a) : a)), { stdout: (t) => out.push(t), stderr: () => {} })).toBe(0);
    expect(out.join('')).toBe('[]\n');
  });

  it('refuses bad arguments (exit 2) and says which file it cannot read (exit 1)', async () => {
    expect(() => parseUsedefArgs([])).toThrow('the file is required');
    expect(() => parseUsedefArgs(['a.ts', '--doc'])).toThrow('--doc needs a file');
    expect(() => parseUsedefArgs(['a.ts', '--nope'])).toThrow('unknown argument --nope');
    expect(parseUsedefArgs(['a.ts', '--doc=b.ts', '--doc', 'c.ts', '--json'])).toEqual({ file: 'a.ts', docs: ['b.ts', 'c.ts'], json: true });
    const missing = await bundled('usedef', 'src/main.ts', '--doc', 'src/gone.ts');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read src\/gone\.ts: ENOENT/);
    expect((await bundled('usedef')).code).toBe(2);
  });
});
