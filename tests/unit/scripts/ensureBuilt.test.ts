import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildIfStale, buildStaleness, ensureBuilt, inputsFingerprint, writeBuildStamp } from '../../../scripts/ensure-built.mjs';

const ensureBuiltScript = fileURLToPath(new URL('../../../scripts/ensure-built.mjs', import.meta.url));

describe('the steerway bin builds the app on its first run', () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), 'ensure-built-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('runs the build when nothing is built, then finds the CLI', () => {
    const dir = scratch();
    const builtFile = join(dir, 'cli.js');
    const buildScript = join(dir, 'build.mjs');
    writeFileSync(buildScript, `import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(builtFile)}, '');`);
    const said: string[] = [];
    expect(ensureBuilt({ builtFile, buildScript, log: (m) => said.push(m) })).toBe(true);
    expect(existsSync(builtFile)).toBe(true);
    expect(said.join('\n')).toContain('building the app once');
  });

  it('does not build again when the CLI is there', () => {
    const dir = scratch();
    const builtFile = join(dir, 'cli.js');
    writeFileSync(builtFile, '');
    const said: string[] = [];
    expect(ensureBuilt({ builtFile, buildScript: join(dir, 'missing.mjs'), log: (m) => said.push(m) })).toBe(true);
    expect(said).toEqual([]);
  });

  it('says what to do when the build fails', () => {
    const dir = scratch();
    const buildScript = join(dir, 'build.mjs');
    writeFileSync(buildScript, 'process.exit(3);');
    const said: string[] = [];
    expect(ensureBuilt({ builtFile: join(dir, 'cli.js'), buildScript, log: (m) => said.push(m) })).toBe(false);
    expect(said.at(-1)).toContain('npm run build');
  });
});

describe('npm start builds only what changed', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /**
   * A checkout in miniature: a source, a lock file, this repository's ensure-built.mjs, and a build script that counts
   * its runs and, as scripts/build.mjs does, records the fingerprint of the inputs it built from.
   */
  function checkout(): { root: string; builds: () => number; inputs: string[] } {
    const root = mkdtempSync(join(tmpdir(), 'ensure-built-'));
    dirs.push(root);
    mkdirSync(join(root, 'scripts'));
    mkdirSync(join(root, 'main'));
    writeFileSync(join(root, 'main/cli.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'package-lock.json'), '{}\n');
    copyFileSync(ensureBuiltScript, join(root, 'scripts/ensure-built.mjs'));
    writeFileSync(join(root, 'scripts/build.mjs'), [
      "import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';",
      "import { dirname } from 'node:path';",
      "import { BUILD_OUTPUTS, inputsFingerprint, writeBuildStamp } from './ensure-built.mjs';",
      "const root = new URL('..', import.meta.url).pathname;",
      'const fingerprint = inputsFingerprint(root);',
      "appendFileSync(root + 'builds.log', 'built\\n');",
      'for (const output of BUILD_OUTPUTS) { mkdirSync(dirname(root + output), { recursive: true }); writeFileSync(root + output, ""); }',
      'writeBuildStamp(root, fingerprint);',
    ].join('\n'));
    const builds = () => (existsSync(join(root, 'builds.log')) ? readFileSync(join(root, 'builds.log'), 'utf8').split('\n').filter(Boolean).length : 0);
    return { root, builds, inputs: ['main', 'package-lock.json', 'scripts/build.mjs'] };
  }

  it('decides: no stamp or a changed source means build; the same inputs mean skip', () => {
    const { root, inputs } = checkout();
    const before = inputsFingerprint(root, inputs);
    expect(buildStaleness(root, before, [])).toBe('no build recorded');
    writeBuildStamp(root, before);
    expect(buildStaleness(root, inputsFingerprint(root, inputs), [])).toBeNull();
    writeFileSync(join(root, 'main/cli.ts'), 'export const a = 2;\n');
    expect(buildStaleness(root, inputsFingerprint(root, inputs), [])).toBe('sources changed since the last build');
    writeBuildStamp(root, inputsFingerprint(root, inputs));
    writeFileSync(join(root, 'main/new.ts'), '');
    expect(buildStaleness(root, inputsFingerprint(root, inputs), [])).not.toBeNull();
    writeBuildStamp(root, inputsFingerprint(root, inputs));
    writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion":3}\n');
    expect(buildStaleness(root, inputsFingerprint(root, inputs), [])).not.toBeNull();
  });

  it('buildIfStale builds once, then skips until a source changes', () => {
    const { root, builds, inputs } = checkout();
    const said: string[] = [];
    const run = () => buildIfStale({ root, buildScript: join(root, 'scripts/build.mjs'), inputs, log: (m) => said.push(m) });
    expect(run()).toBe(true);
    expect(builds()).toBe(1);
    expect(run()).toBe(true);
    expect(builds()).toBe(1);
    expect(said.at(-1)).toBe('steerway: build skipped: up to date');
    writeFileSync(join(root, 'main/cli.ts'), 'export const a = 3;\n');
    expect(run()).toBe(true);
    expect(builds()).toBe(2);
  });

  it('builds again when an output is missing though the inputs did not change (a folder deleted by hand)', () => {
    const { root, builds, inputs } = checkout();
    const run = () => buildIfStale({ root, buildScript: join(root, 'scripts/build.mjs'), inputs, log: () => undefined });
    expect(run()).toBe(true);
    rmSync(join(root, 'out/renderer'), { recursive: true });
    expect(buildStaleness(root, inputsFingerprint(root, inputs))).toBe('out/renderer/index.html is missing');
    expect(run()).toBe(true);
    expect(builds()).toBe(2);
    expect(existsSync(join(root, 'out/renderer/index.html'))).toBe(true);
  });

  it('the start script run twice builds the first time and says "build skipped: up to date" the second', () => {
    const { root, builds } = checkout();
    const start = () => spawnSync(process.execPath, [join(root, 'scripts/ensure-built.mjs')], { encoding: 'utf8' });
    const first = start();
    expect(first.status).toBe(0);
    expect(first.stderr).toContain('building the app (out/main/cli.js is missing)');
    const second = start();
    expect(second.status).toBe(0);
    expect(second.stderr).toContain('build skipped: up to date');
    expect(builds()).toBe(1);
  });

  it('a failed build is reported and not recorded, so the next start tries again', () => {
    const { root, builds, inputs } = checkout();
    writeFileSync(join(root, 'scripts/build.mjs'), 'process.exit(3);');
    const said: string[] = [];
    expect(buildIfStale({ root, buildScript: join(root, 'scripts/build.mjs'), inputs, log: (m) => said.push(m) })).toBe(false);
    expect(said.at(-1)).toContain('the build failed');
    expect(buildStaleness(root, inputsFingerprint(root, inputs), [])).toBe('no build recorded');
    expect(builds()).toBe(0);
  });
});
