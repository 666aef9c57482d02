import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, PASSWORD, SIGN_IN, signIn, startTestServer, uniqueEmail, type TestServer } from '../harness.ts';
import {
  CREATE_ORG, CREATE_ROLE, DELETE_USER, GRANT_ACCESS, INVITE, MEMBERS, PRESET, PROVISION, REMOVE, SET_ORG_STATUS, SET_ROLES, VIEWER,
  canMap, code, expectTable, orgGid, platformAdmin, roleIdsOf, team, typename,
} from './helpers.ts';

/** Seed 002 (Eloquent): built-in user and admin, several roles per membership, up to 20 custom roles, platform admins. */
let ts: TestServer;
let pa: { userId: string; token: string };
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'eloquent' });
  pa = await platformAdmin(ts);
});
afterAll(async () => ts?.close());

const ROLES = ['admin', 'user'];
const newTeam = (name = 'Eloquent') => team(ts, name, 'admin', ['user']);
const LOOKUP = `query($o: ID!, $e: String!) { lookupUser(organizationId: $o, email: $e) { exists alreadyMember firstName lastName } }`;
const DELETE_ROLE = `mutation($r: ID!, $f: Boolean) { deleteRole(roleId: $r, force: $f) { __typename ... on Error { message } ... on RoleInUseError { memberCount } } }`;
const USER_STATUS = `mutation($u: ID!, $s: UserStatus!) { setUserStatus(userId: $u, status: $s) { __typename ... on Error { message } ... on User { id status } } }`;

describe('eloquent preset (seed 002): user and role management', () => {
  it('the active preset is eloquent: user and admin, several roles per member, 20 custom roles', async () => {
    const res = await ts.gql(PRESET);
    expect(res.data.preset.key).toBe('eloquent');
    expect(res.data.preset.roles.map((r: { key: string }) => r.key).sort()).toEqual(['admin', 'user']);
    expect(res.data.preset.policy).toMatchObject({ ownerModel: 'none', multipleRolesPerMembership: true, customRoleLimit: 20, provisioning: true, invitations: false });
  });

  it('R3 default roles: user has standard access, admin full access to organization settings and management', async () => {
    const t = await newTeam();
    await expectTable(ts, t, ROLES, {
      'org:read': ROLES,
      'members:read': ROLES,
      'org:update': ['admin'],
      'members:invite': ['admin'],
      'members:update': ['admin'],
      'members:remove': ['admin'],
      'roles:manage': ['admin'],
      'audit:read': ['admin'],
      'projects:read': ['admin'],
    });
  });

  it('R7 adding an existing user: search finds them (names pre-filled), Create adds them with the selected roles', async () => {
    const a = await newTeam('Alpha');
    const b = await newTeam('Beta');
    const existing = a.members.user!;
    const found = await ts.gql(LOOKUP, { o: b.orgGid, e: existing.email }, b.tokens.admin);
    expect(found.data.lookupUser).toEqual({ exists: true, alreadyMember: false, firstName: 'Test', lastName: 'User' });

    const res = await ts.gql(PROVISION, { o: b.orgGid, m: [{ email: existing.email, roleIds: [b.roleIds.user, b.roleIds.admin] }] }, b.tokens.admin);
    const [result] = res.data.provisionMembers.results;
    expect(result.status).toBe('ADDED');
    expect(result.temporaryPassword).toBeNull();
    expect(result.membership.roles.map((r: { key: string }) => r.key).sort()).toEqual(['admin', 'user']);
    // Roles do not carry across organizations: admin in Beta, user in Alpha.
    expect(await canMap(ts, a.tokens.user!, b.orgId, ['members:update'])).toEqual({ 'members:update': true });
    expect(await canMap(ts, a.tokens.user!, a.orgId, ['members:update'])).toEqual({ 'members:update': false });
    expect((await ts.gql(LOOKUP, { o: b.orgGid, e: existing.email }, b.tokens.admin)).data.lookupUser.alreadyMember).toBe(true);
  });

  it('R7 creating a new user: not found, first and last name filled in, an account is created with access to this org', async () => {
    const t = await newTeam();
    const email = uniqueEmail('fresh');
    expect((await ts.gql(LOOKUP, { o: t.orgGid, e: email }, t.tokens.admin)).data.lookupUser).toMatchObject({ exists: false, alreadyMember: false });
    const res = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email, firstName: 'Ada', lastName: 'Lovelace', roleIds: [t.roleIds.user] }] }, t.tokens.admin);
    const [result] = res.data.provisionMembers.results;
    expect(result).toMatchObject({ email, status: 'CREATED', membership: { status: 'ACTIVE', roles: [{ key: 'user' }] } });
    expect(result.temporaryPassword).toBeTruthy();
    const members = (await ts.gql(MEMBERS, { o: t.orgGid }, t.tokens.admin)).data.node.members;
    expect(members.edges.map((e: { node: { user: { email: string } } }) => e.node.user.email)).toContain(email);
    const signed = await ts.gql(SIGN_IN, { email, password: result.temporaryPassword });
    expect(signed.data.signIn.user.mustChangePassword).toBe(true);
  });

  it('R8 there is no invitation flow in this preset (inviteMembers → PolicyError)', async () => {
    const t = await newTeam();
    const res = await ts.gql(INVITE, { o: t.orgGid, e: [uniqueEmail('i')], r: [t.roleIds.user] }, t.tokens.admin);
    expect(typename(res, 'inviteMembers')).toBe('PolicyError');
  });

  it('R12 custom roles: up to 20 per organization, the 21st is refused with LimitExceededError', async () => {
    const t = await newTeam();
    for (let i = 1; i <= 20; i++) {
      const res = await ts.gql(CREATE_ROLE, { o: t.orgGid, n: `Custom ${i}`, p: ['projects:read'] }, t.tokens.admin);
      expect(res.data.createRole.__typename, `role ${i}`).toBe('Role');
      expect(res.data.createRole.builtin).toBe(false);
    }
    const over = await ts.gql(CREATE_ROLE, { o: t.orgGid, n: 'Custom 21', p: ['projects:read'] }, t.tokens.admin);
    expect(over.data.createRole).toMatchObject({ __typename: 'LimitExceededError', limit: 20 });
    const roles = await roleIdsOf(ts, t.tokens.admin!, t.orgId);
    expect(Object.keys(roles)).toHaveLength(22);
  });

  it('R12 custom role names are unique and never hold org:own; a plain user cannot create roles', async () => {
    const t = await newTeam();
    expect(typename(await ts.gql(CREATE_ROLE, { o: t.orgGid, n: 'Editors', p: ['projects:update'] }, t.tokens.admin), 'createRole')).toBe('Role');
    const dup = await ts.gql(CREATE_ROLE, { o: t.orgGid, n: 'Editors', p: ['projects:read'] }, t.tokens.admin);
    expect(typename(dup, 'createRole')).toBe('ValidationError');
    const own = await ts.gql(CREATE_ROLE, { o: t.orgGid, n: 'Sneaky', p: ['org:own'] }, t.tokens.admin);
    expect(typename(own, 'createRole')).toBe('ValidationError');
    expect(code(await ts.gql(CREATE_ROLE, { o: t.orgGid, n: 'Mine', p: ['org:read'] }, t.tokens.user))).toBe('FORBIDDEN');
  });

  it('R12 deleting a custom role in use says how many members hold it; force takes it from them', async () => {
    const t = await newTeam();
    const role = (await ts.gql(CREATE_ROLE, { o: t.orgGid, n: 'Auditors', p: ['audit:read'] }, t.tokens.admin)).data.createRole.id as string;
    await ts.gql(SET_ROLES, { m: t.members.user!.gid.membership, r: [t.roleIds.user, role] }, t.tokens.admin);
    const extra = await addMember(ts, t.orgId, ['user']);
    await ts.gql(SET_ROLES, { m: extra.gid.membership, r: [role] }, t.tokens.admin);
    const refused = await ts.gql(DELETE_ROLE, { r: role, f: false }, t.tokens.admin);
    expect(refused.data.deleteRole).toMatchObject({ __typename: 'RoleInUseError', memberCount: 2 });
    expect(await canMap(ts, t.tokens.user!, t.orgId, ['audit:read'])).toEqual({ 'audit:read': true });
    const forced = await ts.gql(DELETE_ROLE, { r: role, f: true }, t.tokens.admin);
    expect(forced.data.deleteRole.__typename).toBe('DeletedPayload');
    expect(await canMap(ts, t.tokens.user!, t.orgId, ['audit:read', 'org:read'])).toEqual({ 'audit:read': false, 'org:read': true });
  });

  it('R3 several roles per membership (checkboxes): permissions are the union, effective at once (R2)', async () => {
    const t = await newTeam();
    const created = await ts.gql(CREATE_ROLE, { o: t.orgGid, n: 'Deployers', p: ['deployments:create', 'deployments:read'] }, t.tokens.admin);
    const deployers = created.data.createRole.id as string;
    expect(await canMap(ts, t.tokens.user!, t.orgId, ['deployments:create', 'members:read'])).toEqual({ 'deployments:create': false, 'members:read': true });
    const res = await ts.gql(SET_ROLES, { m: t.members.user!.gid.membership, r: [t.roleIds.user, deployers] }, t.tokens.admin);
    expect(res.data.setMemberRoles.roles.map((r: { key: string }) => r.key)).toHaveLength(2);
    expect(await canMap(ts, t.tokens.user!, t.orgId, ['deployments:create', 'members:read', 'members:update'])).toEqual({ 'deployments:create': true, 'members:read': true, 'members:update': false });
    // Unchecking the custom role takes it away on the next request.
    await ts.gql(SET_ROLES, { m: t.members.user!.gid.membership, r: [t.roleIds.user] }, t.tokens.admin);
    expect(await canMap(ts, t.tokens.user!, t.orgId, ['deployments:create'])).toEqual({ 'deployments:create': false });
  });

  it('R9 remove from this organization: loses access to it, keeps the account and access to other orgs', async () => {
    const a = await newTeam('Alpha');
    const b = await newTeam('Beta');
    const user = await addMember(ts, a.orgId, ['user']);
    await addMember(ts, b.orgId, ['admin'], { userId: user.userId });
    const token = (await signIn(ts, user.email)).accessToken;
    expect(typename(await ts.gql(REMOVE, { m: user.gid.membership }, a.tokens.admin), 'removeMember')).toBe('RemovedMemberPayload');
    expect(await canMap(ts, token, a.orgId, ['org:read'])).toEqual({ 'org:read': false });
    expect(await canMap(ts, token, b.orgId, ['members:update'])).toEqual({ 'members:update': true });
  });

  it('R9 delete completely: an org admin may not while the user belongs to another org; a platform admin erases the account', async () => {
    const a = await newTeam('Alpha');
    const b = await newTeam('Beta');
    const user = await addMember(ts, a.orgId, ['user']);
    await addMember(ts, b.orgId, ['user'], { userId: user.userId });
    const byOrgAdmin = await ts.gql(DELETE_USER, { u: user.gid.user, o: a.orgGid }, a.tokens.admin);
    expect(typename(byOrgAdmin, 'deleteUser')).toBe('PolicyError');
    await signIn(ts, user.email);

    const byPlatform = await ts.gql(DELETE_USER, { u: user.gid.user }, pa.token);
    expect(byPlatform.data.deleteUser).toEqual({ __typename: 'DeletedPayload', deletedId: user.gid.user });
    expect((await ts.gql(SIGN_IN, { email: user.email, password: PASSWORD })).data.signIn.__typename).toBe('InvalidCredentialsError');
    for (const t of [a, b]) {
      const emails = (await ts.gql(MEMBERS, { o: t.orgGid }, t.tokens.admin)).data.node.members.edges.map((e: { node: { user: { email: string } } }) => e.node.user.email);
      expect(emails).not.toContain(user.email);
    }
  });

  it('R9 delete completely by an org admin when the user belongs to this org only', async () => {
    const t = await newTeam();
    const user = await addMember(ts, t.orgId, ['user']);
    const res = await ts.gql(DELETE_USER, { u: user.gid.user, o: t.orgGid }, t.tokens.admin);
    expect(typename(res, 'deleteUser')).toBe('DeletedPayload');
    expect((await ts.gql(SIGN_IN, { email: user.email, password: PASSWORD })).data.signIn.__typename).toBe('InvalidCredentialsError');
    // A plain user cannot delete anyone.
    const other = await addMember(ts, t.orgId, ['user']);
    const denied = await ts.gql(DELETE_USER, { u: other.gid.user, o: t.orgGid }, t.tokens.user);
    expect(denied.data?.deleteUser?.__typename ?? code(denied)).toMatch(/FORBIDDEN|NotFoundError|PolicyError/);
  });

  it('R10 R15 org controls: a platform admin disables an organization (members blocked on the next request) and enables it again', async () => {
    const t = await newTeam();
    expect(await canMap(ts, t.tokens.user!, t.orgId, ['org:read'])).toEqual({ 'org:read': true });
    // Org admins cannot toggle their own org.
    expect(code(await ts.gql(SET_ORG_STATUS, { o: t.orgGid, s: 'DISABLED' }, t.tokens.admin))).toBe('FORBIDDEN');

    const off = await ts.gql(SET_ORG_STATUS, { o: t.orgGid, s: 'DISABLED' }, pa.token);
    expect(off.data.setOrganizationStatus).toMatchObject({ __typename: 'Organization', status: 'DISABLED' });
    expect(await canMap(ts, t.tokens.user!, t.orgId, ['org:read'])).toEqual({ 'org:read': false });
    expect(await canMap(ts, t.tokens.admin!, t.orgId, ['members:update'])).toEqual({ 'members:update': false });

    const on = await ts.gql(SET_ORG_STATUS, { o: t.orgGid, s: 'ACTIVE' }, pa.token);
    expect(on.data.setOrganizationStatus.status).toBe('ACTIVE');
    expect(await canMap(ts, t.tokens.user!, t.orgId, ['org:read'])).toEqual({ 'org:read': true });
  });

  it('R10 user status: a platform admin suspends an account (Disabled) and it is blocked everywhere', async () => {
    const t = await newTeam();
    const user = t.members.user!;
    const res = await ts.gql(USER_STATUS, { u: user.gid.user, s: 'DISABLED' }, pa.token);
    expect(res.data.setUserStatus).toMatchObject({ __typename: 'User', status: 'DISABLED' });
    const after = await ts.gql(CAN_OR_VIEWER, {}, t.tokens.user);
    expect(after.data?.viewer ?? null).toBeNull();
    expect((await ts.gql(SIGN_IN, { email: user.email, password: PASSWORD })).data.signIn.__typename).toBe('InvalidCredentialsError');
    expect(typename(await ts.gql(USER_STATUS, { u: user.gid.user, s: 'ACTIVE' }, pa.token), 'setUserStatus')).toBe('User');
    await signIn(ts, user.email);
  });

  it('R15 Organization Access: a platform admin creates an org and gives an existing user access to it', async () => {
    const t = await newTeam();
    const created = await ts.gql(CREATE_ORG, { n: `Acme ${Math.random().toString(36).slice(2, 6)}`, u: t.members.admin!.gid.user }, pa.token);
    expect(created.data.createOrganization.__typename).toBe('Organization');
    const newOrg = created.data.createOrganization.id as string;
    expect(code(await ts.gql(CREATE_ORG, { n: 'Not allowed' }, t.tokens.admin))).toBe('FORBIDDEN');

    const roles = await roleIdsOf(ts, pa.token, Buffer.from(newOrg, 'base64').toString().split(':')[1]!);
    const res = await ts.gql(GRANT_ACCESS, { o: newOrg, u: t.members.user!.gid.user, r: [roles.user] }, pa.token);
    expect(res.data.grantOrganizationAccess).toMatchObject({ __typename: 'Membership', roles: [{ key: 'user' }] });
    const viewer = (await ts.gql(VIEWER, {}, t.tokens.user)).data.viewer;
    expect(viewer.memberships.map((m: { organization: { id: string } }) => m.organization.id).sort()).toEqual([t.orgGid, newOrg].sort());
  });

  it('R1 users see only data from their selected organization', async () => {
    const a = await newTeam('Alpha');
    const b = await newTeam('Beta');
    const res = await ts.gql(MEMBERS, { o: orgGid(b.orgId) }, a.tokens.admin);
    expect(res.data.node).toBeNull();
    const cross = await ts.gql(SET_ROLES, { m: b.members.user!.gid.membership, r: [a.roleIds.admin] }, a.tokens.admin);
    expect(cross.data?.setMemberRoles?.__typename ?? code(cross)).toMatch(/^(FORBIDDEN|NotFoundError)$/);
    expect(await canMap(ts, b.tokens.user!, b.orgId, ['members:update'])).toEqual({ 'members:update': false });
  });
});

const CAN_OR_VIEWER = `{ viewer { id } }`;
