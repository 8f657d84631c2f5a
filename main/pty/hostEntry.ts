import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** scripts/build.mjs bundles main/pty/ptyHostMain.ts to this file, next to the main process's own bundle in out/main/. */
export const PTY_HOST_BUNDLE = 'ptyHost.js';

/**
 * Where the host's entry is, seen from the module that starts it: the sibling ptyHostMain.ts when running from
 * source (tests, dev), else ptyHost.js next to the bundle. A CommonJS bundle has no import.meta.url: its __dirname is that folder.
 */
export function defaultPtyHostEntry(moduleUrl: string | undefined = import.meta.url): string {
  if (moduleUrl?.endsWith('.ts')) return fileURLToPath(new URL('./ptyHostMain.ts', moduleUrl));
  const bundleDirectory = moduleUrl ? path.dirname(fileURLToPath(moduleUrl)) : __dirname;
  return path.join(bundleDirectory, PTY_HOST_BUNDLE);
}
