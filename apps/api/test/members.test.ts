import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../src/db/orm.ts';
import { addMember, auditCount, countQueries, createOrg, createUser, gid, PASSWORD, roleGid, SIGN_IN, signIn, startTestServer, type TestServer } from './harness.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts?.close());

const SET_ROLES = `mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) {
  __typename ... on Membership { roles { key } } ... on Error { message } ... on GrantCeilingError { roleKeys ownerOnly } ... on ValidationError { issues { path message } } } }`;
const REMOVE = `mutation($m: ID!) { removeMember(membershipId: $m) { __typename ... on RemovedMemberPayload { user { email } } ... on Error { message } } }`;
const LEAVE = `mutation($o: ID!) { leaveOrganization(organizationId: $o) { __typename ... on Error { message } } }`;
const DISABLE = `mutation($m: ID!, $s: MembershipStatus!) { setMembershipStatus(membershipId: $m, status: $s) { __typename ... on Membership { status } ... on Error { message } } }`;
const PROVISION = `mutation($o: ID!, $m: [ProvisionMemberInput!]!) { provisionMembers(organizationId: $o, members: $m) {
  __typename ... on ProvisionMembersPayload { results { email status temporaryPassword membership { roles { key } } } }
  ... on Error { message } ... on ValidationError { issues { path message } } ... on LimitExceededError { limit } } }`;

async function team() {
  const owner = await createUser(ts.orm);
  const org = await createOrg(ts, 'Team', owner.id);
  const ownerMembership = (await emOf(ts.orm).execute<{ id: string }[]>(`select id from membership where user_id = ?`, [owner.id]))[0]!.id;
  const admin = await addMember(ts, org.id, ['admin']);
  const viewer = await addMember(ts, org.id, ['viewer']);
  const tokens = {
    owner: (await signIn(ts, owner.email)).accessToken,
    admin: (await signIn(ts, admin.email)).accessToken,
    viewer: (await signIn(ts, viewer.email)).accessToken,
  };
  return { org, orgGid: gid('Organization', org.id), owner: { userId: owner.id, email: owner.email, membershipId: ownerMembership, gid: { membership: gid('Membership', ownerMembership), user: gid('User', owner.id) } }, admin, viewer, tokens };
}

describe('roles', () => {
  it('R3 an admin cannot grant owner; an owner can', async () => {
    const t = await team();
    const owner = await roleGid(ts, t.org.id, 'owner');
    const denied = await ts.gql(SET_ROLES, { m: t.viewer.gid.membership, r: [owner] }, t.tokens.admin);
    expect(denied.data.setMemberRoles).toMatchObject({ __typename: 'GrantCeilingError', roleKeys: ['owner'], ownerOnly: true });
    const granted = await ts.gql(SET_ROLES, { m: t.viewer.gid.membership, r: [owner] }, t.tokens.owner);
    expect(granted.data.setMemberRoles.roles).toEqual([{ key: 'owner' }]);
  });

  it('R3 an admin cannot take the owner role away from an owner', async () => {
    const t = await team();
    const res = await ts.gql(SET_ROLES, { m: t.owner.gid.membership, r: [await roleGid(ts, t.org.id, 'viewer')] }, t.tokens.admin);
    expect(res.data.setMemberRoles.__typename).toBe('GrantCeilingError');
  });

  it('R4 nobody changes their own roles', async () => {
    const t = await team();
    const res = await ts.gql(SET_ROLES, { m: t.admin.gid.membership, r: [await roleGid(ts, t.org.id, 'viewer')] }, t.tokens.admin);
    expect(res.data.setMemberRoles.__typename).toBe('SelfRoleChangeError');
  });

  it('R5 the last owner cannot be demoted, even by a platform admin', async () => {
    const t = await team();
    const pa = await createUser(ts.orm, { platformAdmin: true });
    const token = (await signIn(ts, pa.email)).accessToken;
    const res = await ts.gql(SET_ROLES, { m: t.owner.gid.membership, r: [await roleGid(ts, t.org.id, 'admin')] }, token);
    expect(res.data.setMemberRoles.__typename).toBe('LastOwnerError');
  });

  it('R18 an unknown or foreign role id names the field and stores nothing', async () => {
    const t = await team();
    const other = await createOrg(ts, 'Other');
    const before = await auditCount(ts, t.org.id);
    const res = await ts.gql(SET_ROLES, { m: t.viewer.gid.membership, r: [await roleGid(ts, other.id, 'admin')] }, t.tokens.owner);
    expect(res.data.setMemberRoles).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['roleIds', '0'] }] });
    expect(await auditCount(ts, t.org.id)).toBe(before);
    const empty = await ts.gql(SET_ROLES, { m: t.viewer.gid.membership, r: [] }, t.tokens.owner);
    expect(empty.data.setMemberRoles.issues[0].path).toEqual(['roleIds']);
  });

  it('R2 a role change applies to the very next request', async () => {
    const t = await team();
    const before = await ts.gql(`query($o: ID!) { can(organizationId: $o, permissions: ["members:update"]) { allowed } }`, { o: t.orgGid }, t.tokens.viewer);
    expect(before.data.can[0].allowed).toBe(false);
    await ts.gql(SET_ROLES, { m: t.viewer.gid.membership, r: [await roleGid(ts, t.org.id, 'admin')] }, t.tokens.owner);
    const after = await ts.gql(`query($o: ID!) { can(organizationId: $o, permissions: ["members:update"]) { allowed } }`, { o: t.orgGid }, t.tokens.viewer);
    expect(after.data.can[0].allowed).toBe(true);
  });

  it('explainPermission names the granting role', async () => {
    const t = await team();
    const res = await ts.gql(`query($o: ID!, $u: ID!) { explainPermission(organizationId: $o, userId: $u, permission: "members:update") { allowed grantedBy { key } } }`, { o: t.orgGid, u: t.admin.gid.user }, t.tokens.owner);
    expect(res.data.explainPermission).toEqual({ allowed: true, grantedBy: [{ key: 'admin' }] });
  });
});

describe('remove, delete, disable, leave', () => {
  it('R9 remove ends one membership and keeps the account and its other memberships', async () => {
    const t = await team();
    const other = await createOrg(ts, 'Elsewhere');
    await addMember(ts, other.id, ['viewer'], { userId: t.viewer.userId });
    const res = await ts.gql(REMOVE, { m: t.viewer.gid.membership }, t.tokens.admin);
    expect(res.data.removeMember.__typename).toBe('RemovedMemberPayload');
    const viewer = await ts.gql(`{ viewer { memberships { organization { name } } } }`, {}, (await signIn(ts, t.viewer.email)).accessToken);
    expect(viewer.data.viewer.memberships.map((m: { organization: { name: string } }) => m.organization.name)).toEqual(['Elsewhere']);
  });

  it('R9 an org admin may delete completely only someone in no other org; a platform admin always', async () => {
    const t = await team();
    const DELETE = `mutation($u: ID!, $o: ID) { deleteUser(userId: $u, organizationId: $o) { __typename ... on Error { message } } }`;
    const other = await createOrg(ts, 'Second');
    const shared = await addMember(ts, t.org.id, ['viewer']);
    await addMember(ts, other.id, ['viewer'], { userId: shared.userId });
    expect((await ts.gql(DELETE, { u: shared.gid.user, o: t.orgGid }, t.tokens.admin)).data.deleteUser.__typename).toBe('PolicyError');
    expect((await ts.gql(DELETE, { u: t.viewer.gid.user, o: t.orgGid }, t.tokens.admin)).data.deleteUser.__typename).toBe('DeletedPayload');
    expect((await ts.gql(SIGN_IN, { email: t.viewer.email, password: PASSWORD })).data.signIn.__typename).toBe('InvalidCredentialsError');
    const pa = await createUser(ts.orm, { platformAdmin: true });
    const paToken = (await signIn(ts, pa.email)).accessToken;
    expect((await ts.gql(DELETE, { u: shared.gid.user }, paToken)).data.deleteUser.__typename).toBe('DeletedPayload');
  });

  it('R5 deleting or disabling the last owner\'s account fails', async () => {
    const t = await team();
    const pa = await createUser(ts.orm, { platformAdmin: true });
    const token = (await signIn(ts, pa.email)).accessToken;
    const del = await ts.gql(`mutation($u: ID!) { deleteUser(userId: $u) { __typename } }`, { u: t.owner.gid.user }, token);
    expect(del.data.deleteUser.__typename).toBe('LastOwnerError');
    const dis = await ts.gql(`mutation($u: ID!) { setUserStatus(userId: $u, status: DISABLED) { __typename } }`, { u: t.owner.gid.user }, token);
    expect(dis.data.setUserStatus.__typename).toBe('LastOwnerError');
  });

  it('R10 a disabled membership blocks that org on the next request; enabling restores it', async () => {
    const t = await team();
    const q = `query($o: ID!) { node(id: $o) { id } }`;
    expect((await ts.gql(q, { o: t.orgGid }, t.tokens.viewer)).data.node).not.toBeNull();
    expect((await ts.gql(DISABLE, { m: t.viewer.gid.membership, s: 'DISABLED' }, t.tokens.admin)).data.setMembershipStatus.status).toBe('DISABLED');
    expect((await ts.gql(q, { o: t.orgGid }, t.tokens.viewer)).data.node).toBeNull();
    await ts.gql(DISABLE, { m: t.viewer.gid.membership, s: 'ACTIVE' }, t.tokens.admin);
    expect((await ts.gql(q, { o: t.orgGid }, t.tokens.viewer)).data.node).not.toBeNull();
  });

  it('R10 a disabled organization blocks its members; platform admins still see it', async () => {
    const t = await team();
    const pa = await createUser(ts.orm, { platformAdmin: true });
    const token = (await signIn(ts, pa.email)).accessToken;
    await ts.gql(`mutation($o: ID!) { setOrganizationStatus(organizationId: $o, status: DISABLED) { __typename } }`, { o: t.orgGid }, token);
    expect((await ts.gql(`query($o: ID!) { node(id: $o) { id } }`, { o: t.orgGid }, t.tokens.owner)).data.node).toBeNull();
    const viewer = await ts.gql(`{ viewer { memberships { organization { status } } } }`, {}, t.tokens.owner);
    expect(viewer.data.viewer.memberships[0].organization.status).toBe('DISABLED');
    expect((await ts.gql(`query($o: ID!) { node(id: $o) { id } }`, { o: t.orgGid }, token)).data.node).not.toBeNull();
  });

  it('R11 a member leaves; R5 the last owner cannot', async () => {
    const t = await team();
    expect((await ts.gql(LEAVE, { o: t.orgGid }, t.tokens.viewer)).data.leaveOrganization.__typename).toBe('LeftOrganizationPayload');
    expect((await ts.gql(LEAVE, { o: t.orgGid }, t.tokens.owner)).data.leaveOrganization.__typename).toBe('LastOwnerError');
  });

  it('R5 the last owner cannot be removed or disabled', async () => {
    const t = await team();
    const pa = await createUser(ts.orm, { platformAdmin: true });
    const token = (await signIn(ts, pa.email)).accessToken;
    expect((await ts.gql(REMOVE, { m: t.owner.gid.membership }, token)).data.removeMember.__typename).toBe('LastOwnerError');
    expect((await ts.gql(DISABLE, { m: t.owner.gid.membership, s: 'DISABLED' }, token)).data.setMembershipStatus.__typename).toBe('LastOwnerError');
  });
});

describe('provisioning (R7)', () => {
  it('R7 adds an existing account at once and creates a new one with a temporary password', async () => {
    const t = await team();
    const existing = await createUser(ts.orm);
    const viewerRole = await roleGid(ts, t.org.id, 'viewer');
    const email = `fresh-${crypto.randomUUID().slice(0, 6)}@example.test`;
    const res = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email: existing.email.toUpperCase(), roleIds: [viewerRole] }, { email, firstName: 'Fresh', lastName: 'Person', roleIds: [viewerRole] }] }, t.tokens.admin);
    const results = res.data.provisionMembers.results;
    expect(results[0]).toMatchObject({ status: 'ADDED', temporaryPassword: null, membership: { roles: [{ key: 'viewer' }] } });
    expect(results[1]).toMatchObject({ status: 'CREATED', temporaryPassword: expect.stringMatching(/^[\w-]{20,}$/) });
    const session = await ts.gql(SIGN_IN, { email, password: results[1].temporaryPassword });
    expect(session.data.signIn.user.mustChangePassword).toBe(true);
    const again = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email, roleIds: [viewerRole] }] }, t.tokens.admin);
    expect(again.data.provisionMembers.results[0].status).toBe('ALREADY_MEMBER');
  });

  it('R7 at most 10 per call; bad rows name their field and nothing is stored', async () => {
    const t = await team();
    const viewerRole = await roleGid(ts, t.org.id, 'viewer');
    const eleven = Array.from({ length: 11 }, (_, i) => ({ email: `bulk${i}@example.test`, roleIds: [viewerRole] }));
    expect((await ts.gql(PROVISION, { o: t.orgGid, m: eleven }, t.tokens.admin)).data.provisionMembers).toMatchObject({ __typename: 'LimitExceededError', limit: 10 });
    const before = await auditCount(ts, t.org.id);
    const bad = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email: 'good@example.test', roleIds: [viewerRole] }, { email: 'not-an-email', roleIds: [viewerRole] }] }, t.tokens.admin);
    expect(bad.data.provisionMembers).toMatchObject({ __typename: 'ValidationError', issues: [{ path: ['members', '1', 'email'] }] });
    expect((await ts.gql(`query($o: ID!) { lookupUser(organizationId: $o, email: "good@example.test") { exists } }`, { o: t.orgGid }, t.tokens.admin)).data.lookupUser.exists).toBe(false);
    expect(await auditCount(ts, t.org.id)).toBe(before);
  });

  it('R3 an admin cannot provision an owner', async () => {
    const t = await team();
    const res = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email: 'boss@example.test', roleIds: [await roleGid(ts, t.org.id, 'owner')] }] }, t.tokens.admin);
    expect(res.data.provisionMembers.__typename).toBe('GrantCeilingError');
  });

  it('R7 an admin resets a member\'s password to a new temporary one', async () => {
    const t = await team();
    const res = await ts.gql(`mutation($m: ID!) { resetMemberPassword(membershipId: $m) { __typename ... on TemporaryPasswordPayload { temporaryPassword } } }`, { m: t.viewer.gid.membership }, t.tokens.admin);
    const temp = res.data.resetMemberPassword.temporaryPassword;
    expect((await ts.gql(`{ viewer { id } }`, {}, t.tokens.viewer)).data.viewer).toBeNull(); // sessions ended
    expect((await ts.gql(SIGN_IN, { email: t.viewer.email, password: temp })).data.signIn.user.mustChangePassword).toBe(true);
  });
});

describe('custom roles (R12)', () => {
  const CREATE = `mutation($o: ID!, $n: String!, $p: [String!]!) { createRole(input: { organizationId: $o, name: $n, permissions: $p }) {
    __typename ... on Role { id key } ... on ValidationError { issues { path message } } ... on LimitExceededError { limit } } }`;

  it('R12 unique names, catalog permissions, never org:own, at most 20', async () => {
    const t = await team();
    expect((await ts.gql(CREATE, { o: t.orgGid, n: 'Owner', p: [] }, t.tokens.owner)).data.createRole.issues[0].path).toEqual(['input', 'name']);
    expect((await ts.gql(CREATE, { o: t.orgGid, n: 'Boss', p: ['org:own'] }, t.tokens.owner)).data.createRole.__typename).toBe('ValidationError');
    expect((await ts.gql(CREATE, { o: t.orgGid, n: 'Typo', p: ['projects:reed'] }, t.tokens.owner)).data.createRole.__typename).toBe('ValidationError');
    for (let i = 0; i < 20; i++) expect((await ts.gql(CREATE, { o: t.orgGid, n: `Custom ${i}`, p: ['projects:read'] }, t.tokens.owner)).data.createRole.__typename).toBe('Role');
    expect((await ts.gql(CREATE, { o: t.orgGid, n: 'One too many', p: [] }, t.tokens.owner)).data.createRole).toMatchObject({ __typename: 'LimitExceededError', limit: 20 });
  });

  it('R12 deleting a role in use says how many members hold it', async () => {
    const t = await team();
    const role = (await ts.gql(CREATE, { o: t.orgGid, n: 'Support', p: ['projects:read'] }, t.tokens.owner)).data.createRole;
    await ts.gql(SET_ROLES, { m: t.viewer.gid.membership, r: [role.id, await roleGid(ts, t.org.id, 'viewer')] }, t.tokens.owner);
    const del = `mutation($r: ID!, $f: Boolean) { deleteRole(roleId: $r, force: $f) { __typename ... on RoleInUseError { memberCount } } }`;
    expect((await ts.gql(del, { r: role.id }, t.tokens.owner)).data.deleteRole).toEqual({ __typename: 'RoleInUseError', memberCount: 1 });
    expect((await ts.gql(del, { r: role.id, f: true }, t.tokens.owner)).data.deleteRole.__typename).toBe('DeletedPayload');
  });
});

describe('audit (R13)', () => {
  it('R13 every change writes exactly one event with before/after; a failed one writes none', async () => {
    const t = await team();
    const before = await auditCount(ts);
    await ts.gql(SET_ROLES, { m: t.viewer.gid.membership, r: [await roleGid(ts, t.org.id, 'developer')] }, t.tokens.owner);
    expect(await auditCount(ts)).toBe(before + 1);
    const events = await ts.gql(`query($o: ID!) { node(id: $o) { ... on Organization { auditLog(first: 1) { totalCount edges { node { action actorLabel targetLabel before after } } } } } }`, { o: t.orgGid }, t.tokens.owner);
    expect(events.data.node.auditLog.edges[0].node).toMatchObject({ action: 'membership.roles_changed', before: { roles: ['viewer'] }, after: { roles: ['developer'] }, targetLabel: t.viewer.email });
    await ts.gql(SET_ROLES, { m: t.owner.gid.membership, r: [await roleGid(ts, t.org.id, 'viewer')] }, t.tokens.owner); // self change: refused
    expect(await auditCount(ts)).toBe(before + 1);
  });

  it('R13 the database refuses UPDATE, DELETE and TRUNCATE of audit events', async () => {
    const em = emOf(ts.orm);
    await expect(em.execute(`update audit_event set action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(em.execute(`delete from audit_event`)).rejects.toThrow(/append-only/);
    await expect(em.execute(`truncate audit_event`)).rejects.toThrow(/append-only/);
  });

  it('R13 exports CSV and NDJSON to audit:read holders only', async () => {
    const t = await team();
    await ts.gql(SET_ROLES, { m: t.viewer.gid.membership, r: [await roleGid(ts, t.org.id, 'developer')] }, t.tokens.owner);
    const csv = await fetch(`${ts.url}/audit/export?organization=${t.org.slug}&format=csv`, { headers: { authorization: `Bearer ${t.tokens.admin}` } });
    const text = await csv.text();
    expect(text.split('\n')[0]).toMatch(/^id,created_at,org_id,/);
    expect(text).toContain('membership.roles_changed');
    const nd = await fetch(`${ts.url}/audit/export?organization=${t.org.slug}&format=ndjson`, { headers: { authorization: `Bearer ${t.tokens.admin}` } });
    const lines = (await nd.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((e) => e.action === 'membership.roles_changed' && e.after.roles[0] === 'developer')).toBe(true);
    const denied = await fetch(`${ts.url}/audit/export?organization=${t.org.slug}&format=csv`, { headers: { authorization: `Bearer ${t.tokens.viewer}` } });
    expect(denied.status).toBe(404);
  });

  it('R13 the export follows the audit log filters: action or family, actor, period; a bad filter is a 400 naming it', async () => {
    const t = await team();
    await ts.gql(SET_ROLES, { m: t.viewer.gid.membership, r: [await roleGid(ts, t.org.id, 'developer')] }, t.tokens.owner);
    await ts.gql(SET_ROLES, { m: t.viewer.gid.membership, r: [await roleGid(ts, t.org.id, 'viewer')] }, t.tokens.admin);
    await ts.gql(DISABLE, { m: t.viewer.gid.membership, s: 'DISABLED' }, t.tokens.admin);
    const exported = async (query: string) => {
      const res = await fetch(`${ts.url}/audit/export?organization=${t.org.slug}&format=ndjson&${query}`, { headers: { authorization: `Bearer ${t.tokens.admin}` } });
      expect(res.status).toBe(200);
      return (await res.text()).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action: string; actor_user_id: string; seq: number });
    };
    const changed = await exported('action=membership.roles_changed');
    expect(changed.map((e) => e.action)).toEqual(['membership.roles_changed', 'membership.roles_changed']);
    const family = await exported('action=membership.');
    expect(family.map((e) => e.action)).toEqual(['membership.roles_changed', 'membership.roles_changed', 'membership.disabled']);
    const byOwner = await exported(`action=membership.&actor=${t.owner.gid.user}`);
    expect(byOwner.map((e) => [e.action, e.actor_user_id])).toEqual([['membership.roles_changed', t.owner.userId]]);
    expect(await exported(`from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    // Chain order is kept, so the chain of a filtered export is still checked line by line (seq ascending).
    expect(family.map((e) => e.seq)).toEqual([...family.map((e) => e.seq)].sort((a, b) => a - b));
    for (const [query, parameter] of [['from=yesterday', 'from'], ['actor=not-an-id', 'actor'], [`action=${'x'.repeat(201)}`, 'action']]) {
      const res = await fetch(`${ts.url}/audit/export?organization=${t.org.slug}&format=csv&${query}`, { headers: { authorization: `Bearer ${t.tokens.admin}` } });
      expect(res.status, query).toBe(400);
      expect((await res.json()).error.message).toContain(parameter);
    }
  });
});

describe('isolation (R1)', () => {
  it('R1 foreign ids answer exactly like non-existent ones, through arguments and node()', async () => {
    const mine = await team();
    const theirs = await team();
    const missing = gid('Membership', crypto.randomUUID());
    const role = [await roleGid(ts, mine.org.id, 'viewer')];
    const foreign = await ts.gql(SET_ROLES, { m: theirs.viewer.gid.membership, r: role }, mine.tokens.owner);
    const none = await ts.gql(SET_ROLES, { m: missing, r: role }, mine.tokens.owner);
    expect(foreign).toEqual(none);
    for (const id of [theirs.viewer.gid.membership, theirs.orgGid, theirs.viewer.gid.user, gid('Role', 'x'), 'not-base64!']) {
      expect((await ts.gql(`query($i: ID!) { node(id: $i) { id } }`, { i: id }, mine.tokens.owner)).data?.node ?? null).toBeNull();
    }
    const bySlug = await ts.gql(`query($s: String!) { organization(slug: $s) { id } }`, { s: theirs.org.slug }, mine.tokens.owner);
    expect(bySlug.data.organization).toBeNull();
  });
});

describe('members page (no N+1)', () => {
  it('a page of 50 members with users and roles costs a small constant number of statements', async () => {
    const t = await team();
    for (let i = 0; i < 60; i++) await addMember(ts, t.org.id, [i % 2 ? 'developer' : 'viewer']);
    const query = `query($s: String!) { organization(slug: $s) { members(first: 50) { totalCount edges { node { id status user { email displayName } roles { key name } addedBy { email } } } } } }`;
    let res: any;
    const statements = await countQueries(ts.orm, async () => {
      res = await ts.gql(query, { s: t.org.slug }, t.tokens.owner);
    });
    expect(res.data.organization.members.edges).toHaveLength(50);
    expect(res.data.organization.members.totalCount).toBe(63);
    // The principal with its memberships, the org by slug, the page (with its accounts, roles and
    // count); the accounts that added them come from the page's accounts or one more statement.
    expect(statements).toBeLessThanOrEqual(4);
  });

  it('search, role filter, sort and keyset pagination', async () => {
    const t = await team();
    for (const name of ['Zed', 'Amy', 'Bob']) {
      const u = await createUser(ts.orm, { firstName: name, lastName: 'Searchable' });
      await addMember(ts, t.org.id, ['developer'], { userId: u.id });
    }
    const q = `query($s: String!, $q: String, $r: [ID!], $a: String) { organization(slug: $s) { members(first: 2, after: $a, search: $q, roleIds: $r, orderBy: { field: NAME, direction: ASC }) { totalCount pageInfo { hasNextPage endCursor } edges { node { user { firstName } } } } } }`;
    const page1 = (await ts.gql(q, { s: t.org.slug, q: 'searchABLE' }, t.tokens.owner)).data.organization.members;
    expect(page1.totalCount).toBe(3);
    expect(page1.edges.map((e: any) => e.node.user.firstName)).toEqual(['Amy', 'Bob']);
    const page2 = (await ts.gql(q, { s: t.org.slug, q: 'searchable', a: page1.pageInfo.endCursor }, t.tokens.owner)).data.organization.members;
    expect(page2.edges.map((e: any) => e.node.user.firstName)).toEqual(['Zed']);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const byRole = (await ts.gql(q, { s: t.org.slug, r: [await roleGid(ts, t.org.id, 'admin')] }, t.tokens.owner)).data.organization.members;
    expect(byRole.totalCount).toBe(1);
  });

  it('member search can use the trigram index instead of a sequential scan', async () => {
    const em = emOf(ts.orm);
    const plan = await em.transactional(async (tx) => {
      await tx.execute('set local enable_seqscan = off');
      return tx.execute<Record<string, string>[]>(
        `explain select u.id from "user" u where lower(u.first_name || ' ' || u.last_name || ' ' || u.email) like '%searchable%'`,
      );
    });
    const text = plan.map((r) => Object.values(r)[0]).join('\n');
    expect(text).toContain('user_search_trgm_idx');
    expect(text).not.toMatch(/Seq Scan on "?user"?/);
  });
});
