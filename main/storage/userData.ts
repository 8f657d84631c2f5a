import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * Where Steerway keeps per-user state (the trust key and signatures): never inside a workspace.
 * Electron's main passes app.getPath('userData') as `override`; otherwise `STEERWAY_USER_DATA`
 * (tests, portable setups), else the XDG config folder.
 */
export function userDataDir(override?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (override) return resolve(override);
  if (env.STEERWAY_USER_DATA) return resolve(env.STEERWAY_USER_DATA);
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.config'), 'steerway');
}
