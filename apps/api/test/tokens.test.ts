import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, base64url, decodeJwt, decodeProtectedHeader, generateKeyPair, jwtVerify, createLocalJWKSet } from 'jose';
import { createHmac } from 'node:crypto';
import { createUser, signIn, startTestServer, type TestServer } from './harness.ts';

let ts: TestServer;
let valid: string;
let userId: string;
let rawUserId: string;
let sessionId: string;

beforeAll(async () => {
  ts = await startTestServer();
  const user = await createUser(ts.orm);
  const tokens = await signIn(ts, user.email);
  valid = tokens.accessToken;
  userId = tokens.userId;
  sessionId = decodeJwt(valid).sid as string;
  rawUserId = decodeJwt(valid).sub as string;
});
afterAll(async () => ts?.close());

const viewerOf = async (token: string) => (await ts.gql(`{ viewer { id } }`, {}, token)).data?.viewer ?? null;

function forge(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  const enc = (o: unknown) => base64url.encode(JSON.stringify(o));
  return `${enc(header)}.${enc(payload)}.${signature}`;
}

function claims(overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { sub: rawUserId, sid: sessionId, iss: ts.config.jwt.issuer, aud: ts.config.jwt.audience, iat: now, exp: now + 600, ...overrides };
}

describe('access tokens (R17)', () => {
  it('R17 a valid token is accepted and carries iss, aud, typ and kid', async () => {
    expect(await viewerOf(valid)).toEqual({ id: expect.any(String) });
    const header = decodeProtectedHeader(valid);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: ts.server.app.keys.kid });
    expect(decodeJwt(valid)).toMatchObject({ iss: ts.config.jwt.issuer, aud: 'gatehouse', sub: rawUserId });
  });

  it('R17 JWKS publishes the verification key with its kid, and it verifies the token', async () => {
    const res = await fetch(`${ts.url}/.well-known/jwks.json`);
    const jwks = await res.json();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: ts.server.app.keys.kid, use: 'sig' });
    expect(jwks.keys[0].d).toBeUndefined();
    const { payload } = await jwtVerify(valid, createLocalJWKSet(jwks), { issuer: ts.config.jwt.issuer, audience: 'gatehouse' });
    expect(payload.sub).toBe(rawUserId);
  });

  it('R17 refuses alg "none"', async () => {
    expect(await viewerOf(forge({ alg: 'none', typ: 'at+jwt', kid: ts.server.app.keys.kid }, claims()))).toBeNull();
  });

  it('R17 refuses a token signed with another key', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: ts.server.app.keys.kid }).sign(privateKey);
    expect(await viewerOf(token)).toBeNull();
  });

  it('R17 refuses HS256 signed with the public key as the secret', async () => {
    const jwk = ts.server.app.keys.jwks.keys[0]!;
    for (const secret of [JSON.stringify(jwk), jwk.x!, Buffer.from(jwk.x!, 'base64url').toString('binary')]) {
      const header = { alg: 'HS256', typ: 'at+jwt', kid: ts.server.app.keys.kid };
      const unsigned = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims()))}`;
      const sig = createHmac('sha256', secret).update(unsigned).digest('base64url');
      expect(await viewerOf(`${unsigned}.${sig}`)).toBeNull();
    }
  });

  it('R17 refuses an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    expect(await viewerOf(await sign(claims({ iat: past - 900, exp: past })))).toBeNull();
  });

  it.each([
    ['wrong audience', { aud: 'someone-else' }],
    ['wrong issuer', { iss: 'https://evil.example' }],
  ])('R17 refuses a token with the %s', async (_name, override) => {
    expect(await viewerOf(await sign(claims(override)))).toBeNull();
  });

  it('R17 refuses a token with the wrong typ', async () => {
    expect(await viewerOf(await sign(claims(), { typ: 'JWT' }))).toBeNull();
  });

  it('R17 refuses a tampered payload', async () => {
    const [h, , s] = valid.split('.');
    const payload = base64url.encode(JSON.stringify({ ...decodeJwt(valid), sub: crypto.randomUUID() }));
    expect(await viewerOf(`${h}.${payload}.${s}`)).toBeNull();
  });

  it('R17 refuses an unknown kid', async () => {
    expect(await viewerOf(await sign(claims(), { kid: 'not-a-known-key' }))).toBeNull();
  });

  it('R17 a token correctly signed by our key is accepted (the forging helper is sound)', async () => {
    expect(await viewerOf(await sign(claims()))).toEqual({ id: userId });
  });

  it('R17 a protected operation answers UNAUTHENTICATED for a bad token', async () => {
    const res = await ts.gql(`mutation { signOutEverywhere { ok } }`, {}, forge({ alg: 'none' }, claims()));
    expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

/** Signs with the server's own private key (read from the data dir), to vary one claim at a time. */
async function sign(payload: Record<string, unknown>, header: Record<string, unknown> = {}) {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: ts.server.app.keys.kid, ...header })
    .sign(ts.server.app.keys.privateKey);
}

