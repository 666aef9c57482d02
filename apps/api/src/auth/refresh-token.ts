import { createHash, randomBytes } from 'node:crypto';
import { parseCookie, stringifySetCookie } from 'cookie';

/** Opaque refresh token: 256 random bits, stored only as a SHA-256 hash. */
export function newOpaqueToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export const REFRESH_COOKIE = 'gh_refresh';

export function refreshCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return stringifySetCookie({ name: REFRESH_COOKIE, value: token, httpOnly: true, sameSite: 'strict', path: '/graphql', maxAge: maxAgeSeconds, secure });
}

export function clearedRefreshCookie(secure: boolean): string {
  return refreshCookie('', 0, secure);
}

/** The request's cookies by name (the `cookie` library: quoting, percent-decoding, malformed pairs skipped). */
export function parseCookies(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(header ? parseCookie(header) : {})) if (value !== undefined) out[name] = value;
  return out;
}
