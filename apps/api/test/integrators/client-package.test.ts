import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckClient, createTokenVerifier, verifyWebhook, WebhookVerificationError } from '@gatehouse/client';
import { addMember, createOrg, createUser, gid, roleGid, signIn, startTestServer, type Member, type TestServer } from '../harness.ts';
import { startReceiver, type Receiver } from './webhook-receiver.ts';

/**
 * packages/client against a real server: tokens verified against the JWKS (keys cached), checks
 * made in one tick sent as one request, webhook signatures verified (R17, R23, R24).
 */

let ts: TestServer;
let receiver: Receiver;
let orgId: string;
let ownerSession: string;
let developer: Member;
let account: { id: string; clientId: string; secret: string };

beforeAll(async () => {
  ts = await startTestServer({ WEBHOOKS_WORKER: 'true', WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true', WEBHOOKS_POLL_MILLISECONDS: '50' });
  receiver = await startReceiver();
  const owner = await createUser(ts.orm);
  orgId = (await createOrg(ts, 'Client', owner.id)).id;
  ownerSession = (await signIn(ts, owner.email)).accessToken;
  developer = await addMember(ts, orgId, ['developer']);
  const created = await ts.gql(
    `mutation($o: ID!, $r: ID!) { createServiceAccount(input: { organizationId: $o, name: "checker", roleIds: [$r] }) { ... on ServiceAccount { id clientId } } }`,
    { o: gid('Organization', orgId), r: await roleGid(ts, orgId, 'admin') },
    ownerSession,
  );
  const { id, clientId } = created.data.createServiceAccount;
  const key = await ts.gql(`mutation($s: ID!) { createServiceAccountKey(input: { serviceAccountId: $s, name: "k" }) { ... on CreatedServiceAccountKey { secret } } }`, { s: id }, ownerSession);
  account = { id, clientId, secret: key.data.createServiceAccountKey.secret };
});
afterAll(async () => {
  await ts?.close();
  await receiver?.close();
});

describe('@gatehouse/client', () => {
  it('R17 verifies a person’s and a service account’s access tokens against the JWKS, fetching the keys once', async () => {
    let jwksFetches = 0;
    const originalFetch = globalThis.fetch;
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input instanceof Request ? input.url : input).endsWith('/.well-known/jwks.json')) jwksFetches += 1;
      return originalFetch(input, init);
    }) as typeof fetch;
    try {
      const verify = createTokenVerifier({ url: ts.url, issuer: ts.config.jwt.issuer, audience: ts.config.jwt.audience });
      expect(await verify(ownerSession)).toMatchObject({ kind: 'user', userId: expect.any(String), sessionId: expect.any(String) });
      const token = await originalFetch(`${ts.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: account.clientId, client_secret: account.secret }),
      }).then((r) => r.json());
      expect(await verify(token.access_token)).toMatchObject({ kind: 'serviceAccount', serviceAccountId: account.clientId, organizationId: orgId });
      await expect(verify(`${ownerSession.slice(0, -2)}xx`)).rejects.toThrow();
      const other = createTokenVerifier({ url: ts.url, issuer: ts.config.jwt.issuer, audience: 'someone-else' });
      await expect(other(ownerSession)).rejects.toThrow();
      expect(jwksFetches).toBe(2); // one per verifier, cached for every later token
    } finally {
      globalThis.fetch = originalFetch;
    }
  });

  it('R23 checks asked in one tick go out as one request, each call with its own answer; errors reach every caller', async () => {
    const client = createCheckClient({ url: ts.url, credential: account.secret });
    const org = gid('Organization', orgId);
    const [a, b, c] = await Promise.all([
      client.can(org, { subject: developer.gid.user, permission: 'deployments:create' }),
      client.can(org, { subject: developer.gid.user, permission: 'members:remove' }),
      client.check(org, { subject: account.id, permission: 'permissions:check' }),
    ]);
    expect([a, b, c.allowed, c.reason]).toEqual([true, false, true, 'ALLOWED']);
    expect(client.requestCount).toBe(1);
    const many = await Promise.all(Array.from({ length: 150 }, () => client.can(org, { subject: developer.gid.user, permission: 'projects:read' })));
    expect(many.every(Boolean)).toBe(true);
    expect(client.requestCount).toBe(3); // 100 + 50
    const stranger = createCheckClient({ url: ts.url, credential: 'ghsak_notavalidkeyatall0000000000000000' });
    await expect(stranger.can(org, { subject: developer.gid.user, permission: 'projects:read' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('R24 verifies a delivered webhook and refuses a tampered one', async () => {
    const res = await ts.gql(
      `mutation($o: ID!, $u: String!) { createWebhookEndpoint(input: { organizationId: $o, url: $u, eventTypes: ["role.created"] }) { ... on WebhookSecretPayload { secret } } }`,
      { o: gid('Organization', orgId), u: receiver.url },
      ownerSession,
    );
    const secret = res.data.createWebhookEndpoint.secret as string;
    await ts.gql(`mutation($o: ID!) { createRole(input: { organizationId: $o, name: "Via client", permissions: ["projects:read"] }) { __typename } }`, { o: gid('Organization', orgId) }, ownerSession);
    await receiver.waitFor((all) => all.length >= 1);
    const got = receiver.received[0]!;
    const headers = { 'webhook-id': got.id, 'webhook-timestamp': got.timestamp, 'webhook-signature': got.signature };
    const event = verifyWebhook(secret, got.body, headers);
    expect(event).toMatchObject({ type: 'role.created', data: { organizationId: orgId, target: { label: 'Via client' } } });
    expect(() => verifyWebhook(secret, got.body.replace('Via client', 'Via attacker'), headers)).toThrow(WebhookVerificationError);
  });

  it('the client’s types name the schema’s check API exactly', () => {
    const schema = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../schema.graphql'), 'utf8');
    const enumBody = /enum PermissionCheckReason \{([^}]*)\}/.exec(schema)![1]!;
    const values = enumBody.split('\n').map((l) => l.trim()).filter((l) => /^[A-Z_]+$/.test(l));
    const types = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../packages/client/src/types.ts'), 'utf8');
    const declared = /PermissionCheckReason = ([^;]*);/.exec(types)![1]!.split('|').map((s) => s.trim().replace(/'/g, ''));
    expect(declared.sort()).toEqual(values.sort());
    const answer = /type PermissionCheckAnswer \{([^}]*)\}/.exec(schema)![1]!;
    for (const field of ['subject', 'permission', 'resourceId', 'allowed', 'reason', 'grantedBy']) expect(answer).toContain(`${field}:`);
  });
});
