import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The checks every loopback server of Steerway makes (the browser-mode server, the completion API):
 * a per-run secret compared in constant time, and Host / Origin naming this server, so that a page of another
 * site, or one reached through DNS rebinding (its Host is the attacker's name), is refused.
 */

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function sameSecret(given: string | null | undefined, expected: string): boolean {
  if (given === null || given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The Host header values and origins that name the server on `port` (an empty Host is never one of them). */
export function loopbackNames(port: number): { hosts: ReadonlySet<string>; origins: ReadonlySet<string> } {
  return {
    hosts: new Set([`127.0.0.1:${port}`, `localhost:${port}`]),
    origins: new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]),
  };
}

export function hostAllowed(request: IncomingMessage, port: number): boolean {
  return loopbackNames(port).hosts.has(request.headers.host ?? '');
}

export function originAllowed(origin: string | undefined, port: number): boolean {
  return loopbackNames(port).origins.has(origin ?? '');
}

/** Browser mode's access cookie; its name carries the port, as a browser shares cookies among every port of a host. */
export function tokenCookieName(port: number): string {
  return `steerway-token-${port}`;
}

/** The values a Cookie header gives `name` (a browser may send two of one name, set for different paths). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  return header.split(';').flatMap((pair) => {
    const at = pair.indexOf('=');
    return at > 0 && pair.slice(0, at).trim() === name ? [pair.slice(at + 1).trim()] : [];
  });
}
