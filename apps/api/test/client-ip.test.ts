import { describe, expect, it } from 'vitest';
import type http from 'node:http';
import { clientIp } from '../src/http/client-ip.ts';
import { loadConfig } from '../src/config.ts';
import { parseCookies, refreshCookie } from '../src/auth/refresh-token.ts';

/** A request as node:http hands it over: the socket's address and the forwarded chain. */
function request(socketAddress: string, forwardedFor?: string): http.IncomingMessage {
  const socket = { remoteAddress: socketAddress };
  const req: Partial<http.IncomingMessage> = {
    socket: socket as http.IncomingMessage['socket'],
    connection: socket as http.IncomingMessage['socket'],
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  };
  return req as http.IncomingMessage;
}

describe('R16 client address behind proxies (proxy-addr)', () => {
  it('without TRUST_PROXY the socket address counts and X-Forwarded-For is ignored', () => {
    expect(clientIp(request('203.0.113.9', '198.51.100.1'), false)).toBe('203.0.113.9');
  });

  it('behind a trusted balancer the address it appended counts, not one the client wrote itself', () => {
    // The client sent "X-Forwarded-For: 1.1.1.1"; the balancer (10.0.0.5) appended the real address.
    expect(clientIp(request('10.0.0.5', '1.1.1.1, 198.51.100.7'), true)).toBe('198.51.100.7');
    expect(clientIp(request('127.0.0.1', '198.51.100.8'), true)).toBe('198.51.100.8');
  });

  it('a request straight from the internet cannot choose its address, even with TRUST_PROXY=true', () => {
    expect(clientIp(request('203.0.113.50', '198.51.100.1'), true)).toBe('203.0.113.50');
  });

  it('an explicit list trusts exactly those proxies', () => {
    expect(clientIp(request('192.0.2.10', '198.51.100.3, 192.0.2.11'), ['192.0.2.0/24'])).toBe('198.51.100.3');
    expect(clientIp(request('192.0.2.10', '198.51.100.3'), ['192.0.2.99'])).toBe('192.0.2.10');
  });

  it('TRUST_PROXY is parsed and checked at start: flags, lists, and a typed error naming the variable', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }, '/srv').trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }, '/srv').trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    expect(() => loadConfig({ TRUST_PROXY: 'not-an-address' }, '/srv')).toThrow(/TRUST_PROXY/);
  });
});

describe('R17 cookies (the cookie library)', () => {
  it('the refresh cookie is httpOnly, SameSite=Strict, scoped to /graphql, Secure over https', () => {
    const cookie = refreshCookie('abc_DEF-123', 60, true);
    expect(cookie).toMatch(/^gh_refresh=abc_DEF-123;/);
    for (const part of ['HttpOnly', 'SameSite=Strict', 'Path=/graphql', 'Max-Age=60', 'Secure']) expect(cookie).toContain(part);
    expect(refreshCookie('x', 60, false)).not.toContain('Secure');
  });

  it('a malformed cookie header is read without throwing: pairs without "=" skipped, undecodable values kept as sent', () => {
    expect(parseCookies('a=1; broken; b=%E0%A4%A; c=%20x')).toEqual({ a: '1', b: '%E0%A4%A', c: ' x' });
    expect(parseCookies(null)).toEqual({});
  });
});
