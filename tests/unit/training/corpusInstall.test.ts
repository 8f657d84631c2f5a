// The corpus's extra packages at miniature scale, without the network: a package packed here into a tarball, listed,
// installed by npm into a cache folder without install scripts, and read beside the other roots with its licence.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCorpus } from '../../../training/corpus/corpus';
import { installPackages, PACKAGE_LIST, PackageListError, parsePackageList } from '../../../training/corpus/install';

let tmp: string;
let list: string[];
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-corpus-install-'));
  const src = path.join(tmp, 'src');
  fs.mkdirSync(path.join(src, 'lib'), { recursive: true });
  fs.writeFileSync(path.join(src, 'package.json'), JSON.stringify({
    name: 'tiny-helpers', version: '1.2.3', license: 'MIT', main: 'lib/index.js',
    // Never run: the cache is installed with --ignore-scripts.
    scripts: { postinstall: 'node -e "require(\'fs\').writeFileSync(\'SCRIPT-RAN\', \'\')"' },
  }));
  fs.writeFileSync(path.join(src, 'LICENSE'), 'MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n');
  const body = Array.from({ length: 30 }, (_, i) => `export function helper${i}(items) {\n  return items.map((item) => item.size * ${i});\n}\n`).join('\n');
  fs.writeFileSync(path.join(src, 'lib/index.js'), body);
  const pack = spawnSync('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: src, encoding: 'utf8' });
  expect(pack.status, pack.stderr).toBe(0);
  list = parsePackageList('# a list\n./tiny-helpers-1.2.3.tgz\n');
}, 120_000);
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the package list', () => {
  it('takes pinned name@version lines and local tarballs, comments ignored', () => {
    expect(parsePackageList('zod@4.6.7  # schemas\n\n@scope/pkg@1.0.0-beta.1\n./x.tgz\n')).toEqual(['zod@4.6.7', '@scope/pkg@1.0.0-beta.1', './x.tgz']);
  });

  it('refuses an unpinned, odd or repeated entry, naming the line', () => {
    expect(() => parsePackageList('zod\n', 'list.txt')).toThrow(/list.txt:1: "zod" is not name@version/);
    expect(() => parsePackageList('ok@1.0.0\nzod@^4\n')).toThrow(/:2:/);
    expect(() => parsePackageList('a@1.0.0; rm -rf /\n')).toThrow(PackageListError);
    expect(() => parsePackageList('a@1.0.0\na@1.0.0\n')).toThrow(/twice/);
  });

  it('the shipped list parses', () => {
    expect(parsePackageList(fs.readFileSync(PACKAGE_LIST, 'utf8')).length).toBeGreaterThanOrEqual(80);
  });
});

describe('installing into the cache', () => {
  it('installs with npm and no install scripts, then reads the package beside the other roots with its licence', () => {
    const cache = path.join(tmp, 'cache');
    const first = installPackages(list, cache, tmp);
    expect(first).toEqual({ root: path.join(cache, 'node_modules'), installed: true });
    const dir = path.join(first.root, 'tiny-helpers');
    expect(fs.existsSync(path.join(dir, 'lib/index.js'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'SCRIPT-RAN'))).toBe(false);
    // The same list again: nothing to install (offline, reproducible).
    expect(installPackages(list, cache, tmp).installed).toBe(false);

    const manifest = buildCorpus({ roots: [first.root], outDir: path.join(tmp, 'out'), evalShare: 0 });
    const entry = manifest.packages.find((p) => p.name === 'tiny-helpers')!;
    expect(entry).toMatchObject({ version: '1.2.3', licence: 'MIT', licenceFile: 'LICENSE', kept: true });
    expect(entry.files).toBe(1);
  }, 120_000);

  it('reports npm failing, with its message', () => {
    expect(() => installPackages(['./missing-9.9.9.tgz'], path.join(tmp, 'cache2'), tmp)).toThrow(/npm install into .* failed/);
  }, 120_000);
});
