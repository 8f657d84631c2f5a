// tools/gpu, tested as far as a CPU can take it: the carried bundle runs the engine's bench with the llama
// libraries STEERWAY_LLAMA_BINS names and this machine's node, as run.sh does on the GPU machine with its CUDA build.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { resolveBinsFolder } from '../../native/binding';
import { describeNative } from './helpers';

const root = path.resolve(import.meta.dirname, '../..');
// The bundle finds the repository two folders up, as it does from .device-carry/engine/.
const carry = path.join(root, '.device-carry', `test-${process.pid}`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'steerway-gpu-bench-'));

function runOnDevice(out: string, env: Record<string, string>): { stage: string; detail: string } {
  execFileSync('bash', [path.join(carry, 'run.sh'), '600'], {
    cwd: root,
    env: { ...process.env, OUT: out, GPU_BENCH_NODE: process.execPath, GPU_BENCH_WORK: work, GPU_BENCH_ARGS: '--quick --reps 1', ...env },
    stdio: 'ignore',
  });
  return JSON.parse(fs.readFileSync(path.join(out, 'engine-gpu.json'), 'utf8')) as { stage: string; detail: string };
}

describeNative('tools/gpu: the engine bench as the GPU machine runs it', () => {
  afterAll(() => {
    fs.rmSync(carry, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('carries the bench with its workload and runs it on the libraries it is given', () => {
    execFileSync('bash', ['tools/gpu/make-carry.sh', '--cpu-test', carry], { cwd: root, stdio: 'ignore' });
    expect(fs.readdirSync(path.join(carry, 'sources', 'node_modules', 'ws', 'lib'))).toContain('websocket.js');

    const bins = resolveBinsFolder(false);
    const out = path.join(work, 'out');
    expect(runOnDevice(out, { GPU_BENCH_BINS: bins })).toMatchObject({ stage: 'bench', detail: 'engineBench finished on cpu' });
    const report = JSON.parse(fs.readFileSync(path.join(out, 'results', 'latest.json'), 'utf8')) as {
      config: { backend: string };
      machine: { llamaLibraries: string };
    };
    expect(report.config.backend).toBe('cpu');
    expect(report.machine.llamaLibraries).toBe(bins);

    // Libraries that are not there: the addon reports it and run.sh says the bench failed, still exiting 0.
    const missing = runOnDevice(path.join(work, 'out-missing'), { GPU_BENCH_BINS: path.join(work, 'no-such-folder') });
    expect(missing.detail).toBe('engineBench exited 1');
  });
});
