#!/usr/bin/env node
// What `npm test` needs beyond npm packages, and how it gets it on a fresh machine: Debian's Chromium for the
// end-to-end tests, cmake and a C++ compiler for the native addon (then the addon is built), and Debian's
// python3-torch for the training tests. As root with apt-get it installs what is missing; otherwise it says
// exactly what to install and stops (torch alone is optional: those tests skip, saying so).
//   node scripts/prerequisites.mjs            check, install (root + apt) or ask
//   STEERWAY_NO_APT=1 node scripts/prerequisites.mjs   never install, only ask
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** @type {import('./prerequisites.d.mts').Prerequisite[]} */
export const PREREQUISITES = [
  {
    name: 'Chromium',
    why: 'the end-to-end tests drive Debian\'s Chromium (never a downloaded browser)',
    debPackages: ['chromium'],
    required: true,
    present: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
  },
  {
    name: 'cmake and a C++ compiler',
    why: 'the native llama.cpp addon is built from node-llama-cpp\'s bundle',
    debPackages: ['cmake', 'g++', 'make'],
    required: true,
    present: () => works('cmake') && (works('c++') || works('g++')),
  },
  {
    name: 'PyTorch',
    why: 'the training pipeline\'s tests run a few PyTorch steps (they are skipped without it)',
    debPackages: ['python3-torch'],
    required: false,
    present: () => works('/usr/bin/python3', ['-c', 'import torch']),
  },
];

function works(command, args = ['--version']) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/**
 * Decides what to do about the missing prerequisites: install them through apt (as root, unless told not to),
 * or ask the user with the exact command. Pure, so it is tested without touching the machine.
 * @param {import('./prerequisites.d.mts').PlanInput} input
 * @returns {import('./prerequisites.d.mts').Plan}
 */
export function planPrerequisites({ missing, isRoot, hasApt, noApt }) {
  if (missing.length === 0) return { action: 'none' };
  const packages = missing.flatMap((p) => p.debPackages);
  if (isRoot && hasApt && !noApt) return { action: 'install', packages };
  const required = missing.filter((p) => p.required);
  const lines = missing.map((p) => `- ${p.name}: ${p.why}${p.required ? '' : ' (optional)'}`);
  const command = `${isRoot ? '' : 'sudo '}apt-get install ${packages.join(' ')}`;
  const message = [`npm test needs what this machine lacks:`, ...lines, `Install it with: ${command}`].join('\n');
  return { action: required.length > 0 ? 'ask' : 'warn', message };
}

/** Builds the native addon when it is missing (npm install skipped it because cmake was not there yet). */
function ensureNativeAddon() {
  if (existsSync(`${root}/native/build/Release/steerway_llama.node`)) return true;
  console.log('[prerequisites] building the native addon');
  return spawnSync(process.execPath, [`${root}/scripts/build-native.mjs`], { stdio: 'inherit' }).status === 0;
}

function main() {
  const missing = PREREQUISITES.filter((p) => !p.present());
  const plan = planPrerequisites({
    missing,
    isRoot: process.getuid?.() === 0,
    hasApt: works('apt-get'),
    noApt: Boolean(process.env.STEERWAY_NO_APT),
  });
  if (plan.action === 'install') {
    console.log(`[prerequisites] installing Debian's ${plan.packages.join(', ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const ok = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env }).status === 0
      && spawnSync('apt-get', ['install', '-y', '-qq', ...plan.packages], { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
    const stillMissing = PREREQUISITES.filter((p) => p.required && !p.present());
    if (!ok || stillMissing.length > 0) {
      console.error(`[prerequisites] apt-get could not install ${stillMissing.map((p) => p.name).join(', ') || plan.packages.join(', ')}`);
      return 1;
    }
  } else if (plan.action === 'ask' || plan.action === 'warn') {
    console.error(`[prerequisites] ${plan.message}`);
    if (plan.action === 'ask') return 1;
  }
  return ensureNativeAddon() ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main();
