import type http from 'node:http';
import proxyaddr from 'proxy-addr';

/** Behind `TRUST_PROXY=true`: the private networks, where a load balancer usually stands. */
const PRIVATE_NETWORKS = ['loopback', 'linklocal', 'uniquelocal'];

const compiled = new Map<string, (address: string, hop: number) => boolean>();

function trustOf(setting: boolean | readonly string[]): (address: string, hop: number) => boolean {
  const list = setting === true ? PRIVATE_NETWORKS : setting === false ? [] : [...setting];
  const key = list.join(',');
  let trust = compiled.get(key);
  if (!trust) compiled.set(key, (trust = proxyaddr.compile(list)));
  return trust;
}

/**
 * The caller's address (throttling R16, audit R13). Without trusted proxies, the socket's. Behind
 * them, the nearest address in X-Forwarded-For that is not a trusted proxy (proxy-addr): a client
 * cannot choose its address by sending the header itself, because only hops appended by trusted
 * proxies are skipped.
 */
export function clientIp(req: http.IncomingMessage | undefined, trustProxy: boolean | readonly string[]): string | undefined {
  if (!req) return undefined;
  if (trustProxy === false) return req.socket.remoteAddress ?? undefined;
  return proxyaddr(req, trustOf(trustProxy));
}
