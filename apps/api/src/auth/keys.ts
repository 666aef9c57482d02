import fs from 'node:fs';
import path from 'node:path';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  importSPKI,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose';

export const ACCESS_TOKEN_ALG = 'EdDSA';

export interface SigningKeys {
  kid: string;
  privateKey: CryptoKey;
  jwks: JSONWebKeySet;
  verifyKeySet: ReturnType<typeof createLocalJWKSet>;
}

/**
 * The access-token signing key: from config (JWT_PRIVATE_KEY), else generated once and kept in the
 * data directory so restarts keep tokens valid (config refuses that in production and on PostgreSQL,
 * where replicas must share the configured key). Earlier keys' public halves
 * (JWT_PREVIOUS_PUBLIC_KEYS) are published in the JWKS and accepted when verifying, so tokens signed
 * before a rotation stay valid until they expire.
 */
export async function loadSigningKeys(privateKeyPem: string | undefined, dataDir: string, previousPublicKeysPem: string[] = []): Promise<SigningKeys> {
  let pem = privateKeyPem;
  if (!pem) {
    const file = path.join(dataDir, 'jwt-private-key.pem');
    if (fs.existsSync(file)) {
      pem = fs.readFileSync(file, 'utf8');
    } else {
      const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { crv: 'Ed25519', extractable: true });
      pem = await exportPKCS8(privateKey);
      fs.mkdirSync(dataDir, { recursive: true });
      fs.writeFileSync(file, pem, { mode: 0o600 });
    }
  }
  const privateKey = await importPKCS8(pem, ACCESS_TOKEN_ALG, { extractable: true });
  const { d: _secret, ...publicJwk } = await exportJWK(privateKey);
  const current = await published(publicJwk as JWK);
  const previous: JWK[] = [];
  for (const spki of previousPublicKeysPem) {
    const jwk = await published(await exportJWK(await importSPKI(spki, ACCESS_TOKEN_ALG, { extractable: true })));
    // The current key listed again among the previous ones is published once.
    if (jwk.kid !== current.kid && !previous.some((p) => p.kid === jwk.kid)) previous.push(jwk);
  }
  const jwks: JSONWebKeySet = { keys: [current, ...previous] };
  return { kid: current.kid!, privateKey, jwks, verifyKeySet: createLocalJWKSet(jwks) };
}

async function published(publicJwk: JWK): Promise<JWK> {
  return { ...publicJwk, kid: await calculateJwkThumbprint(publicJwk), alg: ACCESS_TOKEN_ALG, use: 'sig' };
}
