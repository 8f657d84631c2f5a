/**
 * The journal shell's environment. A cell's output is not an interactive screen: a pager (`git log`, `man`,
 * `systemctl status`) would wait at its prompt and hang the cell, so pagers print straight through, as in a
 * Jupyter cell. A value the user already set wins.
 */
export const PAGER_DEFAULTS: Readonly<Record<string, string>> = {
  PAGER: 'cat',
  GIT_PAGER: 'cat',
  MANPAGER: 'cat',
  SYSTEMD_PAGER: '',
  // For a `less` run by hand: quit when the text fits, keep colours, leave the screen as it is.
  LESS: '-FRX',
};

/** `env` with each of PAGER_DEFAULTS that it does not set itself. */
export function withPagerDefaults(env: Record<string, string>): Record<string, string> {
  const result = { ...env };
  for (const [name, value] of Object.entries(PAGER_DEFAULTS)) if (!(name in result)) result[name] = value;
  return result;
}
