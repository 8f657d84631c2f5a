#!/usr/bin/env node
// The built CLI lives in out/; the first run after `npm install` builds it.
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from '../scripts/ensure-built.mjs';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!ensureBuilt({ builtFile: cli, buildScript: fileURLToPath(new URL('../scripts/build.mjs', import.meta.url)) })) process.exit(1);
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
