import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../../src/db/orm.ts';
import { credentialKind } from '../../src/auth/api-key.ts';
import { addMember, createOrg, createUser, gid, roleGid, signIn, startTestServer, type TestServer } from '../harness.ts';

/**
 * R23 service accounts with real HTTP and a real database: roles like a member's under the grant
 * ceiling (R3), API keys with rotation, expiry and last use, permissions re-read per request (R2),
 * the organization's status applying to them (R10), their own name in the audit log (R13).
 */

let ts: TestServer;
let orgId: string;
let ownerSession: string;
let adminSession: string;

const CREATE = `mutation($input: CreateServiceAccountInput!) {
  createServiceAccount(input: $input) {
    __typename
    ... on ServiceAccount { id name status clientId roles { key } }
    ... on ValidationError { issues { path message } }
    ... on Error { message }
  }
}`;
const CREATE_KEY = `mutation($input: CreateServiceAccountKeyInput!) {
  createServiceAccountKey(input: $input) {
    __typename
    ... on CreatedServiceAccountKey { secret key { id name hint active expiresAt lastUsedAt lastUsedIp } }
    ... on ValidationError { issues { path message } }
    ... on Error { message }
  }
}`;
const ROTATE = `mutation($k: ID!, $h: Int) { rotateServiceAccountKey(keyId: $k, overlapHours: $h) { __typename ... on CreatedServiceAccountKey { secret key { id } } ... on Error { message } } }`;
const SET_ROLES = `mutation($s: ID!, $r: [ID!]!) { setServiceAccountRoles(serviceAccountId: $s, roleIds: $r) { __typename ... on ServiceAccount { roles { key } } ... on Error { message } } }`;
const SET_STATUS = `mutation($s: ID!, $st: ServiceAccountStatus!) { setServiceAccountStatus(serviceAccountId: $s, status: $st) { __typename ... on Error { message } } }`;
const ME = `{ currentServiceAccount { id name organizationId permissions } }`;

const session = async (email: string) => (await signIn(ts, email)).accessToken;

async function createAccount(bearer: string, roleKeys: string[], name = `svc-${crypto.randomUUID().slice(0, 8)}`, org = orgId) {
  const roleIds = await Promise.all(roleKeys.map((k) => roleGid(ts, org, k)));
  return (await ts.gql(CREATE, { input: { organizationId: gid('Organization', org), name, roleIds } }, bearer)).data?.createServiceAccount;
}

async function accountWithKey(roleKeys: string[], bearer = ownerSession): Promise<{ id: string; secret: string; keyId: string }> {
  const account = await createAccount(bearer, roleKeys);
  if (account?.__typename !== 'ServiceAccount') throw new Error(`not created: ${JSON.stringify(account)}`);
  const key = (await ts.gql(CREATE_KEY, { input: { serviceAccountId: account.id, name: 'primary' } }, bearer)).data.createServiceAccountKey;
  return { id: account.id, secret: key.secret, keyId: key.key.id };
}

const me = async (secret: string) => (await ts.gql(ME, {}, secret)).data?.currentServiceAccount ?? null;

beforeAll(async () => {
  ts = await startTestServer();
  const owner = await createUser(ts.orm);
  orgId = (await createOrg(ts, 'Services', owner.id)).id;
  ownerSession = await session(owner.email);
  adminSession = await session((await addMember(ts, orgId, ['admin'])).email);
});
afterAll(async () => ts?.close());

describe('service accounts and their keys (R23)', () => {
  it('R23 an admin creates one with a role and a key; the key authenticates as the account with the role’s permissions', async () => {
    const account = await createAccount(adminSession, ['developer'], 'deployer');
    expect(account).toMatchObject({ __typename: 'ServiceAccount', name: 'deployer', status: 'ACTIVE', roles: [{ key: 'developer' }] });
    const key = (await ts.gql(CREATE_KEY, { input: { serviceAccountId: account.id, name: 'ci', expiresInDays: 90 } }, adminSession)).data.createServiceAccountKey;
    expect(key.secret).toMatch(/^ghsak_[0-9A-Za-z]{36}$/);
    expect(credentialKind(key.secret)).toBe('serviceAccountKey');
    expect(key.key).toMatchObject({ name: 'ci', hint: key.secret.slice(-4), active: true, lastUsedAt: null });
    const self = await me(key.secret);
    expect(self).toMatchObject({ id: account.id, name: 'deployer', organizationId: gid('Organization', orgId) });
    expect(self.permissions).toContain('deployments:create');
    expect(self.permissions).not.toContain('members:update');
    const after = await ts.gql(`query($id: ID!) { node(id: $id) { ... on ServiceAccountKey { lastUsedAt lastUsedIp } } }`, { id: key.key.id }, adminSession);
    expect(after.data.node.lastUsedIp).toBe('127.0.0.1');
    expect(new Date(after.data.node.lastUsedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const stored = await emOf(ts.orm).execute<{ row: string }[]>(`select k::text as row from service_account_key k`);
    expect(stored.some((r) => r.row.includes(key.secret.slice(6, 30)))).toBe(false);
  });

  it('R18 no roles, a role of another organization and a duplicate name are refused naming the field', async () => {
    const none = (await ts.gql(CREATE, { input: { organizationId: gid('Organization', orgId), name: 'x', roleIds: [] } }, ownerSession)).data.createServiceAccount;
    expect(none).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['input', 'roleIds'] }] });
    const other = await createOrg(ts, 'Other roles');
    const foreignRole = await roleGid(ts, other.id, 'viewer');
    const foreign = (await ts.gql(CREATE, { input: { organizationId: gid('Organization', orgId), name: 'x', roleIds: [foreignRole] } }, ownerSession)).data.createServiceAccount;
    expect(foreign).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['input', 'roleIds', '0'] }] });
    await createAccount(ownerSession, ['viewer'], 'twin');
    expect((await createAccount(ownerSession, ['viewer'], 'TWIN')).__typename).toBe('ConflictError');
  });

  it('R3 the grant ceiling applies to whoever creates or changes one; never a role holding org:own', async () => {
    expect((await createAccount(ownerSession, ['owner'])).__typename).toBe('PolicyError');
    // A custom role with billing:manage, which admins do not hold.
    const custom = await ts.gql(`mutation($o: ID!) { createRole(input: { organizationId: $o, name: "Billing bot", permissions: ["billing:manage"] }) { ... on Role { id } } }`, { o: gid('Organization', orgId) }, ownerSession);
    const billingRole = custom.data.createRole.id as string;
    const byAdmin = await ts.gql(CREATE, { input: { organizationId: gid('Organization', orgId), name: 'billing-by-admin', roleIds: [billingRole] } }, adminSession);
    expect(byAdmin.data.createServiceAccount.__typename).toBe('GrantCeilingError');
    const byOwner = await ts.gql(CREATE, { input: { organizationId: gid('Organization', orgId), name: 'billing', roleIds: [billingRole] } }, ownerSession);
    const id = byOwner.data.createServiceAccount.id as string;
    // The admin may neither take the role away, nor issue a key that would hand out its power.
    expect((await ts.gql(SET_ROLES, { s: id, r: [await roleGid(ts, orgId, 'viewer')] }, adminSession)).data.setServiceAccountRoles.__typename).toBe('GrantCeilingError');
    expect((await ts.gql(CREATE_KEY, { input: { serviceAccountId: id, name: 'k' } }, adminSession)).data.createServiceAccountKey.__typename).toBe('GrantCeilingError');
    expect((await ts.gql(CREATE_KEY, { input: { serviceAccountId: id, name: 'k' } }, ownerSession)).data.createServiceAccountKey.__typename).toBe('CreatedServiceAccountKey');
  });

  it('R2 a role change or a disable applies to the key’s very next request; R10 so does disabling the organization', async () => {
    const sa = await accountWithKey(['admin']);
    expect((await me(sa.secret)).permissions).toContain('members:update');
    const demoted = await ts.gql(SET_ROLES, { s: sa.id, r: [await roleGid(ts, orgId, 'viewer')] }, ownerSession);
    expect(demoted.data.setServiceAccountRoles.roles).toEqual([{ key: 'viewer' }]);
    expect((await me(sa.secret)).permissions).not.toContain('members:update');

    expect((await ts.gql(SET_STATUS, { s: sa.id, st: 'DISABLED' }, ownerSession)).data.setServiceAccountStatus.__typename).toBe('ServiceAccount');
    expect(await me(sa.secret)).toBeNull();
    await ts.gql(SET_STATUS, { s: sa.id, st: 'ACTIVE' }, ownerSession);
    expect(await me(sa.secret)).not.toBeNull();

    await emOf(ts.orm).execute(`update organization set status = 'DISABLED' where id = ?`, [orgId]);
    try {
      expect(await me(sa.secret)).toBeNull();
    } finally {
      await emOf(ts.orm).execute(`update organization set status = 'ACTIVE' where id = ?`, [orgId]);
    }
    expect(await me(sa.secret)).not.toBeNull();
  });

  it('R23 rotation with overlap keeps the old key working for the overlap; 0 stops it at once; revoke and expiry stop a key', async () => {
    const sa = await accountWithKey(['viewer']);
    const rotated = (await ts.gql(ROTATE, { k: sa.keyId, h: 1 }, ownerSession)).data.rotateServiceAccountKey;
    expect(rotated.__typename).toBe('CreatedServiceAccountKey');
    expect(await me(sa.secret)).not.toBeNull();
    expect(await me(rotated.secret)).not.toBeNull();
    const again = (await ts.gql(ROTATE, { k: rotated.key.id, h: 0 }, ownerSession)).data.rotateServiceAccountKey;
    expect(await me(rotated.secret)).toBeNull();
    expect(await me(again.secret)).not.toBeNull();

    const revoked = await ts.gql(`mutation($k: ID!) { revokeServiceAccountKey(keyId: $k) { __typename ... on ServiceAccountKey { active } } }`, { k: again.key.id }, ownerSession);
    expect(revoked.data.revokeServiceAccountKey).toEqual({ __typename: 'ServiceAccountKey', active: false });
    expect(await me(again.secret)).toBeNull();

    const expiring = (await ts.gql(CREATE_KEY, { input: { serviceAccountId: sa.id, name: 'short', expiresInDays: 1 } }, ownerSession)).data.createServiceAccountKey;
    expect(await me(expiring.secret)).not.toBeNull();
    await emOf(ts.orm).execute(`update service_account_key set expires_at = now() - interval '1 second' where id = ?`, [Buffer.from(expiring.key.id, 'base64').toString().split(':')[1]]);
    expect(await me(expiring.secret)).toBeNull();
    const badExpiry = (await ts.gql(CREATE_KEY, { input: { serviceAccountId: sa.id, name: 'x', expiresInDays: 400 } }, ownerSession)).data.createServiceAccountKey;
    expect(badExpiry).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['input', 'expiresInDays'] }] });
  });

  it('R13 R23 a service account rotating its own key is named as the actor of the audit event; it can export the log with audit:read', async () => {
    const sa = await accountWithKey(['admin']);
    const rotated = (await ts.gql(ROTATE, { k: sa.keyId, h: 0 }, sa.secret)).data.rotateServiceAccountKey;
    expect(rotated.__typename).toBe('CreatedServiceAccountKey');
    const rows = await emOf(ts.orm).execute<{ actor_user_id: string | null; actor_label: string }[]>(
      `select actor_user_id, actor_label from audit_event where org_id = ? and action = 'service_account.key_rotated' order by id desc limit 1`,
      [orgId],
    );
    expect(rows[0]!.actor_user_id).toBeNull();
    expect(rows[0]!.actor_label).toMatch(new RegExp(`^service account "svc-[0-9a-f]{8}" \\(${Buffer.from(sa.id, 'base64').toString().split(':')[1]}\\)$`));
    const res = await fetch(`${ts.url}/audit/export?organization=${orgId}&format=ndjson`, { headers: { authorization: `Bearer ${rotated.secret}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('service_account.key_rotated');
  });

  it('R23 a service account cannot rotate another account’s key, nor call what is about a person or the platform', async () => {
    const a = await accountWithKey(['admin']);
    const b = await accountWithKey(['viewer']);
    const cross = await ts.gql(ROTATE, { k: b.keyId, h: 0 }, a.secret);
    expect(cross.errors?.[0]?.extensions?.code ?? cross.data?.rotateServiceAccountKey?.__typename).toMatch(/FORBIDDEN|NotFoundError/);
    expect(await me(b.secret)).not.toBeNull();
    for (const doc of [`{ viewer { id } }`, `{ users(first: 1) { edges { node { id } } } }`, `mutation { signOutEverywhere { __typename } }`]) {
      const res = await ts.gql(doc, { o: gid('Organization', orgId) }, a.secret);
      expect(res.errors?.[0]?.extensions?.code, doc).toBe('FORBIDDEN');
    }
  });

  it('R1 another organization’s admin sees and changes nothing of them', async () => {
    const sa = await accountWithKey(['viewer']);
    const outsider = await createUser(ts.orm);
    await createOrg(ts, 'Outside', outsider.id);
    const outsiderSession = await session(outsider.email);
    const node = await ts.gql(`query($id: ID!) { node(id: $id) { id } }`, { id: sa.id }, outsiderSession);
    expect(node.data.node).toBeNull();
    const status = await ts.gql(SET_STATUS, { s: sa.id, st: 'DISABLED' }, outsiderSession);
    expect(status.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const list = await ts.gql(`query($o: ID!) { serviceAccounts(organizationId: $o) { id } }`, { o: gid('Organization', orgId) }, outsiderSession);
    expect(list.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await me(sa.secret)).not.toBeNull();
  });
});

describe('authorization matrix: service-account operations × actor × own/foreign org (R1, R3, R23)', () => {
  type Actor = 'owner' | 'admin' | 'manager' | 'developer' | 'viewer' | 'foreignOwner' | 'personalToken' | 'serviceAccount';
  const ALLOWED: Actor[] = ['owner', 'admin'];
  const ACTORS: Actor[] = ['owner', 'admin', 'manager', 'developer', 'viewer', 'foreignOwner', 'personalToken', 'serviceAccount'];

  async function bearerOf(actor: Actor): Promise<string> {
    if (actor === 'owner') return ownerSession;
    if (actor === 'admin') return adminSession;
    if (actor === 'foreignOwner') {
      const u = await createUser(ts.orm);
      await createOrg(ts, 'Foreign', u.id);
      return session(u.email);
    }
    if (actor === 'personalToken') {
      const res = await ts.gql(
        `mutation($o: ID!) { createPersonalAccessToken(input: { organizationId: $o, name: "t", permissions: ["service_accounts:manage", "members:read", "projects:read"] }) { ... on CreatedPersonalAccessToken { secret } } }`,
        { o: gid('Organization', orgId) },
        ownerSession,
      );
      return res.data.createPersonalAccessToken.secret;
    }
    if (actor === 'serviceAccount') return (await accountWithKey(['admin'])).secret;
    return session((await addMember(ts, orgId, [actor])).email);
  }

  const outcome = (res: { data?: any; errors?: { extensions?: { code?: string } }[] }, field: string, success: string) => {
    const typename = res.data?.[field]?.__typename;
    if (typename === success) return 'allowed';
    if (res.errors?.[0]?.extensions?.code === 'FORBIDDEN' || typename === 'NotFoundError') return 'denied';
    return `unexpected ${JSON.stringify(res)}`;
  };

  const OPERATIONS: { name: string; run: (bearer: string) => Promise<string> }[] = [
    {
      name: 'createServiceAccount',
      run: async (bearer) => outcome(await ts.gql(CREATE, { input: { organizationId: gid('Organization', orgId), name: `m-${crypto.randomUUID().slice(0, 8)}`, roleIds: [await roleGid(ts, orgId, 'viewer')] } }, bearer), 'createServiceAccount', 'ServiceAccount'),
    },
    {
      name: 'createServiceAccountKey',
      run: async (bearer) => {
        const target = await createAccount(ownerSession, ['viewer']);
        return outcome(await ts.gql(CREATE_KEY, { input: { serviceAccountId: target.id, name: 'k' } }, bearer), 'createServiceAccountKey', 'CreatedServiceAccountKey');
      },
    },
    {
      name: 'setServiceAccountStatus',
      run: async (bearer) => {
        const target = await createAccount(ownerSession, ['viewer']);
        return outcome(await ts.gql(SET_STATUS, { s: target.id, st: 'DISABLED' }, bearer), 'setServiceAccountStatus', 'ServiceAccount');
      },
    },
  ];

  for (const op of OPERATIONS) {
    for (const actor of ACTORS) {
      const expected = ALLOWED.includes(actor) ? 'allowed' : 'denied';
      it(`R23 ${op.name} × ${actor}: ${expected}`, async () => {
        expect(await op.run(await bearerOf(actor))).toBe(expected);
      });
    }
  }
});
