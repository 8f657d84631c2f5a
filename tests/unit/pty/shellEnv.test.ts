import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PtyHost, type ShellSession } from '../../../main/pty/ptyHost';
import { PAGER_DEFAULTS, withPagerDefaults } from '../../../main/pty/shellEnv';
import { runCollect, tempHome } from './helpers';

describe('withPagerDefaults', () => {
  it('sets every pager to print straight through', () => {
    expect(withPagerDefaults({ PATH: '/bin' })).toEqual({ PATH: '/bin', PAGER: 'cat', GIT_PAGER: 'cat', MANPAGER: 'cat', SYSTEMD_PAGER: '', LESS: '-FRX' });
  });

  it("keeps the user's own choices, an empty one too", () => {
    const env = withPagerDefaults({ PAGER: 'less', GIT_PAGER: '', LESS: '-R' });
    expect(env).toMatchObject({ PAGER: 'less', GIT_PAGER: '', LESS: '-R', MANPAGER: 'cat' });
  });
});

describe("the journal shell's pagers", () => {
  let host: PtyHost;
  let home: string;
  let shell: ShellSession;

  beforeAll(async () => {
    host = PtyHost.start({});
    home = tempHome();
    // More commits than the pty's 24 rows: with git's default pager, `git log` would wait at less's prompt.
    const repo = path.join(home, 'repo');
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
    execFileSync('git', ['init', '-q', repo]);
    for (let i = 1; i <= 40; i++) git('commit', '-q', '--allow-empty', '-m', `commit number ${i}`);
    shell = await host.createShell({ cwd: repo, env: { HOME: home }, rows: 24 });
  });

  afterAll(async () => {
    await shell.dispose();
    await host.dispose();
  });

  it('git log prints every commit and finishes, without a pager prompt', async () => {
    const { output, exitCode } = await runCollect(shell, 'git log --format=%s');
    expect(exitCode).toBe(0);
    expect(output).toContain('commit number 1\r\n');
    expect(output).toContain('commit number 40\r\n');
  });

  it('the environment names them (unless the app was started with them set)', async () => {
    const { output } = await runCollect(shell, 'echo "[$PAGER][$GIT_PAGER][$MANPAGER]"');
    const expected = (name: string) => process.env[name] ?? PAGER_DEFAULTS[name];
    expect(output.trim()).toBe(`[${expected('PAGER')}][${expected('GIT_PAGER')}][${expected('MANPAGER')}]`);
  });
});
