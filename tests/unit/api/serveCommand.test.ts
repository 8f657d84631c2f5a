// `steerway serve`: its arguments, and its place in `steerway --help`.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SERVE_PORT } from '../../../app/completion/serveApi';
import { parseServeArgs, runServe, SERVE_USAGE } from '../../../main/api/serveCommand';
import { main } from '../../../main/cli';

describe('steerway serve: arguments', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reads the model, port, token, context size, GPU and cache folder, with defaults', () => {
    expect(parseServeArgs(['--model', 'm.gguf', '--port=9000', '--token', 'secret', '--context-size', '2048', '--gpu', '--cache-dir', '/c'])).toEqual({
      model: 'm.gguf', port: 9000, token: 'secret', contextSize: 2048, gpu: true, cacheDir: '/c',
    });
    const defaults = parseServeArgs(['--model', 'm.gguf']);
    expect(defaults).toMatchObject({ port: DEFAULT_SERVE_PORT, token: null, gpu: false });
    expect(defaults.cacheDir).toMatch(/kv-cache-serve$/);
  });

  it('refuses bad arguments with a usage line and exit code 2', async () => {
    for (const argv of [[], ['--model'], ['--model', 'm', '--port', '70000'], ['--model', 'm', '--port', 'x'], ['--model', 'm', '--bogus', '1'], ['--model', 'm', '--token', '']]) {
      const errors: string[] = [];
      vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
      expect(await runServe(argv)).toBe(2);
      expect(errors.join('\n')).toMatch(/^steerway serve: .+\nusage: steerway serve/);
      vi.restoreAllMocks();
    }
  });

  it('is listed in steerway --help, and steerway serve --help prints its usage', async () => {
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    expect(await main(['--help'])).toBe(0);
    expect(out.join('\n')).toMatch(/^ +serve +a model to editors/m);
    expect(out.join('\n')).toContain('/infill');
    out.length = 0;
    expect(await main(['serve', '--help'])).toBe(0);
    expect(out).toEqual([SERVE_USAGE]);
  });
});
