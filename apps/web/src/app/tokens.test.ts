import { afterEach, describe, expect, it, vi } from 'vitest';
import { freshAccessToken, refreshAccessToken, tokens } from './tokens.ts';

const payload = (token: string, inMs = 600_000) => ({
  data: {
    refreshSession: {
      __typename: 'AuthPayload',
      accessToken: token,
      accessTokenExpiresAt: new Date(Date.now() + inMs).toISOString(),
      user: { __typename: 'User', id: 'u1', email: 'a@example.com', firstName: 'A', lastName: 'B', displayName: 'A B', isPlatformAdmin: false, mustChangePassword: false },
    },
  },
});

afterEach(() => {
  vi.unstubAllGlobals();
  tokens.clear();
});

describe('access token renewal', () => {
  it('concurrent renewals share one refreshSession call: a rotated refresh token is never sent twice', async () => {
    let n = 0;
    const fetchMock = vi.fn(async () => new Response(JSON.stringify(payload(`jwt-${++n}`)), { headers: { 'content-type': 'application/json' } }));
    vi.stubGlobal('fetch', fetchMock);
    const [a, b, c] = await Promise.all([refreshAccessToken(), refreshAccessToken(), refreshAccessToken()]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect([a.ok, b.ok, c.ok]).toEqual([true, true, true]);
    expect(tokens.token).toBe('jwt-1');
    // Uses the cookie: no refresh token argument, credentials sent.
    const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(String(init.body)).toMatch(/refreshSession\s*{/);
    expect(init.credentials).toBe('same-origin');
  });

  it('an invalid refresh cookie signs out (no token kept)', async () => {
    tokens.set('old', new Date(Date.now() + 1000).toISOString());
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ data: { refreshSession: { __typename: 'InvalidRefreshTokenError', message: 'no' } } }), { headers: { 'content-type': 'application/json' } })));
    expect((await refreshAccessToken()).ok).toBe(false);
    expect(tokens.token).toBeNull();
  });

  it('renews a token that is about to expire before using it', async () => {
    tokens.set('expiring', new Date(Date.now() + 5_000).toISOString());
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(payload('fresh')), { headers: { 'content-type': 'application/json' } })));
    expect(await freshAccessToken()).toBe('fresh');
    tokens.set('valid', new Date(Date.now() + 600_000).toISOString());
    expect(await freshAccessToken()).toBe('valid');
  });
});
