/** Sizes as people read them, three digits at most: 531 MB, 1.65 GB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${Number(value.toPrecision(3))} ${units[unit]}`;
}

export const ORIGIN_LABEL = {
  local: 'added from disk',
  downloaded: 'downloaded',
  compressed: 'smaller copy made here',
  'command-line': 'from --model, this run only',
  bundled: 'shipped with Steerway',
} as const;
