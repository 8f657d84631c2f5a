// Runs the training code's Python unit tests (training/python/test_*.py) with unittest.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { TRAINING_PYTHON_DIR, torchPython } from './torchPython';

const { python, reason } = torchPython();
const suite = python ? describe : (((name: string, fn: () => void) => describe.skip(`${name} [skipped: ${reason}]`, fn)) as typeof describe);

suite('training (Python unittest)', () => {
  it('passes model, data and training tests', () => {
    const r = spawnSync(python!, ['-m', 'unittest', 'discover', '-s', TRAINING_PYTHON_DIR, '-p', 'test_*.py'], {
      cwd: TRAINING_PYTHON_DIR,
      encoding: 'utf8',
      timeout: 170_000,
      // Two cores shared with the other test workers.
      env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' },
    });
    const output = `${r.stdout}${r.stderr}`;
    expect(r.status, output).toBe(0);
    expect(output).toMatch(/Ran \d+ tests/);
    expect(output).toMatch(/\nOK/);
  }, 180_000);
});
