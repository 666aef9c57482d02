/**
 * Browser side: a foreign origin gets no credentialed CORS access to the API, and the pages Gatehouse
 * serves cannot be framed (clickjacking): CSP frame-ancestors 'none' and X-Frame-Options DENY.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts?.close());

const FOREIGN = ['https://evil.example', 'null', 'http://127.0.0.1.evil.example', 'https://localhost.evil.example', 'http://localhost:4000.evil.example'];

/** A CORS answer that lets `origin` read responses (with or without credentials). */
function grants(headers: Headers, origin: string): string | undefined {
  const allow = headers.get('access-control-allow-origin');
  const credentials = headers.get('access-control-allow-credentials');
  if (allow === origin) return `reflects Origin ${origin} (allow-credentials: ${credentials})`;
  if (allow === '*' && credentials === 'true') return `answers "*" with credentials`;
  if (allow === '*') return `answers "*"`;
  return undefined;
}

describe('browser-side protections', () => {
  it('CORS: a preflight from a foreign Origin is not granted', async () => {
    const problems: string[] = [];
    for (const origin of FOREIGN) {
      const res = await fetch(`${ts.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
      const granted = grants(res.headers, origin);
      if (granted) problems.push(`preflight from ${origin}: ${granted}`);
      if (res.status >= 500) problems.push(`preflight from ${origin}: HTTP ${res.status}`);
    }
    expect(problems).toEqual([]);
  });

  it('CORS: a credentialed request from a foreign Origin gets no CORS grant', async () => {
    const problems: string[] = [];
    for (const origin of FOREIGN) {
      const res = await fetch(`${ts.url}/graphql`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json', cookie: 'gh_refresh=stolen' },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      });
      const granted = grants(res.headers, origin);
      if (granted) problems.push(`POST from ${origin}: ${granted}`);
      if (res.status >= 500) problems.push(`POST from ${origin}: HTTP ${res.status}`);
    }
    // The refresh cookie cannot be spent cross-origin either.
    const refresh = await fetch(`${ts.url}/graphql`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json', cookie: 'gh_refresh=stolen' },
      body: JSON.stringify({ query: 'mutation { refreshSession { __typename } }' }),
    });
    const granted = grants(refresh.headers, 'https://evil.example');
    if (granted) problems.push(`refreshSession from https://evil.example: ${granted}`);
    expect(problems).toEqual([]);
  });

  it("pages cannot be framed: CSP frame-ancestors 'none' and X-Frame-Options DENY on the SPA and its routes", async () => {
    const problems: string[] = [];
    for (const path of ['/', '/index.html', '/invitations/accept', '/some/client/route']) {
      const res = await fetch(`${ts.url}${path}`, { headers: { accept: 'text/html' } });
      const csp = res.headers.get('content-security-policy') ?? '';
      if (!/frame-ancestors\s+'none'/.test(csp)) problems.push(`${path}: Content-Security-Policy without frame-ancestors 'none' (${csp || 'no CSP header'})`);
      if ((res.headers.get('x-frame-options') ?? '').toUpperCase() !== 'DENY') problems.push(`${path}: X-Frame-Options is ${res.headers.get('x-frame-options') ?? 'missing'}`);
      if ((res.headers.get('x-content-type-options') ?? '') !== 'nosniff') problems.push(`${path}: X-Content-Type-Options is ${res.headers.get('x-content-type-options') ?? 'missing'}`);
    }
    expect(problems).toEqual([]);
  });

  it("GraphiQL (development) cannot be framed either", async () => {
    const res = await fetch(`${ts.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBeLessThan(500);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/frame-ancestors\s+'none'/);
    expect((res.headers.get('x-frame-options') ?? '').toUpperCase()).toBe('DENY');
  });
});
