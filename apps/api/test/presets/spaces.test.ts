import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, signIn, startTestServer, uniqueEmail, type TestServer } from '../harness.ts';
import {
  CREATE_ORG, INVITE, MEMBERS, PRESET, PROVISION, REMOVE, SET_ROLES, SET_STATUS, VIEWER,
  canMap, code, expectTable, platformAdmin, team, typename,
} from './helpers.ts';

/** Seed 004 (Spaces): admins create users (ten at a time), edit, disable and remove them; Editor and Operator roles. */
let ts: TestServer;
let pa: { userId: string; token: string };
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'spaces' });
  pa = await platformAdmin(ts);
});
afterAll(async () => ts?.close());

const ROLES = ['admin', 'editor', 'operator'];
const newTeam = (name = 'Spaces') => team(ts, name, 'admin', ['editor', 'operator']);
const UPDATE_USER = `mutation($u: ID!, $e: String, $f: String, $l: String) { updateUser(input: { userId: $u, email: $e, firstName: $f, lastName: $l }) {
  __typename ... on Error { message } ... on User { email firstName lastName } } }`;

async function memberCount(t: { orgGid: string; tokens: Record<string, string> }): Promise<number> {
  return (await ts.gql(MEMBERS, { o: t.orgGid }, t.tokens.admin)).data.node.members.totalCount;
}

describe('spaces preset (seed 004): working with users', () => {
  it('the active preset is spaces: admin, editor, operator; provisioning up to 10 at a time; no invitations', async () => {
    const res = await ts.gql(PRESET);
    expect(res.data.preset.key).toBe('spaces');
    expect(res.data.preset.roles.map((r: { key: string }) => r.key)).toEqual(ROLES);
    expect(res.data.preset.policy).toMatchObject({ ownerModel: 'none', provisioning: true, invitations: false, bulkLimit: 10 });
  });

  it('R3 "User Privileges", org-wide rows, through can() (per-space rows need resource grants)', async () => {
    const t = await newTeam();
    await expectTable(ts, t, ROLES, {
      'org:read': ROLES,
      // Add new users to the organization and assign roles: Admin only.
      'members:invite': ['admin'],
      'members:update': ['admin'],
      'members:remove': ['admin'],
      // Admin configures the organization and changes credentials.
      'org:update': ['admin'],
      'integrations:manage': ['admin'],
      // Create a new space: Admin and Editor.
      'spaces:create': ['admin', 'editor'],
      // "... any space within their organization": Admin only, org-wide.
      'spaces:start': ['admin'],
      'spaces:deploy': ['admin'],
      'spaces:destroy': ['admin'],
      'spaces:assign': ['admin'],
      'spaces:whitelist_manage': ['admin'],
      'spaces:read': ['admin'],
      // Editors see the member list (to assign users to their spaces).
      'members:read': ['admin', 'editor'],
    });
  });

  it('R15 creating new organizations is for platform admins only: an org admin gets FORBIDDEN', async () => {
    const t = await newTeam();
    expect(code(await ts.gql(CREATE_ORG, { n: 'Another org' }, t.tokens.admin))).toBe('FORBIDDEN');
    expect(typename(await ts.gql(CREATE_ORG, { n: `Platform org ${Math.random().toString(36).slice(2, 6)}` }, pa.token), 'createOrganization')).toBe('Organization');
  });

  it('R7 an admin creates up to ten users at a time, each with a temporary password and a role', async () => {
    const t = await newTeam();
    const before = await memberCount(t);
    const members = Array.from({ length: 10 }, (_, i) => ({ email: uniqueEmail(`bulk${i}`), firstName: `First${i}`, lastName: `Last${i}`, roleIds: [i % 2 ? t.roleIds.editor : t.roleIds.operator] }));
    const res = await ts.gql(PROVISION, { o: t.orgGid, m: members }, t.tokens.admin);
    expect(typename(res, 'provisionMembers')).toBe('ProvisionMembersPayload');
    const results = res.data.provisionMembers.results as { email: string; status: string; temporaryPassword: string; membership: { roles: { key: string }[] } }[];
    expect(results.map((r) => r.email)).toEqual(members.map((m) => m.email));
    expect(results.every((r) => r.status === 'CREATED' && r.temporaryPassword)).toBe(true);
    expect(results.map((r) => r.membership.roles[0]!.key)).toEqual(members.map((_, i) => (i % 2 ? 'editor' : 'operator')));
    expect(await memberCount(t)).toBe(before + 10);
  });

  it('R7 eleven users in one call are refused with LimitExceededError and nothing is stored', async () => {
    const t = await newTeam();
    const before = await memberCount(t);
    const members = Array.from({ length: 11 }, (_, i) => ({ email: uniqueEmail(`over${i}`), roleIds: [t.roleIds.operator] }));
    const res = await ts.gql(PROVISION, { o: t.orgGid, m: members }, t.tokens.admin);
    expect(res.data.provisionMembers).toMatchObject({ __typename: 'LimitExceededError', limit: 10 });
    expect(await memberCount(t)).toBe(before);
  });

  it('R3 only admins create, edit, disable or remove users: editors and operators get FORBIDDEN', async () => {
    const t = await newTeam();
    const target = await addMember(ts, t.orgId, ['operator']);
    for (const role of ['editor', 'operator']) {
      const token = t.tokens[role]!;
      expect(code(await ts.gql(PROVISION, { o: t.orgGid, m: [{ email: uniqueEmail('x'), roleIds: [t.roleIds.operator] }] }, token)), role).toBe('FORBIDDEN');
      expect(code(await ts.gql(SET_ROLES, { m: target.gid.membership, r: [t.roleIds.editor] }, token)), role).toBe('FORBIDDEN');
      expect(code(await ts.gql(SET_STATUS, { m: target.gid.membership, s: 'DISABLED' }, token)), role).toBe('FORBIDDEN');
      expect(code(await ts.gql(REMOVE, { m: target.gid.membership }, token)), role).toBe('FORBIDDEN');
    }
  });

  it('R8 there is no invitation flow (inviteMembers → PolicyError)', async () => {
    const t = await newTeam();
    expect(typename(await ts.gql(INVITE, { o: t.orgGid, e: [uniqueEmail('i')], r: [t.roleIds.operator] }, t.tokens.admin), 'inviteMembers')).toBe('PolicyError');
  });

  it('Edit: an admin updates a user\'s email, names and role (role effective at once, R2)', async () => {
    const t = await newTeam();
    const op = t.members.operator!;
    const email = uniqueEmail('renamed');
    const res = await ts.gql(UPDATE_USER, { u: op.gid.user, e: email, f: 'Olive', l: 'Operator' }, t.tokens.admin);
    // Names change at once; the new email waits for its holder to follow the confirmation link (R20).
    expect(res.data.updateUser).toEqual({ __typename: 'User', email: op.email, firstName: 'Olive', lastName: 'Operator' });
    expect(await canMap(ts, t.tokens.operator!, t.orgId, ['spaces:create'])).toEqual({ 'spaces:create': false });
    const roles = await ts.gql(SET_ROLES, { m: op.gid.membership, r: [t.roleIds.editor] }, t.tokens.admin);
    expect(roles.data.setMemberRoles).toMatchObject({ __typename: 'Membership', roles: [{ key: 'editor' }] });
    expect(await canMap(ts, t.tokens.operator!, t.orgId, ['spaces:create'])).toEqual({ 'spaces:create': true });
  });

  it('R10 R2 Disable User toggle: the membership is kept with its details but the org is blocked on the next request', async () => {
    const other = await newTeam('Other');
    const t = await newTeam();
    const ed = t.members.editor!;
    await addMember(ts, other.orgId, ['operator'], { userId: ed.userId });
    const token = t.tokens.editor!;
    expect(await canMap(ts, token, t.orgId, ['spaces:create'])).toEqual({ 'spaces:create': true });

    const off = await ts.gql(SET_STATUS, { m: ed.gid.membership, s: 'DISABLED' }, t.tokens.admin);
    expect(off.data.setMembershipStatus).toMatchObject({ __typename: 'Membership', status: 'DISABLED' });
    // Same access token, very next request: blocked in this org ...
    expect(await canMap(ts, token, t.orgId, ['org:read', 'spaces:create'])).toEqual({ 'org:read': false, 'spaces:create': false });
    // ... but not in the other org.
    expect(await canMap(ts, token, other.orgId, ['org:read'])).toEqual({ 'org:read': true });
    // Details are kept: still listed, with role and status.
    const listed = (await ts.gql(MEMBERS, { o: t.orgGid }, t.tokens.admin)).data.node.members.edges
      .map((e: { node: { status: string; user: { email: string }; roles: { key: string }[] } }) => e.node)
      .find((n: { user: { email: string } }) => n.user.email === ed.email);
    expect(listed).toMatchObject({ status: 'DISABLED', roles: [{ key: 'editor' }] });
    const mine = (await ts.gql(VIEWER, {}, token)).data.viewer.memberships.find((m: { id: string }) => m.id === ed.gid.membership);
    expect(mine).toMatchObject({ status: 'DISABLED' });

    const on = await ts.gql(SET_STATUS, { m: ed.gid.membership, s: 'ACTIVE' }, t.tokens.admin);
    expect(on.data.setMembershipStatus.status).toBe('ACTIVE');
    expect(await canMap(ts, token, t.orgId, ['spaces:create'])).toEqual({ 'spaces:create': true });
  });

  it('R5 R10 the last admin cannot be disabled', async () => {
    const t = await newTeam();
    const res = await ts.gql(SET_STATUS, { m: t.members.admin!.gid.membership, s: 'DISABLED' }, pa.token);
    expect(typename(res, 'setMembershipStatus')).toBe('LastOwnerError');
    expect(await canMap(ts, t.tokens.admin!, t.orgId, ['members:invite'])).toEqual({ 'members:invite': true });
  });

  it('R9 Remove: the user leaves the organization at once; the account itself stays', async () => {
    const t = await newTeam();
    const op = t.members.operator!;
    const before = await memberCount(t);
    const res = await ts.gql(REMOVE, { m: op.gid.membership }, t.tokens.admin);
    expect(res.data.removeMember).toMatchObject({ __typename: 'RemovedMemberPayload', user: { email: op.email } });
    expect(await memberCount(t)).toBe(before - 1);
    expect(await canMap(ts, t.tokens.operator!, t.orgId, ['org:read'])).toEqual({ 'org:read': false });
    await signIn(ts, op.email);
  });
});
