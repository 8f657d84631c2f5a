// Finds the packages under a packages root (a node_modules folder, or any folder of package folders):
// plain and scoped (`@a/b`) ones and those in nested node_modules, each name@version once.
import fs from 'node:fs';
import path from 'node:path';
import { LICENCE_FILE } from './licence';

export interface FoundPackage {
  name: string;
  version: string;
  /** The packages folder it was found in, as given. */
  root: string;
  /** Absolute folder. */
  dir: string;
  /** Folder relative to the root, POSIX separators. */
  relDir: string;
  manifest: Record<string, unknown>;
  /** Name of the licence file in the package folder, or null. */
  licenceFile: string | null;
}

export interface PackageScan {
  packages: FoundPackage[];
  /** Folders seen again under the same name@version (nested copies, other roots); skipped. */
  repeated: number;
  /** Package folders whose package.json is missing, unreadable or nameless. */
  unreadable: string[];
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function sortedEntries(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

/**
 * Every package under the roots, in a stable order: roots in turn, each breadth first (the hoisted top-level
 * copy of a name@version wins over nested ones), sorted names within a folder. Symbolic links are not followed
 * (workspaces link back into the tree).
 */
export function findPackages(roots: readonly string[]): PackageScan {
  const packages: FoundPackage[] = [];
  const seen = new Set<string>();
  const unreadable: string[] = [];
  let repeated = 0;
  let root = '';
  let queue: string[] = [];

  const visitPackage = (dir: string): void => {
    const relDir = path.relative(path.resolve(root), dir).split(path.sep).join('/');
    const manifest = readJson(path.join(dir, 'package.json'));
    const name = manifest && typeof manifest.name === 'string' ? manifest.name : '';
    if (!manifest || !name) {
      unreadable.push(relDir);
    } else {
      const version = typeof manifest.version === 'string' ? manifest.version : '0.0.0';
      const key = `${name}@${version}`;
      if (seen.has(key)) {
        repeated++;
      } else {
        seen.add(key);
        const licenceFile = sortedEntries(dir).find((e) => e.isFile() && LICENCE_FILE.test(e.name))?.name ?? null;
        packages.push({ name, version, root, dir, relDir, manifest, licenceFile });
      }
    }
    const nested = path.join(dir, 'node_modules');
    if (fs.existsSync(nested)) queue.push(nested);
  };

  const visitModules = (dir: string): void => {
    for (const entry of sortedEntries(dir)) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.name.startsWith('@')) {
        for (const scoped of sortedEntries(full)) {
          if (scoped.isDirectory() && !scoped.name.startsWith('.')) visitPackage(path.join(full, scoped.name));
        }
      } else {
        visitPackage(full);
      }
    }
  };

  for (const r of roots) {
    root = r;
    queue = [path.resolve(r)];
    while (queue.length > 0) {
      const level = queue;
      queue = [];
      for (const dir of level) visitModules(dir);
    }
  }
  return { packages, repeated, unreadable };
}

/**
 * A package's files (paths relative to its folder, POSIX, sorted), without nested node_modules (they are
 * packages of their own), hidden folders, or links.
 */
export function packageFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string): void => {
    for (const entry of sortedEntries(abs)) {
      if (entry.name.startsWith('.')) continue;
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path.join(abs, entry.name), childRel);
      } else if (entry.isFile()) {
        out.push(childRel);
      }
    }
  };
  walk(dir, '');
  return out;
}
