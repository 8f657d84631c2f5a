// Licences as package.json states them: SPDX expressions in `license`, or the legacy `license: {type}`
// object and `licenses` array. A package is usable when its expression is satisfiable with permissive
// licences only: an OR needs one permissive side, an AND needs both.

/** The licences whose code may go into the training corpus (SPDX ids). */
export const PERMISSIVE_LICENCES: ReadonlySet<string> = new Set([
  'MIT', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', '0BSD', 'Unlicense', 'CC0-1.0', 'BlueOak-1.0.0', 'Python-2.0',
]);

export class LicenceParseError extends Error {
  override readonly name = 'LicenceParseError';
}

type Expr =
  | { kind: 'id'; id: string }
  | { kind: 'and' | 'or'; left: Expr; right: Expr };

// Spellings seen in real package.json files that mean one of the SPDX ids above without doubt.
// Vague ones ("BSD", "Public Domain") are left unrecognised on purpose.
const ALIASES: Record<string, string> = {
  'mit license': 'MIT',
  'the mit license': 'MIT',
  'apache 2.0': 'Apache-2.0',
  'apache-2': 'Apache-2.0',
  'apache 2': 'Apache-2.0',
  'apache license 2.0': 'Apache-2.0',
  'apache license, version 2.0': 'Apache-2.0',
  'apache version 2.0': 'Apache-2.0',
  'isc license': 'ISC',
  'cc0': 'CC0-1.0',
};

const CANONICAL = new Map([...PERMISSIVE_LICENCES].map((id) => [id.toLowerCase(), id]));

/** The SPDX id for `raw` when it is a permissive one (case-insensitive, `+` and known aliases accepted), else null. */
export function permissiveId(raw: string): string | null {
  const key = raw.trim().replace(/\+$/, '').toLowerCase();
  return CANONICAL.get(key) ?? ALIASES[key] ?? null;
}

function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /\s*(\(|\)|[^\s()]+)/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(text)) !== null) {
    out.push(m[1]!);
    last = re.lastIndex;
  }
  if (text.slice(last).trim() !== '') throw new LicenceParseError(`cannot read licence expression "${text}"`);
  return out;
}

/** Parses an SPDX expression (ids, `WITH` exceptions, AND, OR, parentheses; AND binds tighter). */
export function parseSpdx(text: string): Expr {
  const tokens = tokenize(text);
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const upper = (t: string | undefined): string => (t ?? '').toUpperCase();
  const primary = (): Expr => {
    const t = tokens[i++];
    if (t === undefined) throw new LicenceParseError(`licence expression "${text}" ends too early`);
    if (t === '(') {
      const inner = or();
      if (tokens[i++] !== ')') throw new LicenceParseError(`unbalanced parentheses in "${text}"`);
      return inner;
    }
    if (t === ')' || ['AND', 'OR', 'WITH'].includes(upper(t))) throw new LicenceParseError(`unexpected "${t}" in "${text}"`);
    // An exception (`Apache-2.0 WITH LLVM-exception`) only adds permissions: the base licence decides.
    if (upper(peek()) === 'WITH') {
      i++;
      if (tokens[i++] === undefined) throw new LicenceParseError(`WITH without an exception in "${text}"`);
    }
    return { kind: 'id', id: t };
  };
  const and = (): Expr => {
    let left = primary();
    while (upper(peek()) === 'AND') {
      i++;
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const or = (): Expr => {
    let left = and();
    while (upper(peek()) === 'OR') {
      i++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const expr = or();
  if (i !== tokens.length) throw new LicenceParseError(`unexpected "${tokens[i]}" in "${text}"`);
  return expr;
}

function satisfiable(expr: Expr): boolean {
  if (expr.kind === 'id') return permissiveId(expr.id) !== null;
  if (expr.kind === 'and') return satisfiable(expr.left) && satisfiable(expr.right);
  return satisfiable(expr.left) || satisfiable(expr.right);
}

/** True when the expression can be met with permissive licences only; false for anything unreadable. */
export function isPermissive(expression: string | null): boolean {
  if (!expression) return false;
  // A bare alias may contain spaces ("Apache License, Version 2.0"): try it whole before parsing.
  if (permissiveId(expression) !== null) return true;
  try {
    return satisfiable(parseSpdx(expression));
  } catch (err) {
    if (err instanceof LicenceParseError) return false;
    throw err;
  }
}

function typeOf(entry: unknown): string | null {
  if (typeof entry === 'string') return entry.trim() || null;
  if (entry && typeof entry === 'object' && typeof (entry as { type?: unknown }).type === 'string') {
    return ((entry as { type: string }).type).trim() || null;
  }
  return null;
}

export interface PackageLicence {
  /** As stated: `license` (a string, or the legacy `{type}` object), else the legacy `licenses` array joined with OR; null when none. */
  expression: string | null;
  permissive: boolean;
}

/** What a package.json says about its licence. The entries of a legacy `licenses` array are alternatives (npm's reading). */
export function packageLicence(pkg: Record<string, unknown>): PackageLicence {
  const single = typeOf(pkg.license);
  if (single) return { expression: single, permissive: isPermissive(single) };
  const list = Array.isArray(pkg.licenses) ? pkg.licenses.map(typeOf).filter((t): t is string => t !== null) : [];
  if (list.length === 0) return { expression: null, permissive: false };
  return { expression: list.join(' OR '), permissive: list.some((t) => isPermissive(t)) };
}

/** Licence files npm packages ship, matched case-insensitively. */
export const LICENCE_FILE = /^(licen[cs]e|copying)/i;
