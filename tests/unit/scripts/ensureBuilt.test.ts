import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../../scripts/ensure-built.mjs';

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
