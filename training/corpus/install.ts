// The corpus's extra packages (issue 12): a named list of permissively licensed npm packages (packages.txt), installed
// by npm itself into a cache folder without install scripts, then read as one more packages root beside
// node_modules, licences recorded as for every other package. Reproducible: the list pins versions, and a cache that
// already holds the list is used as it is (no network).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_LIST = fileURLToPath(new URL('./packages.txt', import.meta.url));
/** What the cache was installed from, so an unchanged list installs nothing. */
const STAMP = '.steerway-packages';
/** npm's flags: no install scripts, no optional native builds, peers as npm 6 did (a list, not an app). */
export const NPM_INSTALL_FLAGS = ['install', '--ignore-scripts', '--omit=optional', '--legacy-peer-deps', '--no-audit', '--no-fund', '--loglevel=error'];

export class PackageListError extends Error {
  override readonly name = 'PackageListError';
}

/** A pinned registry package (`name@1.2.3`, scoped too) or a local tarball (`./x.tgz`, for tests and mirrors). */
const SPEC = /^((@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*@\d+\.\d+\.\d+[\w.+-]*|\.{0,2}\/[^\s]+\.tgz)$/;

/** The list's specs: one a line, `#` comments and blank lines ignored; anything else is an error naming the line. */
export function parsePackageList(text: string, source = 'packages.txt'): string[] {
  const specs: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    if (!SPEC.test(line)) throw new PackageListError(`${source}:${i + 1}: "${line}" is not name@version (pinned) or a ./path.tgz`);
    specs.push(line);
  });
  if (new Set(specs).size !== specs.length) throw new PackageListError(`${source}: a package is listed twice`);
  return specs;
}

export interface InstallResult {
  /** The packages root to read: `<cache>/node_modules`. */
  root: string;
  /** False when the cache already held the list. */
  installed: boolean;
}

/**
 * Installs `specs` into `cacheDir` with `npm` (relative tarball paths resolve against `baseDir`), unless the cache was
 * installed from the same list. npm's own error output is in the error on failure.
 */
export function installPackages(specs: readonly string[], cacheDir: string, baseDir: string, npm = 'npm'): InstallResult {
  const root = path.join(cacheDir, 'node_modules');
  const resolved = specs.map((s) => (s.endsWith('.tgz') ? path.resolve(baseDir, s) : s));
  const stamp = `${[...resolved].sort().join('\n')}\n`;
  const stampFile = path.join(cacheDir, STAMP);
  if (fs.existsSync(root) && fs.readFileSync(stampFile, { encoding: 'utf8', flag: 'a+' }) === stamp) return { root, installed: false };
  fs.mkdirSync(cacheDir, { recursive: true });
  // A package.json of its own keeps npm from walking up into the repository's.
  const manifest = path.join(cacheDir, 'package.json');
  if (!fs.existsSync(manifest)) fs.writeFileSync(manifest, '{ "name": "steerway-corpus-cache", "private": true }\n');
  const result = spawnSync(npm, [...NPM_INSTALL_FLAGS, '--prefix', cacheDir, ...resolved], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (result.error) throw new PackageListError(`could not run ${npm}: ${result.error.message}`);
  if (result.status !== 0) throw new PackageListError(`npm install into ${cacheDir} failed (exit ${result.status}):\n${result.stderr.trim()}`);
  fs.writeFileSync(stampFile, stamp);
  return { root, installed: true };
}
