import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, auditCount, createOrg, createUser, gid, rawId, signIn, startTestServer, type TestServer } from './harness.ts';

/** Resources and resource grants under the spaces preset: org roles and space roles add up. */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'spaces' });
});
afterAll(async () => ts?.close());

const CREATE = `mutation($o: ID!, $t: String!, $n: String!) { createResource(organizationId: $o, type: $t, name: $n) { __typename ... on Resource { id type name createdBy { email } } ... on ValidationError { message } } }`;
const GRANT = `mutation($r: ID!, $m: ID!, $k: String!) { grantResourceRole(resourceId: $r, membershipId: $m, roleKey: $k) { __typename ... on Resource { grants { roleKey membership { id } } } ... on Error { message } } }`;
const REVOKE = `mutation($r: ID!, $m: ID!) { revokeResourceRole(resourceId: $r, membershipId: $m) { __typename ... on Resource { grants { roleKey } } ... on Error { message } } }`;
const CAN = `query($o: ID!, $p: [String!]!, $r: ID) { can(organizationId: $o, permissions: $p, resourceId: $r) { permission allowed } }`;

async function setup() {
  const admin = await createUser(ts.orm);
  const org = await createOrg(ts, 'Lab', admin.id);
  const editor = await addMember(ts, org.id, ['editor']);
  const editor2 = await addMember(ts, org.id, ['editor']);
  const operator = await addMember(ts, org.id, ['operator']);
  const operator2 = await addMember(ts, org.id, ['operator']);
  const token = async (email: string) => (await signIn(ts, email)).accessToken;
  return {
    org,
    orgGid: gid('Organization', org.id),
    editor,
    editor2,
    operator,
    operator2,
    tokens: { admin: await token(admin.email), editor: await token(editor.email), editor2: await token(editor2.email), operator: await token(operator.email), operator2: await token(operator2.email) },
  };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function createSpace(t: Setup, token: string, name: string): Promise<string> {
  const res = await ts.gql(CREATE, { o: t.orgGid, t: 'space', n: name }, token);
  expect(res.data.createResource.__typename).toBe('Resource');
  return res.data.createResource.id;
}

async function allowed(t: Setup, token: string, perms: string[], resourceId?: string): Promise<Record<string, boolean>> {
  const res = await ts.gql(CAN, { o: t.orgGid, p: perms, r: resourceId ?? null }, token);
  expect(res.errors).toBeUndefined();
  return Object.fromEntries(res.data.can.map((c: { permission: string; allowed: boolean }) => [c.permission, c.allowed]));
}

describe('resources and resource grants (spaces preset)', () => {
  it('the creator of a space holds the creator role on it, not on spaces of others', async () => {
    const t = await setup();
    const before = await auditCount(ts, t.org.id);
    const mine = await createSpace(t, t.tokens.editor, 'Mine');
    expect(await auditCount(ts, t.org.id)).toBe(before + 1);
    const theirs = await createSpace(t, t.tokens.editor2, 'Theirs');
    expect(await allowed(t, t.tokens.editor, ['spaces:deploy', 'spaces:assign'], mine)).toEqual({ 'spaces:deploy': true, 'spaces:assign': true });
    expect(await allowed(t, t.tokens.editor, ['spaces:deploy'], theirs)).toEqual({ 'spaces:deploy': false });
    // Without a resource only org roles count.
    expect(await allowed(t, t.tokens.editor, ['spaces:deploy', 'spaces:create'])).toEqual({ 'spaces:deploy': false, 'spaces:create': true });
    // An editor sees only the spaces they created or are assigned to.
    const list = await ts.gql(`query($o: ID!) { node(id: $o) { ... on Organization { resources(type: "space") { id } } } }`, { o: t.orgGid }, t.tokens.editor);
    expect(list.data.node.resources.map((r: { id: string }) => r.id)).toEqual([mine]);
  });

  it('create checks the type, the name and <type>s:create', async () => {
    const t = await setup();
    expect((await ts.gql(CREATE, { o: t.orgGid, t: 'project', n: 'X' }, t.tokens.editor)).data.createResource.__typename).toBe('ValidationError');
    expect((await ts.gql(CREATE, { o: t.orgGid, t: 'space', n: '  ' }, t.tokens.editor)).data.createResource.__typename).toBe('ValidationError');
    expect((await ts.gql(CREATE, { o: t.orgGid, t: 'space', n: 'x'.repeat(101) }, t.tokens.editor)).data.createResource.__typename).toBe('ValidationError');
    expect((await ts.gql(CREATE, { o: t.orgGid, t: 'space', n: 'Nope' }, t.tokens.operator)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('an admin assigns an operator; operators cannot grant; unknown roles are refused; revoke applies on the next request (R2, R13)', async () => {
    const t = await setup();
    const space = await createSpace(t, t.tokens.editor, 'Shared');
    const other = await createSpace(t, t.tokens.editor2, 'Other');
    expect(await allowed(t, t.tokens.operator, ['spaces:read'], space)).toEqual({ 'spaces:read': false });

    const before = await auditCount(ts, t.org.id);
    const granted = await ts.gql(GRANT, { r: space, m: t.operator.gid.membership, k: 'space_operator' }, t.tokens.admin);
    expect(granted.data.grantResourceRole.__typename).toBe('Resource');
    expect(granted.data.grantResourceRole.grants).toEqual([{ roleKey: 'space_operator', membership: { id: t.operator.gid.membership } }]);
    expect(await auditCount(ts, t.org.id)).toBe(before + 1);

    expect(await allowed(t, t.tokens.operator, ['spaces:read', 'spaces:start', 'spaces:deploy'], space)).toEqual({ 'spaces:read': true, 'spaces:start': false, 'spaces:deploy': false });
    expect(await allowed(t, t.tokens.operator, ['spaces:read'], other)).toEqual({ 'spaces:read': false });
    // The operator lists only the space assigned to them.
    const list = await ts.gql(`query($o: ID!) { node(id: $o) { ... on Organization { resources { id } } } }`, { o: t.orgGid }, t.tokens.operator);
    expect(list.data.node.resources.map((r: { id: string }) => r.id)).toEqual([space]);

    // An operator cannot assign anybody.
    const refused = await ts.gql(GRANT, { r: space, m: t.operator2.gid.membership, k: 'space_operator' }, t.tokens.operator);
    expect(refused.errors?.[0]?.extensions?.code ?? refused.data?.grantResourceRole?.__typename).toMatch(/FORBIDDEN|GrantCeilingError/);

    // Unknown role key.
    expect((await ts.gql(GRANT, { r: space, m: t.operator2.gid.membership, k: 'space_god' }, t.tokens.admin)).data.grantResourceRole.__typename).toBe('ValidationError');
    // The creator (space_owner, holds spaces:assign) may assign on their own space, within the
    // grantee's cap (R19: an Operator gets Operator privileges, whoever assigns them).
    const capped = await ts.gql(GRANT, { r: space, m: t.operator2.gid.membership, k: 'space_editor' }, t.tokens.editor);
    expect(capped.data.grantResourceRole.__typename).toBe('ResourceRoleCapError');
    expect((await ts.gql(GRANT, { r: space, m: t.operator2.gid.membership, k: 'space_operator' }, t.tokens.editor)).data.grantResourceRole.__typename).toBe('Resource');
    // Not on others' spaces: an Editor cannot even see them (R1: NotFoundError, as for a non-existent one).
    expect((await ts.gql(GRANT, { r: other, m: t.operator2.gid.membership, k: 'space_operator' }, t.tokens.editor)).data.grantResourceRole.__typename).toBe('NotFoundError');
    // A space of this org cannot be granted to a member of another org.
    const stranger = await addMember(ts, (await createOrg(ts, 'Elsewhere')).id, ['operator']);
    expect((await ts.gql(GRANT, { r: space, m: stranger.gid.membership, k: 'space_operator' }, t.tokens.admin)).data.grantResourceRole.__typename).toBe('NotFoundError');

    const beforeRevoke = await auditCount(ts, t.org.id);
    expect((await ts.gql(REVOKE, { r: space, m: t.operator.gid.membership }, t.tokens.admin)).data.revokeResourceRole.__typename).toBe('Resource');
    expect(await auditCount(ts, t.org.id)).toBe(beforeRevoke + 1);
    expect(await allowed(t, t.tokens.operator, ['spaces:read'], space)).toEqual({ 'spaces:read': false });
  });

  it('a space of another org answers false everywhere', async () => {
    const t = await setup();
    const u = await setup();
    const space = await createSpace(u, u.tokens.editor, 'Foreign');
    expect(await allowed(t, t.tokens.admin, ['spaces:read'], space)).toEqual({ 'spaces:read': false });
    expect(await allowed(t, t.tokens.admin, ['spaces:read'], 'not-a-uuid')).toEqual({ 'spaces:read': false });
  });
});

describe('resource members: a connection (R19, R1)', () => {
  const MEMBERS = `query($r: ID!, $after: String) { resource(id: $r) { members(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { roleKey membership { id user { email } } } } } } }`;

  it('pages a space\'s members by email with keyset cursors; a cursor of another list is refused; the grant disappears with the space', async () => {
    const t = await setup();
    const space = await createSpace(t, t.tokens.editor, 'Paged');
    for (const m of [t.operator, t.operator2, t.editor2]) {
      const roleKey = m === t.editor2 ? 'space_editor' : 'space_operator';
      expect((await ts.gql(GRANT, { r: space, m: m.gid.membership, k: roleKey }, t.tokens.admin)).data.grantResourceRole.__typename).toBe('Resource');
    }
    const first = (await ts.gql(MEMBERS, { r: space, after: null }, t.tokens.admin)).data.resource.members;
    expect(first.totalCount).toBe(3);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await ts.gql(MEMBERS, { r: space, after: first.pageInfo.endCursor }, t.tokens.admin)).data.resource.members;
    expect(second.pageInfo.hasNextPage).toBe(false);
    const emails = [...first.edges, ...second.edges].map((e: { node: { membership: { user: { email: string } } } }) => e.node.membership.user.email);
    expect(emails).toEqual([t.operator.email, t.operator2.email, t.editor2.email].sort());

    const other = await createSpace(t, t.tokens.admin, 'Other list');
    const foreignCursor = await ts.gql(MEMBERS, { r: other, after: first.pageInfo.endCursor }, t.tokens.admin);
    expect(foreignCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const del = await ts.gql(`mutation($r: ID!) { deleteResource(resourceId: $r) { __typename } }`, { r: space }, t.tokens.admin);
    expect(del.data.deleteResource.__typename).toBe('DeletedResourcePayload');
    expect((await ts.gql(MEMBERS, { r: space, after: null }, t.tokens.admin)).data.resource).toBeNull();
    expect(await allowed(t, t.tokens.operator, ['spaces:read'], space)).toEqual({ 'spaces:read': false });
  });

  it('R22 hostile ids and names answer typed errors, never a 500', async () => {
    const t = await setup();
    for (const id of ['not-a-uuid', '00000000-0000-4000-8000-000000000000', 'x'.repeat(40)]) {
      expect((await ts.gql(`query($r: ID!) { resource(id: $r) { id } }`, { r: id }, t.tokens.admin)).data.resource).toBeNull();
      expect((await ts.gql(`mutation($r: ID!) { deleteResource(resourceId: $r) { __typename } }`, { r: id }, t.tokens.admin)).data.deleteResource.__typename).toBe('NotFoundError');
      expect((await ts.gql(GRANT, { r: id, m: t.operator.gid.membership, k: 'space_operator' }, t.tokens.admin)).data.grantResourceRole.__typename).toBe('NotFoundError');
    }
    const long = await ts.gql(CREATE, { o: t.orgGid, t: 'space', n: 'n'.repeat(5000) }, t.tokens.admin);
    expect(long.errors?.[0]?.extensions?.code ?? long.data?.createResource?.__typename).toMatch(/BAD_USER_INPUT|ValidationError/);
  });
});

describe('R1 in the database: a grant ties a membership to a resource of the same organization', () => {
  it('the database refuses a grant for a member of another organization, whatever the code does', async () => {
    const t = await setup();
    const space = await createSpace(t, t.tokens.editor, 'Guarded');
    const stranger = await addMember(ts, (await createOrg(ts, 'Elsewhere')).id, ['operator']);
    const { emOf } = await import('../src/db/orm.ts');
    const em = emOf(ts.orm);
    // No org_id given: the trigger takes the resource's, and the composite key refuses the foreign member.
    await expect(em.execute(`insert into resource_grant (resource_id, membership_id, role_key) values (?, ?, 'space_operator')`, [rawId(space), stranger.membershipId])).rejects.toThrow();
    // Claiming the member's org instead: the resource side refuses.
    const strangerOrg = (await em.execute<{ org_id: string }[]>(`select org_id from membership where id = ?`, [stranger.membershipId]))[0]!.org_id;
    await expect(em.execute(`insert into resource_grant (resource_id, membership_id, org_id, role_key) values (?, ?, ?, 'space_operator')`, [rawId(space), stranger.membershipId, strangerOrg])).rejects.toThrow();
    // A member of the same org goes in, with the org filled in.
    await em.execute(`insert into resource_grant (resource_id, membership_id, role_key) values (?, ?, 'space_operator')`, [rawId(space), t.operator.membershipId]);
    expect((await em.execute<{ org_id: string }[]>(`select org_id from resource_grant where resource_id = ?`, [rawId(space)]))[0]!.org_id).toBe(t.org.id);
  });
});
