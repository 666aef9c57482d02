import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, PASSWORD, SIGN_IN, signIn, startTestServer, uniqueEmail, type TestServer } from '../harness.ts';
import {
  CAN, CHANGE_PASSWORD, INVITE, LEAVE, NEW_PASSWORD, PRESET, PROVISION, REMOVE, RESET_PASSWORD, SET_ROLES, VIEWER,
  canMap, code, expectTable, orgGid, team, typename,
} from './helpers.ts';

/** Seed 000 (Reoclo): admin-provisioned teams, one role per member, admins on top, no invitations. */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'reoclo' });
});
afterAll(async () => ts?.close());

const ROLES = ['admin', 'manager', 'developer', 'viewer'];
const newTeam = (name = 'Reoclo') => team(ts, name, 'admin', ['manager', 'developer', 'viewer']);

describe('reoclo preset (seed 000): team and user management', () => {
  it('the active preset is reoclo: provisioning on, invitations off, admins are the top role', async () => {
    const res = await ts.gql(PRESET);
    expect(res.data.preset.key).toBe('reoclo');
    expect(res.data.preset.roles.map((r: { key: string }) => r.key)).toEqual(ROLES);
    expect(res.data.preset.policy).toMatchObject({ ownerModel: 'none', invitations: false, provisioning: true, multipleRolesPerMembership: false, customRoleLimit: 0 });
  });

  it('R3 the seed role table, row by row, through can() for each role holder', async () => {
    const t = await newTeam();
    await expectTable(ts, t, ROLES, {
      // Admin: full access; manage users, servers, applications, domains, status pages, settings.
      'members:invite': ['admin'],
      'members:update': ['admin'],
      'members:remove': ['admin'],
      'org:update': ['admin'],
      'domains:manage': ['admin'],
      'status_pages:manage': ['admin'],
      'audit:read': ['admin'],
      // Manager: servers, applications, deployments, runner tokens; not users or settings.
      'servers:manage': ['admin', 'manager'],
      'applications:manage': ['admin', 'manager'],
      'runner_tokens:create': ['admin', 'manager'],
      // Developer: deploy applications and manage environment variables.
      'deployments:create': ['admin', 'manager', 'developer'],
      'env_vars:manage': ['admin', 'manager', 'developer'],
      // Viewer: read-only access to everything.
      'org:read': ROLES,
      'members:read': ROLES,
      'servers:read': ROLES,
      'applications:read': ROLES,
      'deployments:read': ROLES,
      'domains:read': ROLES,
      'status_pages:read': ROLES,
      'logs:read': ROLES,
      'env_vars:read': ROLES,
    });
  });

  it('R7 admin adds a new user: account created with a temporary password that must be changed at first sign-in', async () => {
    const t = await newTeam();
    const email = uniqueEmail('newhire');
    const res = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email, firstName: 'New', lastName: 'Hire', roleIds: [t.roleIds.developer] }] }, t.tokens.admin);
    expect(typename(res, 'provisionMembers')).toBe('ProvisionMembersPayload');
    const [result] = res.data.provisionMembers.results;
    expect(result).toMatchObject({ email, status: 'CREATED', membership: { status: 'ACTIVE', roles: [{ key: 'developer' }] } });
    expect(typeof result.temporaryPassword).toBe('string');

    // Users can log in right away (no email confirmation) ...
    const signed = await ts.gql(SIGN_IN, { email, password: result.temporaryPassword });
    expect(signed.data.signIn.__typename).toBe('AuthPayload');
    expect(signed.data.signIn.user.mustChangePassword).toBe(true);
    const temp = signed.data.signIn.accessToken;
    // ... but must change the password first: everything else is refused.
    expect(code(await ts.gql(CAN, { o: t.orgGid, p: ['deployments:create'] }, temp))).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await ts.gql(VIEWER, {}, temp)).data.viewer.mustChangePassword).toBe(true);

    const changed = await ts.gql(CHANGE_PASSWORD, { c: result.temporaryPassword, n: NEW_PASSWORD }, temp);
    expect(changed.data.changePassword.__typename).toBe('AuthPayload');
    expect(changed.data.changePassword.user.mustChangePassword).toBe(false);
    const fresh = changed.data.changePassword.accessToken;
    expect(await canMap(ts, fresh, t.orgId, ['deployments:create', 'servers:manage'])).toEqual({ 'deployments:create': true, 'servers:manage': false });
    // One organization: the viewer sees exactly that one (straight in, R14).
    const viewer = (await ts.gql(VIEWER, {}, fresh)).data.viewer;
    expect(viewer.memberships.map((m: { organization: { id: string } }) => m.organization.id)).toEqual([t.orgGid]);
  });

  it('R7 admin adds an existing user of another organization: added at once, no new password, sees both orgs', async () => {
    const a = await newTeam('Alpha');
    const b = await newTeam('Beta');
    const existing = a.members.developer!;
    const before = (await ts.gql(VIEWER, {}, a.tokens.developer)).data.viewer.memberships;
    expect(before).toHaveLength(1);

    const res = await ts.gql(PROVISION, { o: b.orgGid, m: [{ email: existing.email.toUpperCase(), roleIds: [b.roleIds.viewer] }] }, b.tokens.admin);
    expect(res.data.provisionMembers.results[0]).toMatchObject({ email: existing.email, status: 'ADDED', temporaryPassword: null, membership: { roles: [{ key: 'viewer' }] } });

    // Same session: the new org is there on the very next request (roles are read per request).
    const after = (await ts.gql(VIEWER, {}, a.tokens.developer)).data.viewer.memberships;
    expect(after.map((m: { organization: { id: string } }) => m.organization.id).sort()).toEqual([a.orgGid, b.orgGid].sort());
    // Roles are per organization: developer in Alpha, viewer in Beta.
    expect(await canMap(ts, a.tokens.developer!, a.orgId, ['deployments:create'])).toEqual({ 'deployments:create': true });
    expect(await canMap(ts, a.tokens.developer!, b.orgId, ['deployments:create', 'servers:read'])).toEqual({ 'deployments:create': false, 'servers:read': true });
    // The old password still works: the account was not touched.
    await signIn(ts, existing.email, PASSWORD);

    const again = await ts.gql(PROVISION, { o: b.orgGid, m: [{ email: existing.email, roleIds: [b.roleIds.viewer] }] }, b.tokens.admin);
    expect(again.data.provisionMembers.results[0].status).toBe('ALREADY_MEMBER');
  });

  it('R2 a role change takes effect on the user\'s very next request, with the same access token', async () => {
    const t = await newTeam();
    const dev = t.members.developer!;
    const token = t.tokens.developer!;
    expect(await canMap(ts, token, t.orgId, ['servers:manage', 'deployments:create'])).toEqual({ 'servers:manage': false, 'deployments:create': true });

    const up = await ts.gql(SET_ROLES, { m: dev.gid.membership, r: [t.roleIds.manager] }, t.tokens.admin);
    expect(up.data.setMemberRoles).toMatchObject({ __typename: 'Membership', roles: [{ key: 'manager' }] });
    expect(await canMap(ts, token, t.orgId, ['servers:manage', 'deployments:create'])).toEqual({ 'servers:manage': true, 'deployments:create': true });

    const down = await ts.gql(SET_ROLES, { m: dev.gid.membership, r: [t.roleIds.viewer] }, t.tokens.admin);
    expect(down.data.setMemberRoles.__typename).toBe('Membership');
    expect(await canMap(ts, token, t.orgId, ['servers:manage', 'deployments:create', 'servers:read'])).toEqual({ 'servers:manage': false, 'deployments:create': false, 'servers:read': true });
  });

  it('R3 one role per member: setting two roles is refused', async () => {
    const t = await newTeam();
    const res = await ts.gql(SET_ROLES, { m: t.members.viewer!.gid.membership, r: [t.roleIds.viewer, t.roleIds.developer] }, t.tokens.admin);
    expect(typename(res, 'setMemberRoles')).toBe('ValidationError');
    expect(res.data.setMemberRoles.issues.map((i: { path: string[] }) => i.path[0])).toContain('roleIds');
    expect(await canMap(ts, t.tokens.viewer!, t.orgId, ['deployments:create'])).toEqual({ 'deployments:create': false });
  });

  it('R3 only admins add, remove or change roles: manager, developer and viewer get FORBIDDEN', async () => {
    const t = await newTeam();
    const target = await addMember(ts, t.orgId, ['viewer']);
    for (const role of ['manager', 'developer', 'viewer']) {
      const token = t.tokens[role]!;
      expect(code(await ts.gql(SET_ROLES, { m: target.gid.membership, r: [t.roleIds.developer] }, token)), `${role} setMemberRoles`).toBe('FORBIDDEN');
      expect(code(await ts.gql(REMOVE, { m: target.gid.membership }, token)), `${role} removeMember`).toBe('FORBIDDEN');
      expect(code(await ts.gql(PROVISION, { o: t.orgGid, m: [{ email: uniqueEmail('x'), roleIds: [t.roleIds.viewer] }] }, token)), `${role} provisionMembers`).toBe('FORBIDDEN');
      expect(code(await ts.gql(RESET_PASSWORD, { m: target.gid.membership }, token)), `${role} resetMemberPassword`).toBe('FORBIDDEN');
    }
    // Nothing changed for the target.
    expect(await canMap(ts, (await signIn(ts, target.email)).accessToken, t.orgId, ['servers:read', 'deployments:create'])).toEqual({ 'servers:read': true, 'deployments:create': false });
  });

  it('R3 admins grant admin (the top role has no owner above it)', async () => {
    const t = await newTeam();
    const res = await ts.gql(SET_ROLES, { m: t.members.manager!.gid.membership, r: [t.roleIds.admin] }, t.tokens.admin);
    expect(res.data.setMemberRoles).toMatchObject({ __typename: 'Membership', roles: [{ key: 'admin' }] });
    expect(await canMap(ts, t.tokens.manager!, t.orgId, ['members:remove'])).toEqual({ 'members:remove': true });
  });

  it('R4 an admin cannot change their own role', async () => {
    const t = await newTeam();
    await addMember(ts, t.orgId, ['admin']);
    const res = await ts.gql(SET_ROLES, { m: t.members.admin!.gid.membership, r: [t.roleIds.viewer] }, t.tokens.admin);
    expect(typename(res, 'setMemberRoles')).toBe('SelfRoleChangeError');
  });

  it('R9 remove: access to this org ends at once, the global account and other memberships stay', async () => {
    const a = await newTeam('Alpha');
    const b = await newTeam('Beta');
    const user = await addMember(ts, a.orgId, ['developer']);
    await addMember(ts, b.orgId, ['manager'], { userId: user.userId });
    const token = (await signIn(ts, user.email)).accessToken;
    expect((await ts.gql(VIEWER, {}, token)).data.viewer.memberships).toHaveLength(2);

    const res = await ts.gql(REMOVE, { m: user.gid.membership }, a.tokens.admin);
    expect(res.data.removeMember).toMatchObject({ __typename: 'RemovedMemberPayload', user: { id: user.gid.user, email: user.email } });

    // R2: the same token loses Alpha on its very next request.
    expect(await canMap(ts, token, a.orgId, ['org:read', 'servers:read'])).toEqual({ 'org:read': false, 'servers:read': false });
    expect((await ts.gql(`query($o: ID!) { node(id: $o) { id } }`, { o: a.orgGid }, token)).data.node).toBeNull();
    // Beta is unaffected.
    expect(await canMap(ts, token, b.orgId, ['servers:manage'])).toEqual({ 'servers:manage': true });
    const viewer = (await ts.gql(VIEWER, {}, token)).data.viewer;
    expect(viewer.memberships.map((m: { organization: { id: string } }) => m.organization.id)).toEqual([b.orgGid]);
    // The account still signs in.
    await signIn(ts, user.email);
  });

  it('R9 a user removed from their only org keeps the account and can still sign in', async () => {
    const t = await newTeam();
    const res = await ts.gql(REMOVE, { m: t.members.viewer!.gid.membership }, t.tokens.admin);
    expect(res.data.removeMember.__typename).toBe('RemovedMemberPayload');
    const token = (await signIn(ts, t.members.viewer!.email)).accessToken;
    expect((await ts.gql(VIEWER, {}, token)).data.viewer.memberships).toEqual([]);
  });

  it('R7 troubleshooting: an admin resets a member\'s password to a new temporary one', async () => {
    const t = await newTeam();
    const res = await ts.gql(RESET_PASSWORD, { m: t.members.developer!.gid.membership }, t.tokens.admin);
    expect(res.data.resetMemberPassword).toMatchObject({ __typename: 'TemporaryPasswordPayload', user: { mustChangePassword: true } });
    const temp = res.data.resetMemberPassword.temporaryPassword as string;
    expect((await ts.gql(SIGN_IN, { email: t.members.developer!.email, password: PASSWORD })).data.signIn.__typename).toBe('InvalidCredentialsError');
    const signed = await ts.gql(SIGN_IN, { email: t.members.developer!.email, password: temp });
    expect(signed.data.signIn.user.mustChangePassword).toBe(true);
  });

  it('R8 there is no email invitation flow: inviteMembers is refused with a PolicyError', async () => {
    const t = await newTeam();
    const res = await ts.gql(INVITE, { o: t.orgGid, e: [uniqueEmail('invitee')], r: [t.roleIds.viewer] }, t.tokens.admin);
    expect(typename(res, 'inviteMembers')).toBe('PolicyError');
  });

  it('R5 R11 the last admin cannot leave; with a second admin one can leave', async () => {
    const t = await newTeam();
    expect(typename(await ts.gql(LEAVE, { o: t.orgGid }, t.tokens.admin), 'leaveOrganization')).toBe('LastOwnerError');
    const second = await addMember(ts, t.orgId, ['admin']);
    const secondToken = (await signIn(ts, second.email)).accessToken;
    // With two admins, one of them may leave.
    const res = await ts.gql(LEAVE, { o: t.orgGid }, t.tokens.admin);
    expect(res.data.leaveOrganization.__typename).toBe('LeftOrganizationPayload');
    // Now `second` is the last admin and cannot leave.
    expect(typename(await ts.gql(LEAVE, { o: t.orgGid }, secondToken), 'leaveOrganization')).toBe('LastOwnerError');
  });

  it('R1 organizations are isolated: an admin of one org cannot act on a member of another', async () => {
    const a = await newTeam('Alpha');
    const b = await newTeam('Beta');
    const res = await ts.gql(SET_ROLES, { m: b.members.viewer!.gid.membership, r: [a.roleIds.admin] }, a.tokens.admin);
    const answer = res.data?.setMemberRoles?.__typename ?? code(res);
    expect(['NotFoundError', 'FORBIDDEN']).toContain(answer);
    expect(await canMap(ts, a.tokens.admin!, b.orgId, ['org:read'])).toEqual({ 'org:read': false });
    expect((await ts.gql(`query($o: ID!) { node(id: $o) { id } }`, { o: orgGid(b.orgId) }, a.tokens.admin)).data.node).toBeNull();
  });

  it('R13 user management actions are audit-logged', async () => {
    const t = await newTeam();
    await ts.gql(PROVISION, { o: t.orgGid, m: [{ email: uniqueEmail('aud'), roleIds: [t.roleIds.viewer] }] }, t.tokens.admin);
    await ts.gql(SET_ROLES, { m: t.members.viewer!.gid.membership, r: [t.roleIds.developer] }, t.tokens.admin);
    await ts.gql(REMOVE, { m: t.members.manager!.gid.membership }, t.tokens.admin);
    const res = await ts.gql(`query($o: ID!) { node(id: $o) { ... on Organization { auditLog(first: 20) { edges { node { action actorLabel } } } } } }`, { o: t.orgGid }, t.tokens.admin);
    const events = (res.data.node.auditLog.edges as { node: { action: string; actorLabel: string } }[])
      .map((e) => e.node)
      .filter((e) => e.actorLabel === t.members.admin!.email);
    // One event per change, three distinct actions (provision, role change, removal).
    expect(events).toHaveLength(3);
    expect(new Set(events.map((e) => e.action)).size).toBe(3);
  });
});
