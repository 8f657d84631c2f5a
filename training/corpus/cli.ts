// npx tsx training/corpus/cli.ts --out out/training/<run> [--root node_modules]... [--max-mb 20]
//   [--max-package-mb 2] [--eval-share 0.08] [--seed 1] [--max-file-kb 200] [--min-file-bytes 128] [--all-versions]
//   [--packages training/corpus/packages.txt [--cache out/training/package-cache]]
// --packages installs the listed npm packages into the cache folder (install.ts) and reads them beside the roots.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildCorpus, CorpusOptionsError } from './corpus';
import { installPackages, PackageListError, parsePackageList } from './install';

class UsageError extends Error {
  override readonly name = 'UsageError';
}

const USAGE = 'usage: tsx training/corpus/cli.ts --out <dir> [--root <packages folder>]... [--max-mb <n>] [--max-package-mb <n>] [--eval-share <0..1>] [--seed <n>] [--max-file-kb <n>] [--min-file-bytes <n>] [--all-versions] [--packages <list> [--cache <dir>]]';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a non-negative number, got ${value}`);
  return n;
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' }, root: { type: 'string', multiple: true }, 'max-mb': { type: 'string' }, 'max-package-mb': { type: 'string' }, 'eval-share': { type: 'string' },
        seed: { type: 'string' }, 'max-file-kb': { type: 'string' }, 'min-file-bytes': { type: 'string' },
        packages: { type: 'string' }, cache: { type: 'string' }, 'all-versions': { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!values.out) throw new UsageError('--out <dir> is required');
  const maxMb = number('max-mb', values['max-mb']);
  const maxPackageMb = number('max-package-mb', values['max-package-mb']);
  const maxFileKb = number('max-file-kb', values['max-file-kb']);
  const minFileBytes = number('min-file-bytes', values['min-file-bytes']);
  const started = performance.now();
  // Relative to the working folder, so the manifest does not record this machine's paths.
  const roots = values.root ?? [path.relative(process.cwd(), path.join(repoRoot, 'node_modules')) || '.'];
  if (values.packages) {
    const specs = parsePackageList(fs.readFileSync(values.packages, 'utf8'), values.packages);
    const cache = values.cache ?? path.join(repoRoot, 'out/training/package-cache');
    const { root, installed } = installPackages(specs, cache, path.dirname(path.resolve(values.packages)));
    console.log(`packages: ${specs.length} listed, ${installed ? 'installed into' : 'already in'} ${root}`);
    roots.push(path.relative(process.cwd(), root) || '.');
  }
  const manifest = buildCorpus({
    roots,
    outDir: values.out,
    evalShare: number('eval-share', values['eval-share']),
    maxBytes: maxMb ? Math.round(maxMb * 1e6) : null,
    maxPackageBytes: maxPackageMb ? Math.round(maxPackageMb * 1e6) : null,
    seed: number('seed', values.seed),
    allVersions: values['all-versions'] ?? false,
    filter: {
      ...(maxFileKb !== undefined ? { maxFileBytes: Math.round(maxFileKb * 1000) } : {}),
      ...(minFileBytes !== undefined ? { minFileBytes } : {}),
    },
  });
  const t = manifest.totals;
  const mb = (b: number): string => (b / 1e6).toFixed(1);
  console.log(`corpus: ${t.packages.kept} of ${t.packages.found} packages, ${t.files} files, ${mb(t.bytes)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  train ${t.bySplit.train.packages} packages / ${t.bySplit.train.files} files / ${mb(t.bySplit.train.bytes)} MB; eval ${t.bySplit.eval.packages} / ${t.bySplit.eval.files} / ${mb(t.bySplit.eval.bytes)} MB`);
  console.log(`  dropped files: ${Object.entries(t.dropped).map(([r, c]) => `${r} ${c.files}`).join(', ')}`);
  console.log(`  packages left out: licence ${t.packages.licence}, older version ${t.packages.version}, no files ${t.packages.noFiles}, cap ${t.packages.cap}`);
  console.log(`  wrote ${path.join(values.out, 'corpus.jsonl')} and corpus-manifest.json`);
}

try {
  main();
} catch (err) {
  if (!(err instanceof UsageError || err instanceof CorpusOptionsError || err instanceof PackageListError)) throw err;
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}
