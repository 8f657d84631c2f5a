// `steerway complete`: argument errors, model errors, the JSON report, and the command wired into main/cli.ts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCompleteArgs, runComplete, shownName, type CliIo } from '../../assistant/cli/complete';
import type { GeneratedModel } from '../../tools/gguf-fixtures/model';
import { describeNative, makeModel, pinnedCpuBackend, tempDir } from './helpers';
import { DOC_A, DOC_B } from './engineHelpers';

/** Captured output; `pinned` runs engines on the tests' pinned CPU variant (needs the addon). */
function capture(pinned = false): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (l) => err.push(l), ...(pinned ? { engine: { cpuBackend: pinnedCpuBackend() } } : {}) };
}

describe('complete: argument parsing', () => {
  it('reads every option, repeated --doc, --flag=value, and defaults', () => {
    const a = parseCompleteArgs(['--model', 'm.gguf', '--prefix-file=p.txt', '--doc', 'a', '--doc', 'b', '--mode', 'full', '--boundary', '8', '--max-tokens', '3', '--temperature', '0.5', '--seed', '9', '--logprobs', '4', '--cache-dir', 'c', '--stop', 'line', '--threads', '2', '--token-healing', 'off', '--json']);
    expect(a).toMatchObject({ model: 'm.gguf', prefixFile: 'p.txt', docs: ['a', 'b'], mode: 'full', boundary: 8, maxTokens: 3, temperature: 0.5, seed: 9, logprobs: 4, cacheDir: 'c', stop: 'line', threads: 2, tokenHealing: false, json: true });
    expect(parseCompleteArgs(['--model', 'm', '--prefix-file', 'p'])).toMatchObject({ mode: 'sparse', boundary: 0, maxTokens: 64, temperature: 0, tokenHealing: null, json: false, suffixFile: null });
  });

  it('shows files inside the working directory to the model by their relative path', () => {
    expect(shownName(path.join(process.cwd(), 'src', 'a.ts'))).toBe(path.join('src', 'a.ts'));
    expect(shownName('src/a.ts')).toBe(path.join('src', 'a.ts'));
    expect(shownName('/elsewhere/b.ts')).toBe('/elsewhere/b.ts');
  });

  it('rejects bad arguments with one line and exit code 2', async () => {
    const cases = [
      [],
      ['--model', 'm.gguf'],
      ['--model', 'm.gguf', '--prefix-file', 'p', '--mode', 'fast'],
      ['--model', 'm.gguf', '--prefix-file', 'p', '--boundary', '-1'],
      ['--model', 'm.gguf', '--prefix-file', 'p', '--max-tokens', 'ten'],
      ['--model', 'm.gguf', '--prefix-file', 'p', '--temperature', ''],
      ['--model', 'm.gguf', '--prefix-file', 'p', '--bogus', '1'],
      ['--model', 'm.gguf', '--model', 'n.gguf', '--prefix-file', 'p'],
      ['--model', '--prefix-file', 'p'],
      ['--model', 'm.gguf', '--prefix-file', 'p', '--threads', '0'],
      ['--model', 'm.gguf', '--prefix-file', 'p', '--token-healing', 'maybe'],
    ];
    for (const argv of cases) {
      const io = capture();
      expect(await runComplete(argv, io)).toBe(2);
      expect(io.err).toHaveLength(1);
      expect(io.err[0]).toMatch(/^steerway complete: .+/);
      expect(io.err[0]).not.toContain('\n');
      expect(io.out).toEqual([]);
    }
  });
});

describeNative('complete: with a model', () => {
  let dir: string;
  let gen: GeneratedModel;
  let prefixFile: string;
  let docs: string[];

  beforeAll(() => {
    dir = tempDir();
    gen = makeModel(dir, { seed: 21 });
    prefixFile = path.join(dir, 'main.ts');
    fs.writeFileSync(prefixFile, 'const options = parseArgs(');
    docs = [DOC_A, DOC_B].map((d) => {
      const file = path.join(dir, path.basename(d.name));
      fs.writeFileSync(file, d.text);
      return file;
    });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the completion, the report and the prompt token ids as JSON', async () => {
    const cacheDir = path.join(dir, 'cache');
    const argv = ['--model', gen.path, '--prefix-file', prefixFile, '--doc', docs[0]!, '--doc', docs[1]!, '--max-tokens', '4', '--logprobs', '2', '--cache-dir', cacheDir, '--json'];
    const io = capture(true);
    expect(await runComplete(argv, io)).toBe(0);
    expect(io.err).toEqual([]);
    const out = JSON.parse(io.out.join('')) as {
      completion: string;
      tokens: number[];
      model: { format: string };
      report: { mode: string; promptTokens: number; blocks: { document: string; source: string }[]; computedTokens: number };
      promptTokenIds: number[];
      logprobs: { top: unknown[] }[];
    };
    expect(out.model.format).toBe('qwen2.5-coder');
    expect(out.report.mode).toBe('sparse');
    expect(out.promptTokenIds).toHaveLength(out.report.promptTokens);
    expect(out.promptTokenIds.at(-1)).toBe(gen.tokens.fimMid);
    expect(out.report.blocks.map((b) => b.document)).toContain(shownName(docs[1]!));
    expect(out.logprobs).toHaveLength(out.tokens.length);
    expect(out.logprobs.every((l) => l.top.length === 2)).toBe(true);
    // A second run finds the blocks in the cache folder.
    const io2 = capture(true);
    expect(await runComplete(argv, io2)).toBe(0);
    const again = JSON.parse(io2.out.join('')) as typeof out;
    expect(new Set(again.report.blocks.map((b) => b.source))).toEqual(new Set(['disk']));
    expect(again.tokens).toEqual(out.tokens);
    expect(again.promptTokenIds).toEqual(out.promptTokenIds);
  });

  it('a missing, broken or too large model gives one error line and exit code 1', async () => {
    const broken = path.join(dir, 'broken.gguf');
    fs.writeFileSync(broken, fs.readFileSync(gen.path).subarray(0, 2000));
    for (const [argv, pattern] of [
      [['--model', path.join(dir, 'none.gguf')], /model file not found/],
      [['--model', broken], /cannot load model/],
      [['--model', gen.path, '--memory-limit-mb', '1'], /needs about .* MiB/],
      [['--model', gen.path, '--doc', path.join(dir, 'missing.ts')], /cannot read document/],
    ] as const) {
      const io = capture(true);
      const code = await runComplete([...argv, '--prefix-file', prefixFile], io);
      expect(code).toBeGreaterThan(0);
      expect(io.err).toHaveLength(1);
      expect(io.err[0]).toMatch(pattern);
    }
  });

  it('is wired into main/cli.ts as `steerway complete`', () => {
    const script = `import { main } from './main/cli.ts'; process.exitCode = await main(process.argv.slice(1));`;
    const tsx = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');
    const out = execFileSync(tsx, ['--input-type=module', '-e', script, 'complete', '--model', gen.path, '--prefix-file', prefixFile, '--max-tokens', '2', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, GGML_BACKEND_PATH: pinnedCpuBackend() },
    });
    const parsed = JSON.parse(out) as { report: { promptTokens: number } };
    expect(parsed.report.promptTokens).toBeGreaterThan(0);
  });
});
