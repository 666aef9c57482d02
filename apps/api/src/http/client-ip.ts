import type http from 'node:http';

/** The caller's address: the first X-Forwarded-For hop when behind a trusted proxy, else the socket. */
export function clientIp(req: http.IncomingMessage | undefined, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = req?.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req?.socket.remoteAddress ?? undefined;
}
