import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { GatehouseClaims } from './types.ts';

export interface TokenVerifierOptions {
  /** Base URL of Gatehouse, e.g. https://gatehouse.example.com (the JWKS is at /.well-known/jwks.json). */
  url: string;
  /** Expected `iss` (Gatehouse's JWT_ISSUER, by default its public URL). */
  issuer: string;
  /** Expected `aud` (Gatehouse's JWT_AUDIENCE, default "gatehouse"). */
  audience: string;
  /** How long fetched keys are trusted before the JWKS is asked again (default 10 minutes). */
  cacheMaxAgeMs?: number;
  /** Smallest wait between two JWKS fetches, e.g. for tokens with an unknown kid (default 30 s). */
  cooldownMs?: number;
}

/**
 * Verifies Gatehouse access tokens locally: EdDSA only, `typ: at+jwt`, `iss`, `aud`, expiry, and a
 * key from the JWKS (fetched once, cached, fetched again for an unknown `kid` after a rotation).
 * Roles are not in the token (Gatehouse reads them per request, R2): ask `check` for permissions.
 */
export function createTokenVerifier(options: TokenVerifierOptions) {
  const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', options.url), {
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    cooldownDuration: options.cooldownMs ?? 30_000,
  });
  return async function verify(token: string): Promise<GatehouseClaims> {
    const { payload } = await jwtVerify(token, jwks, {
      algorithms: ['EdDSA'],
      typ: 'at+jwt',
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    return claimsOf(payload);
  };
}

function claimsOf(payload: JWTPayload): GatehouseClaims {
  const common = { issuer: payload.iss!, audience: payload.aud!, expiresAt: new Date(payload.exp! * 1000) };
  if (typeof payload['sid'] === 'string') return { kind: 'user', userId: payload.sub!, sessionId: payload['sid'], ...common };
  if (typeof payload['org'] === 'string' && payload['azp'] === payload.sub) {
    const slug = payload['org_slug'];
    return { kind: 'serviceAccount', serviceAccountId: payload.sub!, organizationId: payload['org'], organizationSlug: typeof slug === 'string' ? slug : undefined, ...common };
  }
  throw new Error('Not a Gatehouse access token');
}
