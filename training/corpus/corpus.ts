// The corpus stage: permissively licensed source files of the packages under a root, filtered, deduplicated,
// split by package into train and eval, written as corpus.jsonl and corpus-manifest.json (see ../README.md).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_FILE_FILTER, DROP_REASONS, classifyFile, dedupKey, dropByPath, extensionOf, twinDrops, type DropReason, type FileFilterOptions } from './files';
import { packageLicence } from './licence';
import { findPackages, packageFiles } from './packages';

export type Split = 'train' | 'eval';

export interface CorpusRecord {
  package: string;
  version: string;
  split: Split;
  path: string;
  text: string;
}

export interface CorpusOptions {
  /** Folders of packages (node_modules folders); a name@version found in several is taken once. */
  roots: string[];
  /** Where corpus.jsonl and corpus-manifest.json go (created). */
  outDir: string;
  /** Share of package names that go to eval (default 0.08). */
  evalShare?: number;
  /** Stop once this many bytes of text are kept (default: no cap). */
  maxBytes?: number | null;
  /** Take at most about this many bytes from one package (its first files in path order; default: no cap). */
  maxPackageBytes?: number | null;
  /** Keep every version of a package name (default: the newest permissive one only; other versions are near copies). */
  allVersions?: boolean;
  /** Orders the packages for the cap (default 1). The split does not depend on it. */
  seed?: number;
  filter?: Partial<FileFilterOptions>;
}

/** Why a whole package is not in the corpus. */
export type PackageDropReason = 'licence' | 'version' | 'no-files' | 'cap';

export interface PackageEntry {
  name: string;
  version: string;
  /** The packages folder it was found in, as given. */
  root: string;
  /** Folder under that root. */
  dir: string;
  /** SPDX expression from package.json, or null. */
  licence: string | null;
  licenceFile: string | null;
  split: Split;
  kept: boolean;
  reason: PackageDropReason | null;
  /** A cap (the corpus's or the package's) was reached inside this package: only its first files are in. */
  capped: boolean;
  files: number;
  bytes: number;
  dropped: Partial<Record<DropReason, number>>;
}

export interface Count {
  files: number;
  bytes: number;
}

export interface CorpusManifest {
  options: { roots: string[]; evalShare: number; maxBytes: number | null; maxPackageBytes: number | null; allVersions: boolean; seed: number; filter: FileFilterOptions };
  totals: {
    packages: { found: number; repeated: number; unreadable: number; kept: number; licence: number; version: number; noFiles: number; cap: number };
    files: number;
    bytes: number;
    bySplit: Record<Split, Count & { packages: number }>;
    byExtension: Record<string, Count>;
    byLicence: Record<string, Count & { packages: number }>;
    /** Files left out, by reason; `unlicensed` counts the source files of packages without a permissive licence. */
    dropped: Record<DropReason | 'unlicensed', Count>;
  };
  packages: PackageEntry[];
}

export class CorpusOptionsError extends Error {
  override readonly name = 'CorpusOptionsError';
}

const hashUnit = (text: string): number => crypto.createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;

/** The split of a package: a fixed hash of its name, so every version lands on the same side in every run. */
export function splitOf(name: string, evalShare: number): Split {
  return hashUnit(`steerway-corpus-split/1\u0000${name}`) < evalShare ? 'eval' : 'train';
}

/** Orders versions: numeric major.minor.patch, a prerelease before its release, then the text. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): [number[], string] => {
    const m = /^(\d+)\.(\d+)\.(\d+)(?:-([^+]*))?/.exec(v);
    return m ? [[Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : 0], m[4] ?? ''] : [[-1, -1, -1, 0], v];
  };
  const [na, ta] = parse(a);
  const [nb, tb] = parse(b);
  for (let i = 0; i < na.length; i++) if (na[i] !== nb[i]) return na[i]! - nb[i]!;
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

function emptyCount(): Count {
  return { files: 0, bytes: 0 };
}

function add(count: Count, bytes: number): void {
  count.files++;
  count.bytes += bytes;
}

export function buildCorpus(options: CorpusOptions): CorpusManifest {
  const evalShare = options.evalShare ?? 0.08;
  const maxBytes = options.maxBytes ?? null;
  const maxPackageBytes = options.maxPackageBytes ?? null;
  const seed = options.seed ?? 1;
  const filter: FileFilterOptions = { ...DEFAULT_FILE_FILTER, ...options.filter };
  if (!(evalShare >= 0 && evalShare <= 1)) throw new CorpusOptionsError(`evalShare must be in [0, 1], got ${evalShare}`);
  if (maxBytes !== null && !(maxBytes > 0)) throw new CorpusOptionsError(`maxBytes must be positive, got ${maxBytes}`);
  if (maxPackageBytes !== null && !(maxPackageBytes > 0)) throw new CorpusOptionsError(`maxPackageBytes must be positive, got ${maxPackageBytes}`);
  if (options.roots.length === 0) throw new CorpusOptionsError('no packages folder given');
  for (const root of options.roots) {
    if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new CorpusOptionsError(`no packages folder at ${root}`);
  }

  const scan = findPackages(options.roots);
  const entries = scan.packages.map((p): PackageEntry & { abs: string; order: number } => {
    const licence = packageLicence(p.manifest);
    return {
      name: p.name, version: p.version, root: p.root, dir: p.relDir, licence: licence.expression, licenceFile: p.licenceFile,
      split: splitOf(p.name, evalShare), kept: false, reason: licence.permissive ? null : 'licence', capped: false,
      files: 0, bytes: 0, dropped: {},
      abs: p.dir, order: hashUnit(`steerway-corpus-order/1\u0000${seed}\u0000${p.name}@${p.version}`),
    };
  });

  // One version of a name: node_modules often holds several, and they are mostly the same code.
  if (!options.allVersions) {
    const newest = new Map<string, string>();
    for (const e of entries) {
      if (e.reason !== null) continue;
      const best = newest.get(e.name);
      if (best === undefined || compareVersions(e.version, best) > 0) newest.set(e.name, e.version);
    }
    for (const e of entries) if (e.reason === null && newest.get(e.name) !== e.version) e.reason = 'version';
  }

  const dropped = Object.fromEntries([...DROP_REASONS, 'unlicensed'].map((r) => [r, emptyCount()])) as CorpusManifest['totals']['dropped'];
  const byExtension: Record<string, Count> = {};
  const seen = new Set<string>();
  let total = 0;

  fs.mkdirSync(options.outDir, { recursive: true });
  const out = fs.openSync(path.join(options.outDir, 'corpus.jsonl'), 'w');
  try {
    for (const e of entries) {
      if (e.reason !== 'licence') continue;
      for (const rel of packageFiles(e.abs)) {
        if (extensionOf(rel)) add(dropped.unlicensed, fs.statSync(path.join(e.abs, rel)).size);
      }
    }
    // The cap takes packages in a seeded hash order, so a capped corpus is a fair sample of the packages.
    const order = entries.filter((e) => e.reason === null).sort((a, b) => a.order - b.order || (a.dir < b.dir ? -1 : 1));
    for (const e of order) {
      if (maxBytes !== null && total >= maxBytes) {
        e.reason = 'cap';
        continue;
      }
      const drop = (reason: DropReason, bytes: number): void => {
        e.dropped[reason] = (e.dropped[reason] ?? 0) + 1;
        add(dropped[reason], bytes);
      };
      const lines: string[] = [];
      const files = packageFiles(e.abs);
      const twins = twinDrops(files.filter((f) => extensionOf(f)), (rel) => fs.readFileSync(path.join(e.abs, rel)), filter);
      for (const rel of files) {
        const ext = extensionOf(rel);
        if (!ext) continue;
        // Path order keeps a capped package's files together, folder by folder (related files for the samples).
        if ((maxBytes !== null && total >= maxBytes) || (maxPackageBytes !== null && e.bytes >= maxPackageBytes)) {
          e.capped = true;
          break;
        }
        const abs = path.join(e.abs, rel);
        const byPath = dropByPath(rel) ?? (twins.has(rel) ? 'twin' : null);
        if (byPath) {
          drop(byPath, fs.statSync(abs).size);
          continue;
        }
        const bytes = fs.readFileSync(abs);
        const result = classifyFile(bytes, filter);
        if ('reason' in result) {
          drop(result.reason, bytes.length);
          continue;
        }
        // Exact duplicates are dropped across the whole corpus, so a text is never in both train and eval.
        const key = dedupKey(result.text);
        if (seen.has(key)) {
          drop('duplicate', bytes.length);
          continue;
        }
        seen.add(key);
        const size = Buffer.byteLength(result.text);
        const record: CorpusRecord = { package: e.name, version: e.version, split: e.split, path: rel, text: result.text };
        lines.push(JSON.stringify(record));
        e.files++;
        e.bytes += size;
        total += size;
        add((byExtension[ext] ??= emptyCount()), size);
      }
      if (e.files === 0) {
        e.reason = 'no-files';
        continue;
      }
      e.kept = true;
      fs.writeSync(out, lines.join('\n') + '\n');
    }
  } finally {
    fs.closeSync(out);
  }

  const bySplit: CorpusManifest['totals']['bySplit'] = { train: { packages: 0, files: 0, bytes: 0 }, eval: { packages: 0, files: 0, bytes: 0 } };
  const byLicence: CorpusManifest['totals']['byLicence'] = {};
  for (const e of entries) {
    if (!e.kept) continue;
    for (const c of [bySplit[e.split], (byLicence[e.licence ?? 'none'] ??= { packages: 0, files: 0, bytes: 0 })]) {
      c.packages++;
      c.files += e.files;
      c.bytes += e.bytes;
    }
  }
  const packages = entries.map(({ abs: _abs, order: _order, ...rest }) => rest);
  const count = (reason: PackageDropReason): number => packages.filter((p) => p.reason === reason).length;
  const manifest: CorpusManifest = {
    options: { roots: options.roots, evalShare, maxBytes, maxPackageBytes, allVersions: options.allVersions ?? false, seed, filter },
    totals: {
      packages: {
        found: packages.length, repeated: scan.repeated, unreadable: scan.unreadable.length, kept: packages.filter((p) => p.kept).length,
        licence: count('licence'), version: count('version'), noFiles: count('no-files'), cap: count('cap'),
      },
      files: bySplit.train.files + bySplit.eval.files,
      bytes: total,
      bySplit,
      byExtension: Object.fromEntries(Object.entries(byExtension).sort(([a], [b]) => (a < b ? -1 : 1))),
      byLicence: Object.fromEntries(Object.entries(byLicence).sort(([a], [b]) => (a < b ? -1 : 1))),
      dropped,
    },
    packages,
  };
  fs.writeFileSync(path.join(options.outDir, 'corpus-manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
