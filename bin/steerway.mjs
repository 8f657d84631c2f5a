#!/usr/bin/env node
// The built CLI lives in out/; `npm start` builds it first.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('steerway: not built yet; run `npm run build` (or `npm start`, which builds first).');
  process.exit(1);
}
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
