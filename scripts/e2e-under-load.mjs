#!/usr/bin/env node
// The end-to-end suite under load, as CI's and a user's shared 2-core machines see it: two busy loops eat the
// CPU while the suite runs N times (default 3); it must stay green (tests wait for states, never fixed times).
//   node scripts/e2e-under-load.mjs [runs] [-- extra playwright args]   (build first: npm run build)
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

const dash = process.argv.indexOf('--');
const runs = Number(process.argv[2] && process.argv[2] !== '--' ? process.argv[2] : 3);
const extra = dash >= 0 ? process.argv.slice(dash + 1) : [];
const busy = [0, 1].map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const stopBusy = () => busy.forEach((child) => child.kill('SIGKILL'));
process.on('exit', stopBusy);

const results = [];
for (let run = 1; run <= runs; run++) {
  const started = Date.now();
  console.log(`[e2e-under-load] run ${run} of ${runs}, load ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`);
  const result = spawnSync('npx', ['playwright', 'test', '-c', 'tests/e2e/playwright.config.ts', ...extra], { stdio: 'inherit' });
  results.push({ run, passed: result.status === 0, seconds: Math.round((Date.now() - started) / 1000), load: Number(loadavg()[0].toFixed(1)) });
}
stopBusy();
mkdirSync('results', { recursive: true });
writeFileSync('results/e2e-under-load.json', JSON.stringify({ date: new Date().toISOString(), busyLoops: busy.length, results }, null, 2) + '\n');
console.log(results.map((r) => `run ${r.run}: ${r.passed ? 'green' : 'RED'} in ${r.seconds} s (load ${r.load})`).join('\n'));
process.exitCode = results.every((r) => r.passed) ? 0 : 1;
