import { SignJWT, decodeJwt, jwtVerify } from 'jose';
import { ACCESS_TOKEN_ALG, type SigningKeys } from './keys.ts';
import { ACCESS_TOKEN_TYP, type AccessTokenSettings } from './access-token.ts';

/** Client-credentials access tokens are short: the service asks again; revocation still applies per request. */
export const SERVICE_TOKEN_TTL_SECONDS = 300;

export interface ServiceTokenClaims {
  serviceAccountId: string;
  orgId: string;
  /** The API key the token was obtained with: revoking it ends the token too. */
  keyId: string;
}

/**
 * RFC 9068-style access token for a service account (RFC 6749 §4.4): `sub`, `azp` and `client_id`
 * name the account, `org` its organization; no `sid` (no session), which is how it is told apart
 * from a person's token.
 */
export async function signServiceToken(keys: SigningKeys, settings: AccessTokenSettings, claims: ServiceTokenClaims & { orgSlug: string }) {
  const expiresIn = SERVICE_TOKEN_TTL_SECONDS;
  const token = await new SignJWT({ azp: claims.serviceAccountId, client_id: claims.serviceAccountId, org: claims.orgId, org_slug: claims.orgSlug, key_id: claims.keyId })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP, kid: keys.kid })
    .setSubject(claims.serviceAccountId)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
    .setJti(crypto.randomUUID())
    .sign(keys.privateKey);
  return { token, expiresIn };
}

/** Cheap look at the (unverified) claims: does this JWT claim to be a client-credentials token? */
export function looksLikeServiceToken(token: string): boolean {
  if (token.length > 4096) return false;
  try {
    const claims = decodeJwt(token);
    return typeof claims['client_id'] === 'string' && claims['sid'] === undefined;
  } catch {
    return false;
  }
}

/** Full verification: signature (allow-listed algorithm, known kid), iss, aud, typ, expiry and claim shapes. */
export async function verifyServiceToken(keys: SigningKeys, settings: AccessTokenSettings, token: string): Promise<ServiceTokenClaims | undefined> {
  try {
    const { payload } = await jwtVerify(token, keys.verifyKeySet, {
      algorithms: [ACCESS_TOKEN_ALG],
      issuer: settings.issuer,
      audience: settings.audience,
      typ: ACCESS_TOKEN_TYP,
      requiredClaims: ['sub', 'exp', 'iat', 'azp', 'org'],
    });
    const { sub, azp, org, key_id: keyId } = payload as Record<string, unknown>;
    if (typeof sub !== 'string' || azp !== sub || typeof org !== 'string' || typeof keyId !== 'string') return undefined;
    return { serviceAccountId: sub, orgId: org, keyId };
  } catch {
    return undefined;
  }
}
