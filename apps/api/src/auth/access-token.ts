import { SignJWT, jwtVerify } from 'jose';
import { ACCESS_TOKEN_ALG, type SigningKeys } from './keys.ts';

export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface AccessClaims {
  userId: string;
  /** Session family; a revoked family makes its access tokens fail on the next request. */
  sessionId: string;
}

export async function signAccessToken(keys: SigningKeys, settings: AccessTokenSettings, claims: AccessClaims) {
  const expiresAt = new Date(Date.now() + settings.ttlSeconds * 1000);
  const token = await new SignJWT({ sid: claims.sessionId })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP, kid: keys.kid })
    .setSubject(claims.userId)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .setJti(crypto.randomUUID())
    .sign(keys.privateKey);
  return { token, expiresAt };
}

/**
 * Tokens already verified, until they expire: a signature check costs more than the rest of a
 * permission check. Only the token's own claims are cached; whether its session and user are still
 * live is read on every request (R2, R21), so a revocation still applies to the very next request.
 */
const VERIFIED_LIMIT = 10_000;
const verified = new WeakMap<SigningKeys, Map<string, { claims: AccessClaims; expiresAt: number }>>();

/** The claims of a user's access token verified before and not yet expired; no decoding, no crypto. */
export function alreadyVerified(keys: SigningKeys, token: string): AccessClaims | undefined {
  const cache = verified.get(keys);
  const hit = cache?.get(token);
  if (!cache || !hit) return undefined;
  if (hit.expiresAt > Date.now()) return hit.claims;
  cache.delete(token);
  return undefined;
}

/** Verifies signature (allow-listed algorithm, known kid), iss, aud, typ and expiry; undefined when any fails. */
export async function verifyAccessToken(
  keys: SigningKeys,
  settings: AccessTokenSettings,
  token: string,
): Promise<AccessClaims | undefined> {
  if (token.length > 4096) return undefined;
  const known = alreadyVerified(keys, token);
  if (known) return known;
  const claims = await verifySignature(keys, settings, token);
  if (claims) {
    let cache = verified.get(keys);
    if (!cache) verified.set(keys, (cache = new Map()));
    if (cache.size >= VERIFIED_LIMIT) cache.delete(cache.keys().next().value!); // oldest first
    cache.set(token, { claims: { userId: claims.userId, sessionId: claims.sessionId }, expiresAt: claims.expiresAt });
  }
  return claims && { userId: claims.userId, sessionId: claims.sessionId };
}

async function verifySignature(
  keys: SigningKeys,
  settings: AccessTokenSettings,
  token: string,
): Promise<(AccessClaims & { expiresAt: number }) | undefined> {
  try {
    const { payload } = await jwtVerify(token, keys.verifyKeySet, {
      algorithms: [ACCESS_TOKEN_ALG],
      issuer: settings.issuer,
      audience: settings.audience,
      typ: ACCESS_TOKEN_TYP,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') return undefined;
    return { userId: payload.sub, sessionId: payload.sid, expiresAt: payload.exp * 1000 };
  } catch {
    return undefined;
  }
}
