// The Python that can run the training code: STEERWAY_PYTHON, else Debian's /usr/bin/python3 (python3-torch),
// else python3 on PATH (the GPU machine's). Tests that need it skip, saying why, when none imports torch.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const TRAINING_PYTHON_DIR = path.resolve(import.meta.dirname, '../../../training/python');

let found: { python: string | null; reason: string } | null = null;

export function torchPython(): { python: string | null; reason: string } {
  if (found) return found;
  const candidates = [process.env.STEERWAY_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch, numpy'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return (found = { python, reason: '' });
    tried.push(`${python}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`)}`);
  }
  return (found = { python: null, reason: `no Python with torch and numpy (apt-get install python3-torch; tried ${tried.join('; ')})` });
}
