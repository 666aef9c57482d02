// The access token lives in memory only (never in storage). The refresh token is an httpOnly cookie
// (`gh_refresh`, Path=/graphql) that only refreshSession can use.
import { Client, fetchExchange } from 'urql';
import { graphql } from '../graphql/graphql.ts';
import { ErrorFields } from '../graphql/fragments.ts';

// The one unmasked fragment of the SPA (docs/spa.md, "Fragments"): no component renders it; the
// token code here and the sign-in in session.tsx read it outside React to store the access token.
export const AuthPayloadFragment = graphql(`
  fragment AuthPayloadFields on AuthPayload @_unmask {
    accessToken
    accessTokenExpiresAt
    user {
      id
      email
      firstName
      lastName
      displayName
      isPlatformAdmin
      mustChangePassword
    }
  }
`);

export const RefreshSessionMutation = graphql(
  `
  mutation RefreshSession {
    refreshSession {
      __typename
      ... on AuthPayload {
        ...AuthPayloadFields
      }
      ...ErrorFields
    }
  }
`,
  [AuthPayloadFragment, ErrorFields],
);

interface TokenState {
  token: string | null;
  expiresAt: number;
}

const state: TokenState = { token: null, expiresAt: 0 };

export const tokens = {
  get token(): string | null {
    return state.token;
  },
  set(token: string, expiresAtIso: string) {
    state.token = token;
    state.expiresAt = Date.parse(expiresAtIso);
  },
  clear() {
    state.token = null;
    state.expiresAt = 0;
  },
  /** True when the token expires within `marginMs` (or is already gone). */
  expiresWithin(marginMs: number): boolean {
    return !state.token || state.expiresAt - Date.now() < marginMs;
  },
};

/** A bare client for the operations that run without an access token (sign-in, refresh). */
export const publicClient = new Client({
  url: '/graphql',
  exchanges: [fetchExchange],
  fetchOptions: { credentials: 'same-origin' },
  preferGetMethod: false,
  requestPolicy: 'network-only',
});

export type RefreshOutcome = { ok: true; user: { id: string; mustChangePassword: boolean } } | { ok: false };

let inflight: Promise<RefreshOutcome> | null = null;

/**
 * Renews the access token through the refresh cookie. Concurrent callers share one request, and
 * tabs take turns through a Web Lock: the refresh token rotates on every use and a reused one ends
 * the whole session, so two refreshes must never race with the same cookie.
 */
export function refreshAccessToken(): Promise<RefreshOutcome> {
  if (!inflight) {
    const run = async (): Promise<RefreshOutcome> => {
      const result = await publicClient.mutation(RefreshSessionMutation, {}).toPromise();
      const payload = result.data?.refreshSession;
      if (payload?.__typename === 'AuthPayload') {
        tokens.set(payload.accessToken, payload.accessTokenExpiresAt);
        return { ok: true, user: payload.user };
      }
      tokens.clear();
      return { ok: false };
    };
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    const locked = (locks ? locks.request('gatehouse-refresh', run) : run()) as Promise<RefreshOutcome>;
    const shared = locked.finally(() => {
      inflight = null;
    });
    inflight = shared;
    return shared;
  }
  return inflight;
}

/** Returns a fresh access token for plain fetches (e.g. the audit export), renewing it if needed. */
export async function freshAccessToken(): Promise<string | null> {
  if (tokens.expiresWithin(30_000)) await refreshAccessToken();
  return tokens.token;
}
