import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, signIn, startTestServer, uniqueEmail, type TestServer } from '../harness.ts';
import {
  ACCEPT, DELETE_ORG, EXPLAIN, INVITE, LEAVE, PRESET, PROVISION, REMOVE, SET_ROLES, UPDATE_ORG, VIEWER,
  canMap, code, expectTable, invitationToken, platformAdmin, team, typename,
} from './helpers.ts';

/** Seed 001 (OEC.SH): exactly one owner, invitations, one role per member, nobody changes their own role. */
let ts: TestServer;
let pa: { userId: string; token: string };
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'oec' });
  pa = await platformAdmin(ts);
});
afterAll(async () => ts?.close());

const ROLES = ['owner', 'admin', 'developer', 'viewer'];
const newTeam = (name = 'Oec') => team(ts, name, 'owner', ['admin', 'developer', 'viewer']);

describe('oec preset (seed 001): manage your team', () => {
  it('the active preset is oec: a single owner, invitations on, provisioning off', async () => {
    const res = await ts.gql(PRESET);
    expect(res.data.preset.key).toBe('oec');
    // restricted_developer: "developers who can only access specific projects" (R19, see oec-projects.test.ts).
    expect(res.data.preset.roles.map((r: { key: string }) => r.key)).toEqual([...ROLES, 'restricted_developer']);
    expect(res.data.preset.policy).toMatchObject({ ownerModel: 'single', invitations: true, provisioning: false, multipleRolesPerMembership: false });
  });

  it('R3 "Role Permissions Quick Reference", row by row, through can() for each role holder', async () => {
    const t = await newTeam();
    await expectTable(ts, t, ROLES, {
      'projects:read': ROLES, // View projects/environments
      'environments:read': ROLES,
      'logs:read': ROLES, // View logs and monitoring
      'projects:create': ['owner', 'admin', 'developer'], // Create projects
      'deployments:create': ['owner', 'admin', 'developer'], // Deploy environments
      'backups:create': ['owner', 'admin', 'developer'], // Create backups
      'backups:restore': ['owner', 'admin'], // Restore backups
      'environments:delete': ['owner', 'admin'], // Delete environments
      'servers:manage': ['owner', 'admin'], // Manage servers
      'members:invite': ['owner', 'admin'], // Invite members
      'billing:manage': ['owner'], // Manage billing
      'org:delete': ['owner'], // Delete organization
      'org:own': ['owner'],
    });
  });

  it('R3 explainPermission names the role that grants a permission', async () => {
    const t = await newTeam();
    const res = await ts.gql(EXPLAIN, { o: t.orgGid, u: t.members.admin!.gid.user, p: 'billing:manage' }, t.tokens.owner);
    expect(res.data.explainPermission).toMatchObject({ allowed: false, membershipActive: true, known: true, grantedBy: [] });
    const owner = await ts.gql(EXPLAIN, { o: t.orgGid, u: t.members.owner!.gid.user, p: 'billing:manage' }, t.tokens.admin);
    expect(owner.data.explainPermission).toMatchObject({ allowed: true, grantedBy: [{ key: 'owner' }] });
  });

  it('R8 invite a team member: admin invites, a new person creates an account by accepting', async () => {
    const t = await newTeam();
    const email = uniqueEmail('invitee');
    const res = await ts.gql(INVITE, { o: t.orgGid, e: [email], r: [t.roleIds.developer] }, t.tokens.admin);
    expect(res.data.inviteMembers.results[0]).toMatchObject({ email, status: 'INVITED', invitation: { status: 'PENDING', roles: [{ key: 'developer' }] } });

    const token = await invitationToken(ts, pa.token, email);
    const accepted = await ts.gql(ACCEPT, { t: token, f: 'New', l: 'Dev', p: 'a-long-enough-passphrase' });
    expect(accepted.data.acceptInvitation).toMatchObject({ __typename: 'AcceptInvitationPayload', membership: { roles: [{ key: 'developer' }], user: { email } } });
    const access = accepted.data.acceptInvitation.auth.accessToken;
    expect(await canMap(ts, access, t.orgId, ['deployments:create', 'servers:manage'])).toEqual({ 'deployments:create': true, 'servers:manage': false });
  });

  it('R8 an existing account signs in and accepts; it now belongs to several organizations with different roles', async () => {
    const a = await newTeam('Alpha');
    const b = await newTeam('Beta');
    const user = a.members.developer!;
    await ts.gql(INVITE, { o: b.orgGid, e: [user.email], r: [b.roleIds.viewer] }, b.tokens.owner);
    const token = await invitationToken(ts, pa.token, user.email);
    const res = await ts.gql(ACCEPT, { t: token }, a.tokens.developer);
    expect(res.data.acceptInvitation.__typename).toBe('AcceptInvitationPayload');
    const viewer = (await ts.gql(VIEWER, {}, a.tokens.developer)).data.viewer;
    expect(viewer.memberships.map((m: { organization: { id: string } }) => m.organization.id).sort()).toEqual([a.orgGid, b.orgGid].sort());
    expect(await canMap(ts, a.tokens.developer!, b.orgId, ['deployments:create'])).toEqual({ 'deployments:create': false });
  });

  it('R7 adding users directly is off: they need to create an account themselves (provisionMembers → PolicyError)', async () => {
    const t = await newTeam();
    const res = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email: uniqueEmail('direct'), roleIds: [t.roleIds.viewer] }] }, t.tokens.owner);
    expect(typename(res, 'provisionMembers')).toBe('PolicyError');
  });

  it('R6 exactly one owner: granting owner to another member is refused (PolicyError)', async () => {
    const t = await newTeam();
    const res = await ts.gql(SET_ROLES, { m: t.members.admin!.gid.membership, r: [t.roleIds.owner] }, t.tokens.owner);
    expect(typename(res, 'setMemberRoles')).toBe('PolicyError');
    expect(await canMap(ts, t.tokens.admin!, t.orgId, ['org:own'])).toEqual({ 'org:own': false });
  });

  it('R6 exactly one owner: an invitation with the owner role is refused', async () => {
    const t = await newTeam();
    const res = await ts.gql(INVITE, { o: t.orgGid, e: [uniqueEmail('owner2')], r: [t.roleIds.owner] }, t.tokens.owner);
    expect(typename(res, 'inviteMembers')).toBe('PolicyError');
  });

  it('R3 an admin cannot grant owner, nor demote or remove the owner', async () => {
    const t = await newTeam();
    const grant = await ts.gql(SET_ROLES, { m: t.members.developer!.gid.membership, r: [t.roleIds.owner] }, t.tokens.admin);
    expect(grant.data.setMemberRoles).toMatchObject({ __typename: 'GrantCeilingError', ownerOnly: true });
    const demote = await ts.gql(SET_ROLES, { m: t.members.owner!.gid.membership, r: [t.roleIds.admin] }, t.tokens.admin);
    expect(typename(demote, 'setMemberRoles')).toBe('GrantCeilingError');
    const remove = await ts.gql(REMOVE, { m: t.members.owner!.gid.membership }, t.tokens.admin);
    expect(typename(remove, 'removeMember')).toBe('GrantCeilingError');
    expect(await canMap(ts, t.tokens.owner!, t.orgId, ['org:own'])).toEqual({ 'org:own': true });
  });

  it('R4 R5 nobody changes their own role: the owner is told to transfer ownership first (LastOwnerError), an admin gets SelfRoleChangeError', async () => {
    const t = await newTeam();
    const owner = await ts.gql(SET_ROLES, { m: t.members.owner!.gid.membership, r: [t.roleIds.admin] }, t.tokens.owner);
    expect(typename(owner, 'setMemberRoles')).toBe('LastOwnerError');
    expect(owner.data.setMemberRoles.message).toBe("This is the organization's only Owner: transfer ownership to another member first.");
    const admin = await ts.gql(SET_ROLES, { m: t.members.admin!.gid.membership, r: [t.roleIds.developer] }, t.tokens.admin);
    expect(typename(admin, 'setMemberRoles')).toBe('SelfRoleChangeError');
    expect(await canMap(ts, t.tokens.admin!, t.orgId, ['members:invite'])).toEqual({ 'members:invite': true });
  });

  it('R4 another admin or the owner changes an admin\'s role, effective immediately (R2)', async () => {
    const t = await newTeam();
    const secondAdmin = await addMember(ts, t.orgId, ['admin']);
    const token = (await signIn(ts, secondAdmin.email)).accessToken;
    const res = await ts.gql(SET_ROLES, { m: secondAdmin.gid.membership, r: [t.roleIds.developer] }, t.tokens.admin);
    expect(res.data.setMemberRoles).toMatchObject({ __typename: 'Membership', roles: [{ key: 'developer' }] });
    expect(await canMap(ts, token, t.orgId, ['members:invite', 'deployments:create'])).toEqual({ 'members:invite': false, 'deployments:create': true });
    const back = await ts.gql(SET_ROLES, { m: secondAdmin.gid.membership, r: [t.roleIds.admin] }, t.tokens.owner);
    expect(back.data.setMemberRoles.__typename).toBe('Membership');
    expect(await canMap(ts, token, t.orgId, ['members:invite'])).toEqual({ 'members:invite': true });
  });

  it('R3 developers and viewers cannot change roles, invite or remove (FORBIDDEN)', async () => {
    const t = await newTeam();
    const target = await addMember(ts, t.orgId, ['viewer']);
    for (const role of ['developer', 'viewer']) {
      expect(code(await ts.gql(SET_ROLES, { m: target.gid.membership, r: [t.roleIds.developer] }, t.tokens[role])), role).toBe('FORBIDDEN');
      expect(code(await ts.gql(REMOVE, { m: target.gid.membership }, t.tokens[role])), role).toBe('FORBIDDEN');
      expect(code(await ts.gql(INVITE, { o: t.orgGid, e: [uniqueEmail('x')], r: [t.roleIds.viewer] }, t.tokens[role])), role).toBe('FORBIDDEN');
    }
  });

  it('R9 remove a team member: they immediately lose access; the account stays', async () => {
    const t = await newTeam();
    const dev = t.members.developer!;
    const res = await ts.gql(REMOVE, { m: dev.gid.membership }, t.tokens.admin);
    expect(res.data.removeMember.__typename).toBe('RemovedMemberPayload');
    expect(await canMap(ts, t.tokens.developer!, t.orgId, ['projects:read', 'deployments:create'])).toEqual({ 'projects:read': false, 'deployments:create': false });
    await signIn(ts, dev.email);
  });

  it('R6 R11 the single owner cannot leave (ownership moves by transfer, not by leaving)', async () => {
    const t = await newTeam();
    expect(typename(await ts.gql(LEAVE, { o: t.orgGid }, t.tokens.owner), 'leaveOrganization')).toBe('LastOwnerError');
    // Others may leave.
    expect(typename(await ts.gql(LEAVE, { o: t.orgGid }, t.tokens.viewer), 'leaveOrganization')).toBe('LeftOrganizationPayload');
  });

  it('R3 admin cannot delete the organization or manage billing; the owner can delete it', async () => {
    const t = await newTeam();
    expect(await canMap(ts, t.tokens.admin!, t.orgId, ['org:delete', 'billing:manage', 'org:update'])).toEqual({ 'org:delete': false, 'billing:manage': false, 'org:update': true });
    expect(code(await ts.gql(DELETE_ORG, { o: t.orgGid, s: t.slug }, t.tokens.admin))).toBe('FORBIDDEN');
    // Admin: "Manage ... settings".
    expect(typename(await ts.gql(UPDATE_ORG, { o: t.orgGid, n: 'Renamed by admin' }, t.tokens.admin), 'updateOrganization')).toBe('Organization');
    expect(typename(await ts.gql(DELETE_ORG, { o: t.orgGid, s: t.slug }, t.tokens.owner), 'deleteOrganization')).toBe('DeletedPayload');
    expect(await canMap(ts, t.tokens.admin!, t.orgId, ['org:read'])).toEqual({ 'org:read': false });
  });

  it('client access: a Viewer sees environments, deployments, logs and backups but cannot deploy, change or delete', async () => {
    const t = await newTeam();
    expect(await canMap(ts, t.tokens.viewer!, t.orgId, [
      'environments:read', 'deployments:read', 'logs:read', 'backups:read',
      'deployments:create', 'environments:update', 'org:update', 'environments:delete', 'projects:delete',
    ])).toEqual({
      'environments:read': true, 'deployments:read': true, 'logs:read': true, 'backups:read': true,
      'deployments:create': false, 'environments:update': false, 'org:update': false, 'environments:delete': false, 'projects:delete': false,
    });
  });
});


