import { afterEach, describe, expect, it, vi } from 'vitest';
import { HELP, main, stopWithin } from '../../main/cli';
import { START_USAGE } from '../../main/startArgs';

/** Runs the CLI's entry with stdout and stderr captured; nothing here starts the app. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void stdout.push(parts.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void stderr.push(parts.join(' ')));
  const code = await main(argv);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

describe('steerway CLI usage', () => {
  afterEach(() => vi.restoreAllMocks());

  it('lists every command with a one-line summary', () => {
    for (const name of ['start', 'complete', 'serve', 'help']) expect(HELP).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });

  it.each([[[]], [['--help']], [['-h']], [['help']]])('steerway %j prints the usage and exits 0 without starting', async (argv) => {
    const result = await run(argv);
    expect(result).toEqual({ code: 0, stdout: HELP, stderr: '' });
  });

  it('steerway start --help and steerway help start print the start options and exit 0', async () => {
    expect(await run(['start', '--help'])).toEqual({ code: 0, stdout: START_USAGE, stderr: '' });
    expect(await run(['help', 'start'])).toEqual({ code: 0, stdout: START_USAGE, stderr: '' });
  });

  it('an unknown command prints the usage to stderr and exits 2', async () => {
    const result = await run(['strat']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('unknown command "strat"');
    expect(result.stderr).toContain(HELP);
  });
});

describe('steerway start: quitting', () => {
  afterEach(() => vi.restoreAllMocks());

  it('waits for a stop that ends, and leaves one that hangs or fails after saying so', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    expect(await stopWithin(Promise.resolve(), 1_000)).toBe(true);
    expect(errors).toEqual([]);
    expect(await stopWithin(new Promise<void>(() => undefined), 20)).toBe(false);
    expect(errors).toEqual(['steerway: shutdown did not finish within 0.02 s; exiting anyway']);
    expect(await stopWithin(Promise.reject(new Error('port busy')), 1_000)).toBe(false);
    expect(errors[1]).toBe('steerway: shutdown failed:');
  });
});

