// `steerway heads`: probes a model's attention heads on held-out code and writes its head profile (issue 13).
import fs from 'node:fs/promises';
import path from 'node:path';
import { AddonNotBuiltError, BinsNotFoundError, isNativeError, loadAddon, type AddonModel, type LoadAddonOptions } from '../../native/binding';
import { languageOfFile, PATTERN_NAMES } from '../analysis';
import { modelIdentity } from '../engine';
import { GgufFormatError, readGgufHeader } from '../gguf/header';
import { headProfilePath, HEAD_PROFILE_VERSION, type HeadProfile } from '../heads/profile';
import { probeHeads, type ProbeFile } from '../heads/probe';
import { headTable, heatmapSvg } from '../heads/report';
import { CliUsageError, integer } from './args';

export const HEADS_USAGE =
  'usage: steerway heads --model <gguf> [--files <dir|file>]... [--max-files n] [--max-tokens n] [--cache-dir d] [--svg <dir>] [--json]';

/** Without --files: the training evaluation's held-out files, found in the clone's node_modules. */
export const DEFAULT_FILE_LIST = 'training/eval/eval-files.json';

export interface HeadsArgs {
  model: string;
  files: string[];
  maxFiles: number;
  maxTokens: number;
  cacheDir: string | null;
  svg: string | null;
  json: boolean;
}

const VALUE_FLAGS = ['--model', '--files', '--max-files', '--max-tokens', '--cache-dir', '--svg'];

export function parseHeadsArgs(argv: readonly string[]): HeadsArgs {
  const values = new Map<string, string>();
  const files: string[] = [];
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') {
      json = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!VALUE_FLAGS.includes(flag)) throw new CliUsageError(arg.startsWith('--') ? `unknown argument ${flag}` : `unexpected argument ${arg}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') throw new CliUsageError(`${flag} needs a value`);
    if (flag === '--files') files.push(value);
    else if (values.has(flag)) throw new CliUsageError(`${flag} given twice`);
    else values.set(flag, value);
  }
  const model = values.get('--model');
  if (model === undefined) throw new CliUsageError('--model <gguf> is required');
  const maxFiles = values.get('--max-files');
  const maxTokens = values.get('--max-tokens');
  return {
    model,
    files,
    maxFiles: maxFiles === undefined ? 64 : integer('--max-files', maxFiles, 1),
    maxTokens: maxTokens === undefined ? 512 : integer('--max-tokens', maxTokens, 2, 8192),
    cacheDir: values.get('--cache-dir') ?? null,
    svg: values.get('--svg') ?? null,
    json,
  };
}

/** A command line or input that cannot be probed: one line, exit 2. */
export class HeadsInputError extends Error {
  override readonly name = 'HeadsInputError';
}

const SKIPPED_FOLDERS = new Set(['node_modules']);

/** The code files (by the analysis' languages) under each path, sorted, a folder walked without node_modules and dot-folders. */
export async function collectCodeFiles(paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_FOLDERS.has(entry.name)) await walk(full);
      } else if (entry.isFile() && languageOfFile(entry.name)) found.push(full);
    }
  };
  for (const given of paths) {
    let stat;
    try {
      stat = await fs.stat(given);
    } catch {
      throw new HeadsInputError(`--files ${given}: no such file or folder`);
    }
    if (stat.isDirectory()) await walk(given);
    else if (languageOfFile(given)) found.push(given);
    else throw new HeadsInputError(`--files ${given}: not a file the analysis reads (TypeScript, JavaScript, Python)`);
  }
  return [...new Set(found)];
}

/** The default held-out set: the files DEFAULT_FILE_LIST names that this clone's node_modules holds. */
export async function defaultCodeFiles(repoRoot: string): Promise<string[]> {
  const listFile = path.join(repoRoot, DEFAULT_FILE_LIST);
  let list: { files: { package: string; path: string }[] };
  try {
    list = JSON.parse(await fs.readFile(listFile, 'utf8')) as typeof list;
  } catch {
    throw new HeadsInputError(`cannot read the default file list ${listFile}: give --files <dir>`);
  }
  const files: string[] = [];
  for (const entry of list.files) {
    const file = path.join(repoRoot, 'node_modules', entry.package, entry.path);
    if (!files.includes(file) && languageOfFile(file) && (await fs.stat(file).then((s) => s.isFile(), () => false))) files.push(file);
  }
  return files;
}

export interface HeadsIo {
  stdout: (text: string) => void;
  stderr: (line: string) => void;
  /** The app's block cache folder (the profile's default place). */
  defaultCacheDir: string;
  /** Where DEFAULT_FILE_LIST and node_modules are. */
  repoRoot: string;
  /** Tests pin the CPU backend. */
  addon?: LoadAddonOptions;
}

async function openModel(file: string, addonOptions: LoadAddonOptions | undefined): Promise<AddonModel> {
  try {
    if (!(await fs.stat(file)).isFile()) throw new HeadsInputError(`--model ${file}: not a file`);
  } catch (error) {
    if (error instanceof HeadsInputError) throw error;
    throw new HeadsInputError(`--model ${file}: no such file`);
  }
  try {
    await readGgufHeader(file); // only a sane GGUF reaches llama.cpp's parser
  } catch (error) {
    if (error instanceof GgufFormatError) throw new HeadsInputError(`--model ${file}: not a GGUF model (${error.message})`);
    throw error;
  }
  const addon = loadAddon(addonOptions);
  addon.setLogLevel('none');
  try {
    return await addon.loadModel(file);
  } catch (error) {
    if (isNativeError(error)) throw new HeadsInputError(`--model ${file}: llama.cpp cannot load it (${error.message})`);
    throw error;
  }
}

/** Runs `heads`; exit code 0 done, 2 bad arguments, model or files (one line on stderr), 1 anything else. */
export async function runHeads(argv: readonly string[], io: HeadsIo): Promise<number> {
  let args: HeadsArgs;
  try {
    args = parseHeadsArgs(argv);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    io.stderr(`steerway heads: ${error.message} (steerway heads --help)`);
    return 2;
  }
  let model: AddonModel | null = null;
  try {
    const paths = args.files.length > 0 ? await collectCodeFiles(args.files) : await defaultCodeFiles(io.repoRoot);
    if (paths.length === 0) throw new HeadsInputError(args.files.length > 0 ? `no TypeScript or JavaScript files in ${args.files.join(', ')}` : `none of the files ${DEFAULT_FILE_LIST} names is in node_modules: give --files <dir>`);
    const files: ProbeFile[] = [];
    for (const file of paths.slice(0, args.maxFiles)) {
      try {
        files.push({ file, text: await fs.readFile(file, 'utf8') });
      } catch (error) {
        throw new HeadsInputError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    model = await openModel(args.model, io.addon);
    const cacheDir = path.resolve(args.cacheDir ?? io.defaultCacheDir);
    await fs.mkdir(cacheDir, { recursive: true, mode: 0o700 });
    const identity = await modelIdentity(args.model, await fs.stat(args.model), cacheDir);

    const { skipped, ...probed } = await probeHeads(model, files, { maxTokens: args.maxTokens });
    const skippedNote = `${skipped.length} files skipped: ${skipped.map((s) => `${s.file} (${s.reason})`).join(', ')}`;
    if (probed.files.count === 0) throw new HeadsInputError(skipped.length > 0 ? `no file could be probed (${skippedNote})` : 'no file gave two tokens or more to probe');
    if (skipped.length > 0) io.stderr(`steerway heads: ${skippedNote}`);
    const { nLayer, nHead, nHeadKv } = model.info;
    const profile: HeadProfile = {
      version: HEAD_PROFILE_VERSION,
      model: { identity, name: path.basename(args.model), nLayer, nHead, nHeadKv },
      ...probed,
    };
    const out = headProfilePath(cacheDir, identity);
    await fs.mkdir(path.dirname(out), { recursive: true });
    await fs.writeFile(out, `${JSON.stringify(profile, null, 1)}\n`);
    io.stderr(`steerway heads: profile of ${profile.files.count} files (${profile.files.tokens} tokens) written to ${out}`);
    if (args.svg) {
      await fs.mkdir(args.svg, { recursive: true });
      for (const pattern of PATTERN_NAMES) await fs.writeFile(path.join(args.svg, `${pattern}.svg`), heatmapSvg(profile, pattern));
      io.stderr(`steerway heads: heatmaps written to ${path.join(args.svg, '<pattern>.svg')}`);
    }
    io.stdout(args.json ? `${JSON.stringify(profile, null, 1)}\n` : headTable(profile));
    return 0;
  } catch (error) {
    if (error instanceof HeadsInputError) {
      io.stderr(`steerway heads: ${error.message}`);
      return 2;
    }
    if (error instanceof AddonNotBuiltError || error instanceof BinsNotFoundError) {
      io.stderr(`steerway heads: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    model?.dispose();
  }
}
