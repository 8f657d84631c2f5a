import { describe, expect, it } from 'vitest';
import { parseStartArgs, StartArgsError } from '../../main/startArgs';

describe('parseStartArgs', () => {
  it('offers the shipped model unless --no-default-model is given', () => {
    expect(parseStartArgs(['ws']).defaultModel).toBe(true);
    expect(parseStartArgs(['--no-default-model', 'ws'])).toEqual({ workspace: 'ws', web: false, port: null, model: null, defaultModel: false });
  });

  it('reads --web, --port, --model in both spellings, and refuses unknown options with the usage', () => {
    expect(parseStartArgs(['--web', '--port', '8080', '--model=m.gguf', '--workspace=w'])).toEqual({
      workspace: 'w', web: true, port: 8080, model: 'm.gguf', defaultModel: true,
    });
    expect(() => parseStartArgs(['--default-model'])).toThrow(StartArgsError);
    expect(() => parseStartArgs(['--port', 'x'])).toThrow(/--port wants a port number/);
  });
});
