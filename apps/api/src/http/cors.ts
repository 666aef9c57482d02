import type { CORSOptions } from 'graphql-yoga';

/** Request headers a browser client of /graphql may send cross-origin. */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'x-graphql-yoga-csrf', 'apollo-require-preflight', 'x-request-id'];

/**
 * yoga's `cors` option. yoga's default reflects any Origin with credentials, and a list of one origin
 * is sent whatever the caller's origin; so this factory answers per request: an Origin on the
 * allow-list (exact string match) gets exactly that origin back with credentials, anything else
 * (a foreign origin, "null", or no Origin) gets no CORS headers at all. Never "*".
 */
export function corsOptions(allowList: readonly string[]) {
  const allowed = new Set(allowList);
  return (request: Request): CORSOptions => {
    const origin = request.headers.get('origin');
    if (origin === null || !allowed.has(origin)) return false;
    return {
      origin,
      credentials: true,
      methods: ['GET', 'POST'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: ['x-request-id'],
      maxAge: 600,
    };
  };
}

/** Whether a cross-origin request from `origin` is allowed (used to refuse foreign preflights outright). */
export function originAllowed(allowList: readonly string[], origin: string | undefined): boolean {
  return origin !== undefined && allowList.includes(origin);
}
