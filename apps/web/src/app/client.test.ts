import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient } from './client.ts';
import { tokens } from './tokens.ts';
import { ViewerQuery } from './viewer.ts';

afterEach(() => {
  vi.unstubAllGlobals();
  tokens.clear();
});

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });

describe('urql client with the auth exchange', () => {
  it('on UNAUTHENTICATED renews through the refresh cookie and retries with the new bearer token', async () => {
    tokens.set('stale', new Date(Date.now() + 600_000).toISOString());
    const seen: (string | null)[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit) => {
        const body = String(init.body);
        const auth = new Headers(init.headers).get('authorization');
        if (body.includes('refreshSession')) {
          return json({
            data: {
              refreshSession: {
                __typename: 'AuthPayload',
                accessToken: 'renewed',
                accessTokenExpiresAt: new Date(Date.now() + 600_000).toISOString(),
                user: { __typename: 'User', id: 'u1', email: 'a@x.io', firstName: 'A', lastName: 'B', displayName: 'A B', isPlatformAdmin: false, mustChangePassword: false },
              },
            },
          });
        }
        seen.push(auth);
        if (auth === 'Bearer stale') return json({ data: null, errors: [{ message: 'Sign in first', extensions: { code: 'UNAUTHENTICATED' } }] });
        return json({ data: { viewer: null } });
      }),
    );
    const lost = vi.fn();
    const client = createClient({ onSessionLost: lost, onPasswordChangeRequired: () => {} });
    const result = await client.query(ViewerQuery, {}).toPromise();
    expect(result.error).toBeUndefined();
    expect(seen).toEqual(['Bearer stale', 'Bearer renewed']);
    expect(lost).not.toHaveBeenCalled();
  });

  it('reports a lost session when the refresh cookie is refused', async () => {
    tokens.set('stale', new Date(Date.now() + 600_000).toISOString());
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit) =>
        String(init.body).includes('refreshSession')
          ? json({ data: { refreshSession: { __typename: 'InvalidRefreshTokenError', message: 'gone' } } })
          : json({ data: null, errors: [{ message: 'Sign in first', extensions: { code: 'UNAUTHENTICATED' } }] }),
      ),
    );
    const lost = vi.fn();
    const client = createClient({ onSessionLost: lost, onPasswordChangeRequired: () => {} });
    await client.query(ViewerQuery, {}).toPromise();
    expect(lost).toHaveBeenCalled();
  });
});
