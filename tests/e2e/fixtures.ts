import { test as base, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningApp {
  url: string;
  workspace: string;
  userData: string;
  /** Starts the app again on the same workspace and user data (a new run, a new token). */
  restart(): Promise<string>;
}

/** `steerway start --web` as a user runs it, on a fresh workspace and user-data folder per test. */
async function startApp(workspace: string, userData: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(repoRoot, 'bin/steerway.mjs'), 'start', '--web', workspace], {
    cwd: repoRoot,
    env: { ...process.env, STEERWAY_USER_DATA: userData },
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

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export const test = base.extend<{ app: RunningApp }>({
  app: async ({}, use) => {
    const workspace = await mkdtemp(join(tmpdir(), 'steerway-e2e-ws-'));
    const userData = await mkdtemp(join(tmpdir(), 'steerway-e2e-user-'));
    let running = await startApp(workspace, userData);
    await use({
      url: running.url,
      workspace,
      userData,
      restart: async () => {
        await stop(running.child);
        running = await startApp(workspace, userData);
        return running.url;
      },
    });
    await stop(running.child);
    await rm(workspace, { recursive: true, force: true });
    await rm(userData, { recursive: true, force: true });
  },
});

export { expect };
