import dns from 'node:dns';
import net from 'node:net';

/**
 * SSRF guard (R24): a delivery never reaches loopback, private, link-local, unique-local,
 * carrier-grade NAT, multicast or unspecified addresses unless configuration allows it. The check
 * runs in the socket's own DNS lookup, so the address connected to is the address checked (no
 * window for DNS rebinding between a check and the connection).
 */
const BLOCKED = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) BLOCKED.addSubnet(network, prefix, 'ipv6');

export function isBlockedAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    // IPv4-mapped IPv6 (::ffff:10.0.0.1) is checked as the IPv4 address it is.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return BLOCKED.check(mapped[1]!, 'ipv4');
    return BLOCKED.check(address, 'ipv6');
  }
  return BLOCKED.check(address, 'ipv4');
}

export class BlockedAddressError extends Error {
  constructor(host: string) {
    super(`${host} resolves to an address deliveries may not reach`);
    this.name = 'BlockedAddressError';
  }
}

/** A `lookup` for http.request that refuses blocked addresses (unless allowed). */
export function guardedLookup(allowPrivate: boolean): net.LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const usable = allowPrivate ? addresses : addresses.filter((a) => !isBlockedAddress(a.address));
      if (usable.length === 0 || (!allowPrivate && usable.length !== addresses.length)) return callback(new BlockedAddressError(hostname), '', 0);
      if (options.all) return callback(null, usable);
      callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

/** What a webhook URL must look like before it is stored: http(s), no credentials, a host, at most 2048 characters. */
export function urlProblem(raw: string, allowPrivate: boolean): string | undefined {
  if (raw.length > 2048) return 'Use at most 2048 characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'Not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'Use an http or https URL';
  if (url.username || url.password) return 'Credentials in the URL are not allowed';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost') || (net.isIP(host) !== 0 && isBlockedAddress(host)))) {
    return 'This address may not receive deliveries (loopback, private or link-local)';
  }
  return undefined;
}
