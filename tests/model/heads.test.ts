// Head probing on tiny GGUF models (issue 13 items 3 and 6): a head built to attend to the previous token is ranked
// first for that pattern, a random model's same head is not, and `steerway heads` writes the profile where the
// engine looks for it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { LlamaNativeError, type AddonContext, type AddonModel, type NativeAddon } from '../../native/binding';
import { PATTERN_NAMES } from '../../assistant/analysis';
import { HEADS_USAGE, runHeads } from '../../assistant/cli/heads';
import { headProfilePath, type HeadProfile } from '../../assistant/heads/profile';
import { probeHeads, type ProbeFile } from '../../assistant/heads/probe';
import { rankHeads } from '../../assistant/heads/report';
import { generatePreviousTokenModel } from '../../tools/gguf-fixtures/previousTokenHead';
import { main } from '../../main/cli';
import { describeNative, makeModel, pinnedCpuBackend, setupAddon, tempDir } from './helpers';

const root = path.resolve(new URL('../..', import.meta.url).pathname);
/** Real code of this repository: identifiers, brackets and use-def edges for every pattern. */
const SOURCES = ['assistant/analysis/patterns.ts', 'assistant/analysis/promptMap.ts', 'assistant/heads/profile.ts'];
/** Dense code: the tiny vocabulary spends about 1.5 characters a token, and the files above open with comments. */
const DENSE = `function sum(xs: number[]) {
  let total = 0;
  for (const x of xs) total += x;
  return total;
}
const values = [1, 2, 3];
const result = sum(values) + sum([values.length, result]);
`;
const files: ProbeFile[] = [
  { file: 'dense.ts', text: DENSE },
  ...SOURCES.map((file) => ({ file, text: fs.readFileSync(path.join(root, file), 'utf8') })),
];
const HEAD = 2;

/** Methods of a native object called on the object itself (a Proxy's `this` is not the wrapped native object). */
function forward<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get: (t, key) => {
      if (key in overrides) return overrides[key as keyof T];
      const value: unknown = Reflect.get(t, key, t);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/** Texts the model fails to tokenize, and texts whose decodes fail from a given one on. */
const UNTOKENIZABLE = '// untokenizable\n';
const UNDECODABLE = '// undecodable\n';

/** `model` failing as a model may on some text: ERR_TOKENIZE, or ERR_DECODE_FAILED from the text's decode `failAt` (1-based) on. */
function failingOn(model: AddonModel, failAt: number): AddonModel {
  let text = '';
  return forward(model, {
    tokenize: (t: string) => {
      if (t.startsWith(UNTOKENIZABLE)) throw new LlamaNativeError('llama_tokenize failed', 'ERR_TOKENIZE');
      text = t;
      return model.tokenize(t);
    },
    createContext: async (options: Parameters<AddonModel['createContext']>[0]) => {
      const ctx = await model.createContext(options);
      let decodes = 0;
      let of = '';
      return forward<AddonContext>(ctx, {
        decode: async (batch: Parameters<AddonContext['decode']>[0]) => {
          decodes = of === text ? decodes + 1 : 1;
          of = text;
          if (text.startsWith(UNDECODABLE) && decodes >= failAt) throw new LlamaNativeError('llama_decode failed', 'ERR_DECODE_FAILED');
          return ctx.decode(batch);
        },
      });
    },
  });
}

describeNative('head probing', () => {
  let addon: NativeAddon;
  let dir: string;
  let built: AddonModel;
  let random: AddonModel;

  beforeAll(async () => {
    addon = setupAddon();
    dir = tempDir();
    built = await addon.loadModel(generatePreviousTokenModel(path.join(dir, 'previous.gguf'), { head: HEAD }).path);
    random = await addon.loadModel(makeModel(dir, { seed: 1 }).path);
  });
  afterAll(() => {
    built?.dispose();
    random?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ranks the head built to attend to the previous token first for that pattern, and not for the sink', async () => {
    const profile = await probeHeads(built, files, { maxTokens: 256 });
    expect(profile.files.count).toBe(4);
    for (const pattern of PATTERN_NAMES) expect(profile.patterns[pattern].rows, pattern).toBeGreaterThan(0);

    const [best, second] = rankHeads(profile.patterns['previous-token']);
    expect({ layer: best!.layer, head: best!.head }).toEqual({ layer: 0, head: HEAD });
    expect(best!.top1).toBeGreaterThan(0.99);
    expect(best!.mass).toBeGreaterThan(0.95);
    expect(second!.top1).toBeLessThan(0.5);
    const sinkBest = rankHeads(profile.patterns.sink)[0]!;
    expect(`${sinkBest.layer}.${sinkBest.head}`).not.toBe(`0.${HEAD}`);
    const builtOnSink = profile.patterns.sink.heads.find((s) => s.layer === 0 && s.head === HEAD)!;
    expect(builtOnSink.top1).toBeLessThan(0.05);

    // Control: the same head of a random model of the same shape follows nothing.
    const control = await probeHeads(random, files, { maxTokens: 256 });
    const same = control.patterns['previous-token'].heads.find((s) => s.layer === 0 && s.head === HEAD)!;
    expect(same.top1).toBeLessThan(0.5);
  });

  it('scores the same whether the layers are observed together or one at a time', async () => {
    const together = await probeHeads(random, files.slice(0, 1), { maxTokens: 128 });
    const oneByOne = await probeHeads(random, files.slice(0, 1), { maxTokens: 128, observeBudgetBytes: 1 });
    expect(oneByOne).toEqual(together);
  });

  it('skips the files the model fails to tokenize or decode, counting nothing of them', async () => {
    const good = files.slice(0, 2);
    const bad = [{ file: 'a.ts', text: UNTOKENIZABLE + DENSE }, { file: 'b.ts', text: UNDECODABLE + DENSE }];
    const options = { maxTokens: 96, observeBudgetBytes: 1 };
    const probed = await probeHeads(failingOn(random, 2), [bad[0]!, good[0]!, bad[1]!, good[1]!], options); // b.ts fails in its second layer group
    expect(probed.skipped).toEqual([
      { file: 'a.ts', reason: 'ERR_TOKENIZE: llama_tokenize failed' },
      { file: 'b.ts', reason: 'ERR_DECODE_FAILED: llama_decode failed' },
    ]);
    expect(probed).toEqual({ ...(await probeHeads(random, good, options)), skipped: probed.skipped });
  });

  it('steerway heads notes the skipped files in one line, and fails in one line (exit 2) when no file could be probed', async () => {
    const original = addon.loadModel.bind(addon);
    const spy = vi.spyOn(addon, 'loadModel').mockImplementation(async (file, options) => failingOn(await original(file, options), 1));
    const codeDir = path.join(dir, 'skipping');
    fs.mkdirSync(codeDir);
    fs.writeFileSync(path.join(codeDir, 'a.ts'), UNTOKENIZABLE + DENSE);
    fs.writeFileSync(path.join(codeDir, 'b.ts'), UNDECODABLE + DENSE);
    const run = async (given: string[]): Promise<{ code: number; stderr: string[] }> => {
      const stderr: string[] = [];
      const args = ['--model', path.join(dir, 'previous.gguf'), ...given.flatMap((f) => ['--files', f]), '--max-tokens', '64', '--cache-dir', path.join(dir, 'skip-cache')];
      const code = await runHeads(args, { stdout: () => undefined, stderr: (l) => stderr.push(l), defaultCacheDir: dir, repoRoot: root, addon: { cpuBackend: pinnedCpuBackend() } });
      return { code, stderr };
    };
    try {
      const none = await run([codeDir]);
      expect(none.code).toBe(2);
      expect(none.stderr).toEqual([`steerway heads: no file could be probed (2 files skipped: ${path.join(codeDir, 'a.ts')} (ERR_TOKENIZE: llama_tokenize failed), ${path.join(codeDir, 'b.ts')} (ERR_DECODE_FAILED: llama_decode failed))`]);
      fs.writeFileSync(path.join(codeDir, 'c.ts'), DENSE);
      const some = await run([codeDir]);
      expect(some.code, some.stderr.join('\n')).toBe(0);
      expect(some.stderr[0]).toBe(`steerway heads: 2 files skipped: ${path.join(codeDir, 'a.ts')} (ERR_TOKENIZE: llama_tokenize failed), ${path.join(codeDir, 'b.ts')} (ERR_DECODE_FAILED: llama_decode failed)`);
      expect(some.stderr[1]).toMatch(/profile of 1 files/);
    } finally {
      spy.mockRestore();
    }
  });

  it('steerway heads writes the profile at headProfilePath, prints it, and draws a heatmap per pattern', async () => {
    const modelFile = path.join(dir, 'previous.gguf');
    const codeDir = path.join(dir, 'code');
    fs.mkdirSync(codeDir);
    for (const f of files) fs.writeFileSync(path.join(codeDir, path.basename(f.file)), f.text);
    fs.writeFileSync(path.join(codeDir, 'broken.ts'), 'function (( {{ const = ;\n'); // no use-def rows, still probed
    const cacheDir = path.join(dir, 'cache');
    const svgDir = path.join(dir, 'svg');
    let stdout = '';
    const stderr: string[] = [];
    const code = await runHeads(['--model', modelFile, '--files', codeDir, '--max-tokens', '96', '--cache-dir', cacheDir, '--svg', svgDir, '--json'], {
      stdout: (t) => (stdout += t), stderr: (l) => stderr.push(l), defaultCacheDir: path.join(dir, 'unused'), repoRoot: root, addon: { cpuBackend: pinnedCpuBackend() },
    });
    expect(code, stderr.join('\n')).toBe(0);
    const identity = createHash('sha256').update(fs.readFileSync(modelFile)).digest('hex');
    const written = JSON.parse(fs.readFileSync(headProfilePath(cacheDir, identity), 'utf8')) as HeadProfile;
    expect(JSON.parse(stdout)).toEqual(written);
    expect(written.model).toEqual({ identity, name: 'previous.gguf', nLayer: 2, nHead: 4, nHeadKv: 2 });
    expect(written.files.count).toBe(5);
    expect(written.patterns['previous-token'].heads).toHaveLength(8);
    expect(stderr.join('\n')).toContain(headProfilePath(cacheDir, identity));
    expect(fs.existsSync(path.join(dir, 'unused'))).toBe(false);
    for (const pattern of PATTERN_NAMES) expect(fs.readFileSync(path.join(svgDir, `${pattern}.svg`), 'utf8')).toMatch(/^<svg [\s\S]*<\/svg>\n$/);
  });

  it('steerway heads is a command of the CLI, and by default writes into the app\'s block cache folder', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const env = { user: process.env.STEERWAY_USER_DATA, backend: process.env.GGML_BACKEND_PATH };
    const userData = path.join(dir, 'user-data');
    process.env.STEERWAY_USER_DATA = userData;
    process.env.GGML_BACKEND_PATH = pinnedCpuBackend(); // the backend this process already loaded
    try {
      expect(await main(['heads', '--help'])).toBe(0);
      expect(log).toHaveBeenCalledWith(HEADS_USAGE);
      const modelFile = path.join(dir, 'previous.gguf');
      const code = path.join(dir, 'one.ts');
      fs.writeFileSync(code, DENSE);
      expect(await main(['heads', '--model', modelFile, '--files', code, '--max-tokens', '64'])).toBe(0);
      const identity = createHash('sha256').update(fs.readFileSync(modelFile)).digest('hex');
      const where = headProfilePath(path.join(userData, 'kv-cache'), identity);
      expect(JSON.parse(fs.readFileSync(where, 'utf8'))).toMatchObject({ files: { count: 1, tokens: 64 } });
      expect(errors.mock.calls.map((c) => String(c[0])).join('')).toContain(where);
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(/^previous-token +63 rows/m);
    } finally {
      vi.restoreAllMocks();
      for (const [key, value] of [['STEERWAY_USER_DATA', env.user], ['GGML_BACKEND_PATH', env.backend]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
