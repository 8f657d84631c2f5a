import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PtyHost, ShellExitedError, ShellStartError, ShellUnavailableError, type ShellSession } from '../../../main/pty/ptyHost';
import { runCollect, tempHome } from './helpers';

let host: PtyHost;
let home: string;
const shells: ShellSession[] = [];

async function newShell(env: Record<string, string> = {}, size: { cols?: number; rows?: number } = {}): Promise<ShellSession> {
  const shell = await host.createShell({ cwd: home, env: { HOME: home, ...env }, ...size });
  shells.push(shell);
  return shell;
}

beforeAll(() => {
  host = PtyHost.start({});
  home = tempHome();
});

afterEach(async () => {
  await Promise.all(shells.splice(0).map((shell) => shell.dispose()));
});

afterAll(async () => {
  await host.dispose();
});

describe('ShellSession', () => {
  it('gives a cell exactly its output: no echoed command, no prompt, no markers', async () => {
    const shell = await newShell();
    const first = await runCollect(shell, 'echo hello');
    expect(first.output).toBe('hello\r\n');
    expect(first).toMatchObject({ exitCode: 0, cwd: home, interrupted: false });
    expect(first.durationMs).toBeGreaterThanOrEqual(0);
    expect((await runCollect(shell, 'printf "a\\nb"')).output).toBe('a\r\nb');
  });

  it('keeps colours as raw terminal text', async () => {
    const shell = await newShell();
    const { output } = await runCollect(shell, "printf '\\e[31mred\\e[0m\\n'");
    expect(output).toBe('\x1b[31mred\x1b[0m\r\n');
  });

  it('keeps cwd, variables and functions from one cell to the next', async () => {
    const shell = await newShell();
    mkdirSync(path.join(home, 'sub dir'), { recursive: true });
    expect((await runCollect(shell, 'cd "sub dir"')).cwd).toBe(path.join(home, 'sub dir'));
    await runCollect(shell, 'export GREETING=hi; local_var=42');
    await runCollect(shell, 'greet() { echo "$GREETING $1 from $(basename "$PWD")"; }');
    const { output, cwd } = await runCollect(shell, 'greet you; echo $local_var');
    expect(output).toBe('hi you from sub dir\r\n42\r\n');
    expect(cwd).toBe(path.join(home, 'sub dir'));
  });

  it('reports exit codes', async () => {
    const shell = await newShell();
    expect((await runCollect(shell, 'true')).exitCode).toBe(0);
    expect((await runCollect(shell, 'false')).exitCode).toBe(1);
    expect((await runCollect(shell, '(exit 3)')).exitCode).toBe(3);
    const missing = await runCollect(shell, 'no-such-command-steerway');
    expect(missing.exitCode).toBe(127);
    expect(missing.output).toContain('no-such-command-steerway');
  });

  it('runs a multi-line command with a heredoc as one cell in the current shell', async () => {
    const shell = await newShell();
    const command = ['cat <<EOF', "line 'one' \\ $((1 + 1))", 'EOF', 'multi=set', 'echo "é ünïcode"; false'].join('\n');
    const result = await runCollect(shell, command);
    expect(result.output).toBe("line 'one' \\ 2\r\né ünïcode\r\n");
    expect(result.exitCode).toBe(1);
    expect((await runCollect(shell, 'echo $multi')).output).toBe('set\r\n');
  });

  it('types history-expansion characters literally', async () => {
    const shell = await newShell();
    expect((await runCollect(shell, 'echo "hi!" !! !$')).output).toBe('hi! !! !$\r\n');
  });

  it('reports a directory whose name has a backslash and a newline', async () => {
    const shell = await newShell();
    const weird = path.join(home, 'we\\ird\nname');
    mkdirSync(weird, { recursive: true });
    expect((await runCollect(shell, `cd $'${weird.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}'`)).cwd).toBe(weird);
  });

  it('interrupts the running command; the shell survives', async () => {
    const shell = await newShell();
    const started = Date.now();
    const running = runCollect(shell, 'sleep 30');
    setTimeout(() => shell.interrupt(), 200);
    const result = await running;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.interrupted).toBe(true);
    expect(result.exitCode).toBe(130);
    expect(await runCollect(shell, 'echo still here')).toMatchObject({ output: 'still here\r\n', interrupted: false, exitCode: 0 });
  });

  it('interrupts a command right after it was submitted', async () => {
    const shell = await newShell();
    for (const command of ['sleep 30', 'true; sleep 30']) {
      const started = Date.now();
      const running = runCollect(shell, command);
      shell.interrupt();
      expect(await running).toMatchObject({ interrupted: true, exitCode: 130 });
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    expect((await runCollect(shell, 'echo ok')).output).toBe('ok\r\n');
  }, 15_000);

  it('sends another Ctrl+C when interrupted again', async () => {
    const shell = await newShell();
    const program = `bash -c 'n=0; trap "n=\\$((n+1)); echo caught\\$n; [ \\$n -ge 2 ] && exit 9" INT; echo ready; while :; do sleep 0.05; done'`;
    let output = '';
    let interrupts = 0;
    const running = shell.run(program, (data) => {
      output += data;
      // Once when the program is ready, once more when it has handled the first.
      if ((interrupts === 0 && output.includes('ready')) || (interrupts === 1 && output.includes('caught1'))) {
        interrupts++;
        shell.interrupt();
      }
    });
    const result = await running;
    expect(output).toMatch(/caught1[\s\S]*caught2/);
    expect(result).toMatchObject({ exitCode: 9, interrupted: true });
  }, 15_000);

  it("answers a command's read through input()", async () => {
    const shell = await newShell();
    const running = runCollect(shell, 'read x; echo got:$x');
    shell.input('hello\r');
    const result = await running;
    expect(result.output).toContain('got:hello');
    expect(result.exitCode).toBe(0);
  });

  it('never types input at the prompt when no command runs', async () => {
    const shell = await newShell();
    shell.input('echo injected\r');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await runCollect(shell, 'echo ok')).output).toBe('ok\r\n');
  });

  it('never runs keys a command left unread as the next command (text typed as a cell ends)', async () => {
    const shell = await newShell();
    const leaked = path.join(home, 'leaked');
    // `sleep` reads no input: what is typed meanwhile stays in the terminal when it ends.
    const running = runCollect(shell, 'sleep 0.5');
    let typing = true;
    void running.then(() => (typing = false));
    while (typing) {
      shell.input(`touch ${leaked}\r`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await running;
    const after = await runCollect(shell, `ls ${leaked} 2>&1; echo ok`);
    expect(after.output).toContain('No such file');
    expect(after.output).toContain('ok');
    expect(existsSync(leaked)).toBe(false);
  });

  it('queues commands submitted together and runs them in order', async () => {
    const shell = await newShell();
    const order: string[] = [];
    const first = runCollect(shell, 'sleep 0.3; echo first').then((result) => (order.push('first'), result));
    const second = runCollect(shell, 'echo second').then((result) => (order.push('second'), result));
    expect(shell.busy).toBe(true);
    const [a, b] = await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    expect(a.output).toBe('first\r\n');
    expect(b.output).toBe('second\r\n');
    expect(shell.busy).toBe(false);
  });

  it('is not ended by a marker printed by a program', async () => {
    const shell = await newShell();
    const fake = "printf '\\e]133;D;0\\a\\e]133;D;0123456789abcdef0123456789abcdef;0\\a'; sleep 0.3; echo after; (exit 4)";
    const result = await runCollect(shell, fake);
    expect(result.output).toBe('\x1b]133;D;0\x07\x1b]133;D;0123456789abcdef0123456789abcdef;0\x07after\r\n');
    expect(result.exitCode).toBe(4);
  });

  it('streams 100000 lines in order', async () => {
    const shell = await newShell();
    let chunks = 0;
    let output = '';
    const started = performance.now();
    const result = await shell.run('seq 1 100000', (data) => {
      chunks++;
      output += data;
    });
    const elapsed = performance.now() - started;
    console.log(`seq 1 100000: ${elapsed.toFixed(0)} ms, ${chunks} data messages, ${output.length} chars`);
    expect(result.exitCode).toBe(0);
    const lines = output.split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(100_000);
    expect(lines.every((line, index) => line === String(index + 1))).toBe(true);
  });

  it('starts at the given size and follows resize()', async () => {
    const shell = await newShell({}, { cols: 77, rows: 11 });
    expect((await runCollect(shell, 'stty size')).output).toBe('11 77\r\n');
    shell.resize(100, 40);
    expect((await runCollect(shell, 'stty size; echo $COLUMNS')).output).toBe('40 100\r\n100\r\n');
  });

  it('sets up the terminal environment and keeps cells out of the history', async () => {
    const shell = await newShell();
    expect((await runCollect(shell, 'echo "$TERM $COLORTERM $STEERWAY"')).output).toBe('xterm-256color truecolor 1\r\n');
    expect((await runCollect(shell, 'shopt -qo history; echo $?')).output).toBe('1\r\n');
  });

  it("sources ~/.bashrc, and a broken one does not break cells", async () => {
    const brokenHome = tempHome();
    writeFileSync(path.join(brokenHome, '.bashrc'), 'export FROM_BASHRC=yes\nset -e\nfalse\nif then fi\n');
    const shell = await newShell({ HOME: brokenHome });
    expect((await runCollect(shell, 'echo $FROM_BASHRC')).output).toBe('yes\r\n');
    expect((await runCollect(shell, 'false')).exitCode).toBe(1);
    expect((await runCollect(shell, 'echo alive')).output).toBe('alive\r\n');
  });

  it("runs a ~/.bashrc's PROMPT_COMMAND and still marks commands when it rewrites PS1", async () => {
    const rcHome = tempHome();
    writeFileSync(path.join(rcHome, '.bashrc'), 'PROMPT_COMMAND=\'last=$?; PS1="custom> "; PS0=""\'\n');
    const shell = await newShell({ HOME: rcHome });
    expect((await runCollect(shell, '(exit 7)')).exitCode).toBe(7);
    expect((await runCollect(shell, 'echo $last')).output).toBe('7\r\n');
  });

  it('ends the session when the shell exits: the run gets a null exit code, queued runs are refused', async () => {
    const shell = await newShell();
    const exitCodes: (number | null)[] = [];
    shell.onExit((code) => exitCodes.push(code));
    shell.onExit(() => exitCodes.push(-1)).dispose();
    const running = runCollect(shell, 'echo bye; exit 5');
    const queued = shell.run('echo never', () => undefined);
    const result = await running;
    expect(result.exitCode).toBeNull();
    expect(result.output).toContain('bye');
    await expect(queued).rejects.toBeInstanceOf(ShellExitedError);
    await expect(shell.run('echo later', () => undefined)).rejects.toBeInstanceOf(ShellExitedError);
    expect(exitCodes).toEqual([5]);
    expect(shell.busy).toBe(false);
  });

  it('says clearly when there is no bash', async () => {
    await expect(host.createShell({ cwd: home, env: { PATH: '/nonexistent' } })).rejects.toThrow(ShellUnavailableError);
    await expect(host.createShell({ cwd: home, env: { PATH: '/nonexistent' } })).rejects.toThrow(/no bash on PATH/);
  });

  it('refuses a working directory that does not exist', async () => {
    await expect(host.createShell({ cwd: path.join(home, 'missing') })).rejects.toThrow(ShellStartError);
  });

  it('gives up on a ~/.bashrc that never finishes', async () => {
    const slowHome = tempHome();
    writeFileSync(path.join(slowHome, '.bashrc'), 'sleep 30\n');
    await expect(host.createShell({ cwd: slowHome, env: { HOME: slowHome }, startTimeoutMs: 300 })).rejects.toThrow(/no prompt within 300 ms/);
  });
});
