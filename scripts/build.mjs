// Builds everything `npm start` runs: the renderer (vite) and the Node side (esbuild), into out/.
import { build as buildRenderer } from 'vite';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { inputsFingerprint, writeBuildStamp } from './ensure-built.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Native and large packages stay in node_modules; everything else (our code, zod, ...) is bundled.
  packages: 'external',
};

// Taken before building: an input edited during the build makes the next `npm start` build again.
const fingerprint = inputsFingerprint(root);
await buildRenderer({ configFile: `${root}/vite.config.ts`, logLevel: 'warn' });
await Promise.all([
  build({ ...common, format: 'esm', entryPoints: { cli: 'main/cli.ts', ptyHost: 'main/pty/ptyHostMain.ts', engineHost: 'assistant/host/engineHostMain.ts', htmlWorker: 'main/assistant/htmlWorkerMain.ts' }, outdir: 'out/main' }),
  // CommonJS has no import.meta.url; the modules that read it fall back to __dirname.
  build({ ...common, format: 'cjs', define: { 'import.meta.url': 'undefined' }, entryPoints: { 'electron-main': 'main/electron/electronMain.ts' }, outdir: 'out/main', outExtension: { '.js': '.cjs' } }),
  // A sandboxed preload may require nothing but `electron`: bundle it whole.
  build({ ...common, packages: undefined, external: ['electron'], format: 'cjs', entryPoints: { preload: 'main/electron/preload.ts' }, outdir: 'out/main', outExtension: { '.js': '.cjs' } }),
]);
writeBuildStamp(root, fingerprint);
console.log('built out/');
