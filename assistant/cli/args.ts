/** A command line that cannot be run as given: the CLI prints the message and its usage, and exits 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export function integer(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || n < min || n > max) throw new CliUsageError(`${flag} must be an integer in [${min}, ${max}], got "${value}"`);
  return n;
}

export function number(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new CliUsageError(`${flag} must be a number in [${min}, ${max}], got "${value}"`);
  return n;
}

export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new CliUsageError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}
