// `steerway heads` arguments and the inputs it refuses with one line and exit 2 (before any model is loaded).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliUsageError } from '../../../../assistant/cli/args';
import { collectCodeFiles, defaultCodeFiles, DEFAULT_FILE_LIST, parseHeadsArgs, runHeads, type HeadsIo } from '../../../../assistant/cli/heads';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-heads-'));
const root = path.resolve(new URL('../../../..', import.meta.url).pathname);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const file = path.join(work, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

async function run(argv: string[], repoRoot = root): Promise<{ code: number; stdout: string; stderr: string[] }> {
  let stdout = '';
  const stderr: string[] = [];
  const io: HeadsIo = { stdout: (t) => (stdout += t), stderr: (l) => stderr.push(l), defaultCacheDir: path.join(work, 'cache'), repoRoot };
  return { code: await runHeads(argv, io), stdout, stderr };
}

describe('steerway heads arguments', () => {
  it('reads every option, --files repeated, with defaults', () => {
    expect(parseHeadsArgs(['--model', 'm.gguf'])).toEqual({ model: 'm.gguf', files: [], maxFiles: 64, maxTokens: 512, cacheDir: null, svg: null, json: false });
    expect(parseHeadsArgs(['--model=m.gguf', '--files', 'a', '--files=b', '--max-files', '3', '--max-tokens=128', '--cache-dir', 'c', '--svg', 's', '--json'])).toEqual({
      model: 'm.gguf', files: ['a', 'b'], maxFiles: 3, maxTokens: 128, cacheDir: 'c', svg: 's', json: true,
    });
  });

  it('refuses what it cannot run', () => {
    expect(() => parseHeadsArgs([])).toThrow(/--model <gguf> is required/);
    expect(() => parseHeadsArgs(['--model', 'm', '--nope'])).toThrow(/unknown argument --nope/);
    expect(() => parseHeadsArgs(['--model', 'm', 'extra'])).toThrow(/unexpected argument extra/);
    expect(() => parseHeadsArgs(['--model', 'm', '--model', 'n'])).toThrow(/given twice/);
    expect(() => parseHeadsArgs(['--model', 'm', '--max-tokens', '1'])).toThrow(CliUsageError);
    expect(() => parseHeadsArgs(['--model', 'm', '--max-files', 'x'])).toThrow(/--max-files must be an integer/);
    expect(() => parseHeadsArgs(['--model'])).toThrow(/--model needs a value/);
  });
});

describe('steerway heads inputs', () => {
  it('collects the code files of folders (sorted, without node_modules and dot-folders) and named files', async () => {
    const b = write('src/b.ts', 'export const b = 1;\n');
    const a = write('src/a.js', 'const a = 1;\n');
    const tsx = write('src/ui/c.tsx', 'export const C = () => <div/>;\n');
    write('src/readme.md', '# no\n');
    write('src/node_modules/x/index.js', 'no\n');
    write('src/.cache/y.ts', 'no\n');
    const extra = write('other/d.mjs', 'export default 1;\n');
    expect(await collectCodeFiles([path.join(work, 'src'), extra, a])).toEqual([a, b, tsx, extra]);
  });

  it('names the default held-out files that this clone has', async () => {
    const files = await defaultCodeFiles(root);
    expect(files.length).toBeGreaterThan(10);
    expect(files.every((f) => f.startsWith(path.join(root, 'node_modules')) && fs.existsSync(f))).toBe(true);
    expect(new Set(files).size).toBe(files.length);
  });

  it('says in one line, exit 2, when the model, the files or the list are not usable', async () => {
    const code = write('ok/a.ts', 'const a = 1;\n');
    const notGguf = write('bad.gguf', 'this is not a model');
    const cases: [string[], RegExp, string?][] = [
      [['--model', path.join(work, 'missing.gguf'), '--files', code], /--model .*missing\.gguf: no such file/],
      [['--model', work, '--files', code], /--model .*: not a file/],
      [['--model', notGguf, '--files', code], /--model .*bad\.gguf: not a GGUF model/],
      [['--model', notGguf, '--files', path.join(work, 'nowhere')], /--files .*nowhere: no such file or folder/],
      [['--model', notGguf, '--files', path.join(work, 'src/readme.md')], /not a file the analysis reads \(TypeScript, JavaScript, Python\)/],
      [['--model', notGguf, '--files', path.join(work, 'docs')], /no TypeScript or JavaScript files in/],
      [['--model', notGguf], /cannot read the default file list .*: give --files <dir>/, work],
      [['--model', notGguf, '--bogus'], /unknown argument --bogus \(steerway heads --help\)/],
    ];
    write('docs/notes.md', '# notes\n');
    write('docs/node_modules/x/index.js', 'skipped\n');
    for (const [argv, message, repoRoot] of cases) {
      const result = await run(argv, repoRoot);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toHaveLength(1);
      expect(result.stderr[0]).toMatch(/^steerway heads: /);
      expect(result.stderr[0]).toMatch(message);
      expect(result.stdout).toBe('');
    }
    expect(DEFAULT_FILE_LIST).toBe('training/eval/eval-files.json');
  });
});
