/** Paths whose remainder is a secret in links of older releases (`/invite/<token>`). */
const SECRET_PREFIXES = ['/invite/', '/invitations/accept/'];

/** A path segment shaped like a token: 22+ URL-safe characters with an upper-case letter or an underscore (slugs and ids have neither). */
const TOKEN_SEGMENT = /^(?=.*[A-Z_])[A-Za-z0-9_-]{22,}$/;

/**
 * The request path as it may appear in the log: no query string, no fragment, secret-looking
 * segments replaced by ":redacted", at most 200 characters. Secrets belong in URL fragments
 * (http/links.ts), which browsers never send; this guards against old or hand-made links.
 */
export function logPath(url: string | undefined): string {
  let pathname = (url ?? '/').split(/[?#]/, 1)[0]!;
  for (const prefix of SECRET_PREFIXES) {
    if (pathname.startsWith(prefix) && pathname.length > prefix.length) pathname = `${prefix}:redacted`;
  }
  pathname = pathname
    .split('/')
    .map((segment) => (TOKEN_SEGMENT.test(safeDecode(segment)) || segment.length > 64 ? ':redacted' : segment))
    .join('/');
  return pathname.length > 200 ? `${pathname.slice(0, 200)}…` : pathname;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
