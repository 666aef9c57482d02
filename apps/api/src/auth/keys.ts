import fs from 'node:fs';
import path from 'node:path';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
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
 * data directory so restarts keep tokens valid. Replicas must share the configured key.
 */
export async function loadSigningKeys(privateKeyPem: string | undefined, dataDir: string): Promise<SigningKeys> {
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
  const kid = await calculateJwkThumbprint(publicJwk as JWK);
  const jwks: JSONWebKeySet = { keys: [{ ...publicJwk, kid, alg: ACCESS_TOKEN_ALG, use: 'sig' }] };
  return { kid, privateKey, jwks, verifyKeySet: createLocalJWKSet(jwks) };
}
