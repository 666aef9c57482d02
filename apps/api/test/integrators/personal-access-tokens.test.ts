import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../../src/db/orm.ts';
import { credentialKind } from '../../src/auth/api-key.ts';
import { addMember, createOrg, createUser, gid, roleGid, signIn, startTestServer, type Member, type TestServer } from '../harness.ts';

/**
 * R23 personal access tokens, with real HTTP and a real database: created by a signed-in member
 * with a subset of their permissions, usable as a bearer, re-read on every request (R2).
 */

let ts: TestServer;
let orgId: string;
let otherOrgId: string;
let owner: Member;
let ownerSession: string;

const CREATE = `mutation($input: CreatePersonalAccessTokenInput!) {
  createPersonalAccessToken(input: $input) {
    __typename
    ... on CreatedPersonalAccessToken { secret token { id name hint permissions expiresAt lastUsedAt active } }
    ... on ValidationError { issues { path message } }
    ... on Error { message }
  }
}`;
const CAN = `query($org: ID!, $p: [String!]!) { can(organizationId: $org, permissions: $p) { permission allowed } }`;
const CREATE_ROLE = `mutation($input: CreateRoleInput!) { createRole(input: $input) { __typename ... on Error { message } } }`;
const SET_ROLES = `mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename ... on Error { message } } }`;

async function session(member: { email: string }) {
  return (await signIn(ts, member.email)).accessToken;
}

async function createToken(sessionToken: string, input: Record<string, unknown>) {
  const res = await ts.gql(CREATE, { input: { organizationId: gid('Organization', orgId), name: 'ci', ...input } }, sessionToken);
  return res.data?.createPersonalAccessToken;
}

async function tokenFor(sessionToken: string, permissions: string[], extra: Record<string, unknown> = {}): Promise<{ secret: string; id: string }> {
  const out = await createToken(sessionToken, { permissions, ...extra });
  if (out?.__typename !== 'CreatedPersonalAccessToken') throw new Error(`token not created: ${JSON.stringify(out)}`);
  return { secret: out.secret, id: out.token.id };
}

async function allowed(bearer: string, permission: string, org = orgId): Promise<boolean | undefined> {
  const res = await ts.gql(CAN, { org: gid('Organization', org), p: [permission] }, bearer);
  return res.data?.can?.[0]?.allowed;
}

const viewerId = async (bearer: string) => (await ts.gql(`{ viewer { id } }`, {}, bearer)).data?.viewer?.id ?? null;

beforeAll(async () => {
  ts = await startTestServer();
  const ownerUser = await createUser(ts.orm);
  orgId = (await createOrg(ts, 'Tokens', ownerUser.id)).id;
  otherOrgId = (await createOrg(ts, 'Elsewhere', ownerUser.id)).id;
  owner = { userId: ownerUser.id, email: ownerUser.email, membershipId: '', gid: { user: gid('User', ownerUser.id), membership: '' } };
  ownerSession = await session(owner);
});
afterAll(async () => ts?.close());

describe('creating a personal access token (R23)', () => {
  it('R23 the secret is shown once, prefixed, checksummed, and only its sha256 is stored', async () => {
    const out = await createToken(ownerSession, { permissions: ['projects:read', 'members:read'], expiresInDays: 30 });
    expect(out.__typename).toBe('CreatedPersonalAccessToken');
    expect(out.secret).toMatch(/^ghpat_[0-9A-Za-z]{36}$/);
    expect(credentialKind(out.secret)).toBe('personalAccessToken');
    expect(out.token).toMatchObject({ name: 'ci', hint: out.secret.slice(-4), permissions: ['projects:read', 'members:read'], active: true, lastUsedAt: null });
    expect(new Date(out.token.expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const rows = await emOf(ts.orm).execute<{ row: string }[]>(`select t::text as row from personal_access_token t`);
    expect(rows.some((r) => r.row.includes(out.secret) || r.row.includes(out.secret.slice(6, 30)))).toBe(false);
    // Listing never shows the secret again.
    const list = await ts.gql(`{ personalAccessTokens { id name hint } }`, {}, ownerSession);
    expect(JSON.stringify(list)).not.toContain(out.secret);
  });

  it('R23 R18 a permission not held, org:own, an unknown key, no name and a bad expiry are refused naming the field, nothing stored', async () => {
    const dev = await addMember(ts, orgId, ['developer']);
    const devSession = await session(dev);
    const before = (await emOf(ts.orm).execute<{ n: number }[]>(`select count(*)::int as n from personal_access_token`))[0]!.n;
    const out = await createToken(devSession, { name: ' ', permissions: ['projects:read', 'members:remove', 'nope:x'], expiresInDays: 0 });
    expect(out.__typename).toBe('ValidationError');
    expect(out.issues.map((i: { path: string[] }) => i.path.join('.')).sort()).toEqual(['input.expiresInDays', 'input.name', 'input.permissions.1', 'input.permissions.2']);
    const ownerOnly = await createToken(ownerSession, { permissions: ['org:own'] });
    expect(ownerOnly.__typename).toBe('ValidationError');
    expect(ownerOnly.issues[0].path).toEqual(['input', 'permissions', '0']);
    expect((await emOf(ts.orm).execute<{ n: number }[]>(`select count(*)::int as n from personal_access_token`))[0]!.n).toBe(before);
  });

  it('R22 an over-long name is refused by the input gate before anything runs', async () => {
    const out = await createToken(ownerSession, { name: 'x'.repeat(101), permissions: ['projects:read'] });
    expect(out.__typename).toBe('ValidationError');
    expect(out.issues[0].path).toEqual(['input', 'name']);
  });
});

describe('using a personal access token (R23, R2)', () => {
  it('R23 works as a bearer with exactly its subset, in its organization only (R1)', async () => {
    const { secret } = await tokenFor(ownerSession, ['projects:read', 'members:read']);
    expect(await viewerId(secret)).toBe(owner.gid.user);
    expect(await allowed(secret, 'projects:read')).toBe(true);
    expect(await allowed(secret, 'projects:delete')).toBe(false); // the owner holds it, the token does not
    expect(await allowed(ownerSession, 'projects:read', otherOrgId)).toBe(true);
    expect(await allowed(secret, 'projects:read', otherOrgId)).toBe(false);
    const foreign = await ts.gql(`query($id: ID!) { organization(id: $id) { id } }`, { id: gid('Organization', otherOrgId) }, secret);
    expect(foreign.data?.organization ?? null).toBeNull();
  });

  it('R23 records its last use', async () => {
    const { secret, id } = await tokenFor(ownerSession, ['projects:read']);
    await viewerId(secret);
    const res = await ts.gql(`query($id: ID!) { node(id: $id) { ... on PersonalAccessToken { lastUsedAt } } }`, { id }, ownerSession);
    expect(new Date(res.data.node.lastUsedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('R2 R23 demoting the owner shrinks the token on its next request', async () => {
    const admin = await addMember(ts, orgId, ['admin']);
    const { secret } = await tokenFor(await session(admin), ['roles:manage', 'members:read', 'projects:read']);
    const role = (n: string) => ({ input: { organizationId: gid('Organization', orgId), name: n, permissions: ['projects:read'] } });
    expect((await ts.gql(CREATE_ROLE, role('Via token 1'), secret)).data?.createRole?.__typename).toBe('Role');
    // Another owner demotes the admin to viewer.
    const demoted = await ts.gql(SET_ROLES, { m: admin.gid.membership, r: [await roleGid(ts, orgId, 'viewer')] }, ownerSession);
    expect(demoted.data.setMemberRoles.__typename).toBe('Membership');
    expect(await allowed(secret, 'roles:manage')).toBe(false);
    expect(await allowed(secret, 'members:read')).toBe(true);
    const refused = await ts.gql(CREATE_ROLE, role('Via token 2'), secret);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('R3 R23 the grant ceiling uses the token’s subset, not the owner’s full permissions', async () => {
    const admin = await addMember(ts, orgId, ['admin']);
    const target = await addMember(ts, orgId, ['viewer']);
    const { secret } = await tokenFor(await session(admin), ['members:update', 'members:read']);
    // The admin may grant developer, but the token lacks the developer's project permissions.
    const res = await ts.gql(SET_ROLES, { m: target.gid.membership, r: [await roleGid(ts, orgId, 'developer')] }, secret);
    expect(res.data.setMemberRoles.__typename).toBe('GrantCeilingError');
    const rows = await emOf(ts.orm).execute<{ key: string }[]>(`select r.key from membership_role mr join role r on r.id = mr.role_id where mr.membership_id = ?`, [target.membershipId]);
    expect(rows.map((r) => r.key)).toEqual(['viewer']);
  });

  it('R23 R13 the audit event names the token and its owner', async () => {
    const { secret } = await tokenFor(ownerSession, ['roles:manage', 'projects:read'], { name: 'deploy bot' });
    const res = await ts.gql(CREATE_ROLE, { input: { organizationId: gid('Organization', orgId), name: 'Audited by token', permissions: ['projects:read'] } }, secret);
    expect(res.data.createRole.__typename).toBe('Role');
    const rows = await emOf(ts.orm).execute<{ actor_user_id: string; actor_label: string }[]>(
      `select actor_user_id, actor_label from audit_event where org_id = ? and action = 'role.created' order by id desc limit 1`,
      [orgId],
    );
    expect(rows[0]).toEqual({ actor_user_id: owner.userId, actor_label: `token "deploy bot" of ${owner.email}` });
  });

  it('R10 R2 removing the owner, disabling the membership or the account stops the token', async () => {
    const a = await addMember(ts, orgId, ['developer']);
    const b = await addMember(ts, orgId, ['developer']);
    const c = await addMember(ts, orgId, ['developer']);
    const [ta, tb, tc] = await Promise.all([a, b, c].map(async (m) => (await tokenFor(await session(m), ['projects:read'])).secret));
    for (const t of [ta, tb, tc]) expect(await allowed(t!, 'projects:read')).toBe(true);

    const removed = await ts.gql(`mutation($m: ID!) { removeMember(membershipId: $m) { __typename } }`, { m: a.gid.membership }, ownerSession);
    expect(removed.data.removeMember.__typename).toBe('RemovedMemberPayload');
    expect(await viewerId(ta!)).toBeNull();
    // Re-adding the person does not bring the old token back.
    await addMember(ts, orgId, ['developer'], { userId: a.userId });
    expect(await viewerId(ta!)).toBeNull();

    await ts.gql(`mutation($m: ID!) { setMembershipStatus(membershipId: $m, status: DISABLED) { __typename } }`, { m: b.gid.membership }, ownerSession);
    expect(await allowed(tb!, 'projects:read')).toBe(false);

    const admin = await createUser(ts.orm, { platformAdmin: true });
    const disabled = await ts.gql(`mutation($u: ID!) { setUserStatus(userId: $u, status: DISABLED) { __typename } }`, { u: c.gid.user }, await session(admin));
    expect(disabled.errors).toBeUndefined();
    expect(await viewerId(tc!)).toBeNull();
  });

  it('R10 disabling the organization stops the token', async () => {
    const user = await createUser(ts.orm);
    const org = await createOrg(ts, 'Soon disabled', user.id);
    const res = await ts.gql(CREATE, { input: { organizationId: gid('Organization', org.id), name: 't', permissions: ['projects:read'] } }, await session(user));
    const secret = res.data.createPersonalAccessToken.secret as string;
    expect(await allowed(secret, 'projects:read', org.id)).toBe(true);
    await emOf(ts.orm).execute(`update organization set status = 'DISABLED' where id = ?`, [org.id]);
    expect(await allowed(secret, 'projects:read', org.id)).toBe(false);
  });

  it('R23 revoked and expired tokens stop; a secret with a bad checksum is refused', async () => {
    const revoked = await tokenFor(ownerSession, ['projects:read']);
    const res = await ts.gql(`mutation($id: ID!) { revokePersonalAccessToken(tokenId: $id) { __typename ... on PersonalAccessToken { active revokedAt } } }`, { id: revoked.id }, ownerSession);
    expect(res.data.revokePersonalAccessToken).toMatchObject({ __typename: 'PersonalAccessToken', active: false });
    expect(await viewerId(revoked.secret)).toBeNull();

    const expiring = await tokenFor(ownerSession, ['projects:read'], { expiresInDays: 1 });
    expect(await viewerId(expiring.secret)).toBe(owner.gid.user);
    await emOf(ts.orm).execute(`update personal_access_token set expires_at = now() - interval '1 second' where hint = ?`, [expiring.secret.slice(-4)]);
    expect(await viewerId(expiring.secret)).toBeNull();

    const good = await tokenFor(ownerSession, ['projects:read']);
    const last = good.secret.at(-1) === 'A' ? 'B' : 'A';
    expect(await viewerId(good.secret.slice(0, -1) + last)).toBeNull();
  });

  it('R23 a token cannot manage tokens, change the account, or use platform-admin powers', async () => {
    const admin = await createUser(ts.orm, { platformAdmin: true });
    const org = await createOrg(ts, 'Admin org', admin.id);
    const adminSession = await session(admin);
    const res = await ts.gql(CREATE, { input: { organizationId: gid('Organization', org.id), name: 'a', permissions: ['members:read', 'tokens:create'] } }, adminSession);
    const secret = res.data.createPersonalAccessToken.secret as string;
    const orgs = await ts.gql(`{ organizations(first: 5) { edges { node { id } } } }`, {}, secret);
    expect(orgs.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const again = await ts.gql(CREATE, { input: { organizationId: gid('Organization', org.id), name: 'b', permissions: ['members:read'] } }, secret);
    expect(again.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const pw = await ts.gql(`mutation { changePassword(currentPassword: "correct-horse-battery-9", newPassword: "another-long-passphrase-1") { __typename } }`, {}, secret);
    expect(pw.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // Hidden behind a fragment spread, still refused.
    const spread = await ts.gql(`mutation { ...F } fragment F on Mutation { signOutEverywhere { __typename } }`, {}, secret);
    expect(spread.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('authorization matrix: createPersonalAccessToken × role × own/foreign org (R1, R23)', () => {
  const EXPECTED: Record<string, 'allowed' | 'denied'> = {
    owner: 'allowed',
    admin: 'allowed',
    manager: 'allowed',
    developer: 'allowed',
    viewer: 'denied', // the default preset's viewer lacks tokens:create
    foreignOwner: 'denied',
    token: 'denied',
  };
  for (const [actor, expected] of Object.entries(EXPECTED)) {
    it(`R23 ${actor}: ${expected}`, async () => {
      let bearer: string;
      if (actor === 'foreignOwner') {
        const u = await createUser(ts.orm);
        await createOrg(ts, 'Foreign', u.id);
        bearer = await session(u);
      } else if (actor === 'token') {
        bearer = (await tokenFor(ownerSession, ['tokens:create', 'projects:read'])).secret;
      } else {
        bearer = await session(await addMember(ts, orgId, [actor]));
      }
      const res = await ts.gql(CREATE, { input: { organizationId: gid('Organization', orgId), name: 'm', permissions: ['projects:read'] } }, bearer);
      const typename = res.data?.createPersonalAccessToken?.__typename;
      const outcome = typename === 'CreatedPersonalAccessToken' ? 'allowed' : res.errors?.[0]?.extensions?.code === 'FORBIDDEN' ? 'denied' : `unexpected ${JSON.stringify(res)}`;
      expect(outcome).toBe(expected);
    });
  }
});
