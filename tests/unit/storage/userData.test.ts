import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { userDataDir } from '../../../main/storage/userData';

describe('userDataDir', () => {
  it('prefers the override (Electron passes its userData path)', () => {
    expect(userDataDir('/electron/userData', { STEERWAY_USER_DATA: '/env', XDG_CONFIG_HOME: '/xdg' })).toBe(resolve('/electron/userData'));
  });

  it('then STEERWAY_USER_DATA, made absolute', () => {
    expect(userDataDir(undefined, { STEERWAY_USER_DATA: '/env', XDG_CONFIG_HOME: '/xdg' })).toBe(resolve('/env'));
    expect(userDataDir(undefined, { STEERWAY_USER_DATA: 'relative' })).toBe(resolve('relative'));
  });

  it('then $XDG_CONFIG_HOME/steerway, ignoring a relative one as the XDG spec says', () => {
    expect(userDataDir(undefined, { XDG_CONFIG_HOME: '/xdg' })).toBe(join('/xdg', 'steerway'));
    expect(userDataDir(undefined, { XDG_CONFIG_HOME: 'relative' })).toBe(join(homedir(), '.config', 'steerway'));
  });

  it('then ~/.config/steerway', () => {
    expect(userDataDir(undefined, {})).toBe(join(homedir(), '.config', 'steerway'));
  });

  it('reads the process environment by default', () => {
    const saved = process.env.STEERWAY_USER_DATA;
    process.env.STEERWAY_USER_DATA = '/from/process/env';
    try {
      expect(userDataDir()).toBe(resolve('/from/process/env'));
    } finally {
      if (saved === undefined) delete process.env.STEERWAY_USER_DATA;
      else process.env.STEERWAY_USER_DATA = saved;
    }
  });
});
