import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPtyHostEntry, PTY_HOST_BUNDLE } from '../../../main/pty/hostEntry';
import { PtyHost } from '../../../main/pty/ptyHost';
import { runCollect, tempHome } from './helpers';

const root = fileURLToPath(new URL('../../..', import.meta.url));
// Inside the repository, so that the bundles find node-pty in node_modules as out/main/ does.
const outDir = path.join(root, 'node_modules', '.cache', `steerway-pty-test-${process.pid}`);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the pty host entry', () => {
  it('is the sibling ptyHostMain.ts when running from source', () => {
    const entry = defaultPtyHostEntry();
    expect(entry).toBe(path.join(root, 'main', 'pty', 'ptyHostMain.ts'));
    expect(existsSync(entry)).toBe(true);
  });

  it('is ptyHost.js next to the bundle, ESM or CommonJS', async () => {
    expect(defaultPtyHostEntry('file:///app/out/main/cli.js')).toBe(path.join('/app/out/main', PTY_HOST_BUNDLE));
    mkdirSync(outDir, { recursive: true });
    const stub = path.join(outDir, 'stub.ts');
    writeFileSync(stub, `import { defaultPtyHostEntry } from '${path.join(root, 'main/pty/hostEntry')}';\nconsole.log(defaultPtyHostEntry());\n`);
    // As scripts/build.mjs bundles the Electron main process.
    await build({ entryPoints: [stub], bundle: true, platform: 'node', format: 'cjs', define: { 'import.meta.url': 'undefined' }, outfile: path.join(outDir, 'main.cjs') });
    expect(execFileSync(process.execPath, [path.join(outDir, 'main.cjs')], { encoding: 'utf8' }).trim()).toBe(path.join(outDir, PTY_HOST_BUNDLE));
  });

  it('runs bundled, as the build makes it', async () => {
    mkdirSync(outDir, { recursive: true });
    const bundle = path.join(outDir, PTY_HOST_BUNDLE);
    await build({
      entryPoints: [path.join(root, 'main/pty/ptyHostMain.ts')],
      bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bundle, logLevel: 'silent',
    });
    const host = PtyHost.start({ entryPath: bundle });
    try {
      const home = tempHome();
      const shell = await host.createShell({ cwd: home, env: { HOME: home } });
      expect((await runCollect(shell, 'echo bundled')).output).toBe('bundled\r\n');
    } finally {
      await host.dispose();
    }
  });
});
