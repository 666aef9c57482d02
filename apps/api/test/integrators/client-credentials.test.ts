import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { emOf } from '../../src/db/orm.ts';
import { createOrg, createUser, gid, roleGid, signIn, startTestServer, type TestServer } from '../harness.ts';

/**
 * R23, R17 OAuth 2.0 client credentials (RFC 6749 §4.4) for service accounts, over real HTTP:
 * client_secret_basic and client_secret_post, short JWTs verifiable against the JWKS with aud,
 * azp and org, whose account is re-read on every use (R2).
 */

let ts: TestServer;
let orgId: string;
let ownerSession: string;
let account: { id: string; rawId: string; secret: string; keyId: string };

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function tokenRequest(form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${ts.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
}

async function newAccount(roleKey: string) {
  const created = await ts.gql(
    `mutation($o: ID!, $r: ID!, $n: String!) { createServiceAccount(input: { organizationId: $o, name: $n, roleIds: [$r] }) { ... on ServiceAccount { id clientId } } }`,
    { o: gid('Organization', orgId), r: await roleGid(ts, orgId, roleKey), n: `cc-${crypto.randomUUID().slice(0, 8)}` },
    ownerSession,
  );
  const { id, clientId } = created.data.createServiceAccount;
  const key = await ts.gql(`mutation($s: ID!) { createServiceAccountKey(input: { serviceAccountId: $s, name: "k" }) { ... on CreatedServiceAccountKey { secret key { id } } } }`, { s: id }, ownerSession);
  return { id, rawId: clientId as string, secret: key.data.createServiceAccountKey.secret as string, keyId: key.data.createServiceAccountKey.key.id as string };
}

const me = async (bearer: string) => (await ts.gql(`{ currentServiceAccount { id permissions } }`, {}, bearer)).data?.currentServiceAccount ?? null;

beforeAll(async () => {
  ts = await startTestServer();
  const owner = await createUser(ts.orm);
  orgId = (await createOrg(ts, 'Machines', owner.id)).id;
  ownerSession = (await signIn(ts, owner.email)).accessToken;
  account = await newAccount('admin');
});
afterAll(async () => ts?.close());

describe('POST /oauth/token (RFC 6749 §4.4)', () => {
  it('R17 R23 client_secret_basic: a short JWT with aud, azp and org, verifiable against the JWKS, never cached', async () => {
    const res = await tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic(account.rawId, account.secret) });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 300 });
    const jwks = createRemoteJWKSet(new URL(`${ts.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(res.body.access_token, jwks, { issuer: ts.config.jwt.issuer, audience: ts.config.jwt.audience, typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: account.rawId, azp: account.rawId, client_id: account.rawId, org: orgId });
    expect(payload.sid).toBeUndefined();
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(decodeProtectedHeader(res.body.access_token)).toMatchObject({ alg: 'EdDSA', kid: ts.server.app.keys.kid });
    // The token works as a bearer, with the account's current roles.
    expect((await me(res.body.access_token))?.permissions).toContain('permissions:check');
  });

  it('R23 client_secret_post works too', async () => {
    const res = await tokenRequest({ grant_type: 'client_credentials', client_id: account.rawId, client_secret: account.secret, scope: 'ignored' });
    expect(res.status).toBe(200);
    expect(await me(res.body.access_token)).toMatchObject({ id: account.id });
  });

  it('R18 wrong client, wrong secret, another account’s key: 401 invalid_client (with a Basic challenge for Basic)', async () => {
    const other = await newAccount('viewer');
    const cases = [
      await tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic(account.rawId, other.secret) }),
      await tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic(account.rawId, `${account.secret.slice(0, -1)}${account.secret.endsWith('x') ? 'y' : 'x'}`) }),
      await tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic(crypto.randomUUID(), account.secret) }),
    ];
    for (const res of cases) {
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_client');
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
    const posted = await tokenRequest({ grant_type: 'client_credentials', client_id: 'not-a-uuid', client_secret: account.secret });
    expect([posted.status, posted.body.error, posted.headers.get('www-authenticate')]).toEqual([401, 'invalid_client', null]);
  });

  it('R18 malformed requests answer the RFC error codes, never a 500', async () => {
    const both = await tokenRequest({ grant_type: 'client_credentials', client_id: account.rawId, client_secret: account.secret }, { authorization: basic(account.rawId, account.secret) });
    expect([both.status, both.body.error]).toEqual([400, 'invalid_request']);
    const noGrant = await tokenRequest({ client_id: account.rawId, client_secret: account.secret });
    expect([noGrant.status, noGrant.body.error]).toEqual([400, 'invalid_request']);
    const password = await tokenRequest({ grant_type: 'password', client_id: account.rawId, client_secret: account.secret });
    expect([password.status, password.body.error]).toEqual([400, 'unsupported_grant_type']);
    const repeated = await fetch(`${ts.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&grant_type=client_credentials' });
    expect([repeated.status, (await repeated.json()).error]).toEqual([400, 'invalid_request']);
    const json = await fetch(`${ts.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials' }) });
    expect([json.status, (await json.json()).error]).toEqual([400, 'invalid_request']);
    const get = await fetch(`${ts.url}/oauth/token`);
    expect(get.status).toBe(405);
    const huge = await fetch(`${ts.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=client_credentials&x=${'a'.repeat(10_000)}` });
    expect(huge.status).toBe(413);
  });

  it('R2 R23 disabling the account or revoking the key ends its access tokens on their next use', async () => {
    const sa = await newAccount('viewer');
    const token = async () => (await tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic(sa.rawId, sa.secret) })).body.access_token as string;
    const first = await token();
    expect(await me(first)).not.toBeNull();
    await ts.gql(`mutation($s: ID!) { setServiceAccountStatus(serviceAccountId: $s, status: DISABLED) { __typename } }`, { s: sa.id }, ownerSession);
    expect(await me(first)).toBeNull();
    const refused = await tokenRequest({ grant_type: 'client_credentials' }, { authorization: basic(sa.rawId, sa.secret) });
    expect(refused.status).toBe(401);
    await ts.gql(`mutation($s: ID!) { setServiceAccountStatus(serviceAccountId: $s, status: ACTIVE) { __typename } }`, { s: sa.id }, ownerSession);
    const second = await token();
    expect(await me(second)).not.toBeNull();
    await ts.gql(`mutation($k: ID!) { revokeServiceAccountKey(keyId: $k) { __typename } }`, { k: sa.keyId }, ownerSession);
    expect(await me(second)).toBeNull();
  });

  describe('throttling (R16)', () => {
    // Every request of this suite comes from 127.0.0.1: each case starts with clean counters.
    const clear = () => emOf(ts.orm).execute(`delete from login_throttle where key like 'oauth-%'`);
    beforeEach(clear);
    afterAll(clear);

    it('R16 R23 failed client secrets are throttled per client: 429 with Retry-After, the right secret refused too while locked; other clients unaffected', async () => {
      const target = await newAccount('viewer');
      const bystander = await newAccount('viewer');
      const wrong = `${target.secret.slice(0, -1)}${target.secret.endsWith('x') ? 'y' : 'x'}`;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await tokenRequest({ grant_type: 'client_credentials', client_id: target.rawId, client_secret: wrong })).status);
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses[5]).toBe(429);
      const locked = await tokenRequest({ grant_type: 'client_credentials', client_id: target.rawId, client_secret: target.secret });
      expect(locked.status).toBe(429);
      expect(locked.body.error).toBe('temporarily_unavailable');
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(locked.headers.get('cache-control')).toBe('no-store');
      const other = await tokenRequest({ grant_type: 'client_credentials', client_id: bystander.rawId, client_secret: bystander.secret });
      expect(other.status).toBe(200);
      // Once the lock runs out (moved into the past here), the right secret works and clears the count.
      await emOf(ts.orm).execute(`update login_throttle set locked_until = now() - interval '1 second' where key like 'oauth-client:%'`);
      expect((await tokenRequest({ grant_type: 'client_credentials', client_id: target.rawId, client_secret: target.secret })).status).toBe(200);
      expect((await emOf(ts.orm).execute<{ n: number }[]>(`select count(*)::int as n from login_throttle where key like 'oauth-client:%'`))[0]!.n).toBe(0);
    });

    it('R16 R23 guessing across many client ids from one address is throttled per address', async () => {
      const good = await newAccount('viewer');
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) statuses.push((await tokenRequest({ grant_type: 'client_credentials', client_id: crypto.randomUUID(), client_secret: good.secret })).status);
      expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
      expect(statuses[20]).toBe(429);
      const res = await tokenRequest({ grant_type: 'client_credentials', client_id: good.rawId, client_secret: good.secret });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('R16 a service that keeps getting tokens with the right secret is never throttled', async () => {
      const busy = await newAccount('viewer');
      for (let i = 0; i < 30; i++) expect((await tokenRequest({ grant_type: 'client_credentials', client_id: busy.rawId, client_secret: busy.secret })).status).toBe(200);
    });
  });
});
