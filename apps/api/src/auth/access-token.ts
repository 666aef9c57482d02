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

/** Verifies signature (allow-listed algorithm, known kid), iss, aud, typ and expiry; undefined when any fails. */
export async function verifyAccessToken(
  keys: SigningKeys,
  settings: AccessTokenSettings,
  token: string,
): Promise<AccessClaims | undefined> {
  try {
    const { payload } = await jwtVerify(token, keys.verifyKeySet, {
      algorithms: [ACCESS_TOKEN_ALG],
      issuer: settings.issuer,
      audience: settings.audience,
      typ: ACCESS_TOKEN_TYP,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return undefined;
    return { userId: payload.sub, sessionId: payload.sid };
  } catch {
    return undefined;
  }
}
