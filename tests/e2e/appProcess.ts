import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/**
 * `steerway start --web` of the app in `appDir` as a user runs it, resolved with the printed URL: for the e2e
 * fixture and the journal benchmark (which also starts another checkout's build). `env` adds to the environment.
 */
export async function startApp(appDir: string, workspace: string, userData: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(appDir, 'bin/steerway.mjs'), 'start', '--web', ...extraArgs, workspace], {
    cwd: appDir,
    env: { ...process.env, ...env, STEERWAY_USER_DATA: userData },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed within 20 s:\n${log}`)), 20_000);
    child.stdout!.on('data', (chunk) => {
      log += chunk;
      const match = /Open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.stderr!.on('data', (chunk) => (log += chunk));
    child.on('exit', (code) => reject(new Error(`steerway exited (${code}) before serving:\n${log}`)));
  });
  return { child, url };
}

export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
