import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../../src/db/orm.ts';
import { addMember, signIn, startTestServer, uniqueEmail, type TestServer } from '../harness.ts';
import {
  ACCEPT, DELETE_USER, EXPLAIN, INVITE, LEAVE, PRESET, PROVISION, REMOVE, SET_ROLES, SET_STATUS,
  canMap, code, expectTable, invitationToken, platformAdmin, team, typename,
} from './helpers.ts';

/** Seed 003 (CloudTruth): several owners, comma-separated invitations, only owners grant owner, only admins and owners leave. */
let ts: TestServer;
let pa: { userId: string; token: string };
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'cloudtruth' });
  pa = await platformAdmin(ts);
});
afterAll(async () => ts?.close());

const ROLES = ['owner', 'admin', 'contributor', 'viewer', 'viewer_no_secrets'];
const ALL = ROLES;
const OAC = ['owner', 'admin', 'contributor'];
const OA = ['owner', 'admin'];
const newTeam = (name = 'Truth') => team(ts, name, 'owner', ['admin', 'contributor', 'viewer', 'viewer_no_secrets']);
const REVOKE = `mutation($i: ID!) { revokeInvitation(invitationId: $i) { __typename ... on Error { message } ... on Invitation { status } } }`;
const RESEND = `mutation($i: ID!) { resendInvitation(invitationId: $i) { __typename ... on Error { message } ... on RateLimitedError { retryAfterSeconds } ... on ResendInvitationPayload { invitation { sendCount } } } }`;
const USER_STATUS = `mutation($u: ID!, $s: UserStatus!) { setUserStatus(userId: $u, status: $s) { __typename ... on Error { message } ... on User { status } } }`;
const INVITATIONS = `query($o: ID!) { node(id: $o) { ... on Organization { invitations(first: 20, status: [PENDING]) { totalCount edges { node { email } } } } } }`;

describe('cloudtruth preset (seed 003): users', () => {
  it('the active preset is cloudtruth: several owners, invitations, leaving needs members:invite', async () => {
    const res = await ts.gql(PRESET);
    expect(res.data.preset.key).toBe('cloudtruth');
    expect(res.data.preset.roles.map((r: { key: string }) => r.key)).toEqual(ROLES);
    expect(res.data.preset.policy).toMatchObject({ ownerModel: 'multiple', invitations: true, provisioning: false, leaveRequiresPermission: 'members:invite' });
  });

  it('R3 "Organization Permissions" table, row by row, through can()', async () => {
    const t = await newTeam();
    await expectTable(ts, t, ROLES, {
      'members:read': ALL, // View list of users
      'tokens:create': OAC, // Create personal API access tokens
      'integrations:manage': OA, // Create - Update - Delete 3rd-party integrations
      'members:invite': OA, // Manage and invite users
      'members:remove': OA,
      'audit:read': OA, // View and Download audit logs
      'members:update': OA, // Update non owner roles and users
      'org:own': ['owner'], // Update owner role and users
      'billing:manage': ['owner'], // Manage Account
      'org:update': ['owner'],
      'org:delete': ['owner'],
    });
  });

  it('R3 "Configuration Permissions" table, row by row; viewer_no_secrets lacks secrets:read', async () => {
    const t = await newTeam();
    await expectTable(ts, t, ROLES, {
      'projects:read': ALL, // Switch Projects
      'parameters:read': ALL, // View Project Parameters
      'secrets:read': ['owner', 'admin', 'contributor', 'viewer'], // View Project Secrets (not VIEWERNOSECRETS)
      'templates:read': ALL, // View Project Templates
      'environments:create': OAC, 'environments:update': OAC, 'environments:delete': OAC,
      'projects:create': OAC, 'projects:update': OAC, 'projects:delete': OAC,
      'parameters:create': OAC, 'parameters:update': OAC, 'parameters:delete': OAC,
      'templates:create': OAC, 'templates:update': OAC, 'templates:delete': OAC,
    });
    const why = await ts.gql(EXPLAIN, { o: t.orgGid, u: t.members.viewer_no_secrets!.gid.user, p: 'secrets:read' }, t.tokens.admin);
    expect(why.data.explainPermission).toMatchObject({ allowed: false, grantedBy: [] });
  });

  it('R8 owners and admins invite a comma-delimited list; each address gets its own pending invitation', async () => {
    const t = await newTeam();
    const emails = [uniqueEmail('c1'), uniqueEmail('c2'), uniqueEmail('c3')];
    const res = await ts.gql(INVITE, { o: t.orgGid, e: [emails.join(', ')], r: [t.roleIds.contributor] }, t.tokens.admin);
    expect(typename(res, 'inviteMembers')).toBe('InviteMembersPayload');
    expect(res.data.inviteMembers.results.map((r: { email: string; status: string }) => [r.email, r.status])).toEqual(emails.map((e) => [e, 'INVITED']));
    const byOwner = await ts.gql(INVITE, { o: t.orgGid, e: [uniqueEmail('o1')], r: [t.roleIds.viewer] }, t.tokens.owner);
    expect(typename(byOwner, 'inviteMembers')).toBe('InviteMembersPayload');
    const listed = (await ts.gql(INVITATIONS, { o: t.orgGid }, t.tokens.admin)).data.node.invitations;
    expect(listed.totalCount).toBe(4);
  });

  it('R8 contributors and viewers cannot invite (FORBIDDEN)', async () => {
    const t = await newTeam();
    for (const role of ['contributor', 'viewer', 'viewer_no_secrets']) {
      expect(code(await ts.gql(INVITE, { o: t.orgGid, e: [uniqueEmail('x')], r: [t.roleIds.viewer] }, t.tokens[role])), role).toBe('FORBIDDEN');
    }
  });

  it('R3 only an owner may invite owners: an admin inviting an owner gets GrantCeilingError; admins may invite admins', async () => {
    const t = await newTeam();
    const asOwner = await ts.gql(INVITE, { o: t.orgGid, e: [uniqueEmail('own')], r: [t.roleIds.owner] }, t.tokens.admin);
    expect(asOwner.data.inviteMembers).toMatchObject({ __typename: 'GrantCeilingError', ownerOnly: true });
    const asAdmin = await ts.gql(INVITE, { o: t.orgGid, e: [uniqueEmail('adm')], r: [t.roleIds.admin] }, t.tokens.admin);
    expect(asAdmin.data.inviteMembers.results[0].status).toBe('INVITED');
    const ownerInvitesOwner = await ts.gql(INVITE, { o: t.orgGid, e: [uniqueEmail('own2')], r: [t.roleIds.owner] }, t.tokens.owner);
    expect(ownerInvitesOwner.data.inviteMembers.results[0].status).toBe('INVITED');
  });

  it('R8 an invitation can be resent or deleted; after acceptance the user is listed and the invitation is gone', async () => {
    const t = await newTeam();
    const [keep, drop] = [uniqueEmail('keep'), uniqueEmail('drop')];
    const res = await ts.gql(INVITE, { o: t.orgGid, e: [`${keep},${drop}`], r: [t.roleIds.contributor] }, t.tokens.owner);
    const [keepInv, dropInv] = res.data.inviteMembers.results.map((r: { invitation: { id: string } }) => r.invitation.id);
    expect((await ts.gql(REVOKE, { i: dropInv }, t.tokens.owner)).data.revokeInvitation).toMatchObject({ __typename: 'Invitation', status: 'REVOKED' });
    // Resending right away is throttled (once a minute); a minute later it goes out again.
    expect(typename(await ts.gql(RESEND, { i: keepInv }, t.tokens.owner), 'resendInvitation')).toBe('RateLimitedError');
    await emOf(ts.orm).execute(`update invitation set last_sent_at = now() - interval '2 minutes' where id = ?`, [Buffer.from(keepInv, 'base64').toString().split(':')[1]]);
    expect((await ts.gql(RESEND, { i: keepInv }, t.tokens.owner)).data.resendInvitation).toMatchObject({ __typename: 'ResendInvitationPayload', invitation: { sendCount: 2 } });

    const token = await invitationToken(ts, pa.token, keep);
    const accepted = await ts.gql(ACCEPT, { t: token, f: 'Kay', l: 'Keep', p: 'a-long-enough-passphrase' });
    expect(accepted.data.acceptInvitation).toMatchObject({ __typename: 'AcceptInvitationPayload', membership: { roles: [{ key: 'contributor' }] } });
    expect((await ts.gql(INVITATIONS, { o: t.orgGid }, t.tokens.owner)).data.node.invitations.totalCount).toBe(0);
    expect(await canMap(ts, accepted.data.acceptInvitation.auth.accessToken, t.orgId, ['parameters:create', 'members:invite'])).toEqual({ 'parameters:create': true, 'members:invite': false });
  });

  it('R7 provisioning is off: users join by invitation only (provisionMembers → PolicyError)', async () => {
    const t = await newTeam();
    const res = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email: uniqueEmail('p'), roleIds: [t.roleIds.viewer] }] }, t.tokens.owner);
    expect(typename(res, 'provisionMembers')).toBe('PolicyError');
  });

  it('R3 only owners grant owner: an admin gets GrantCeilingError, an owner succeeds (effective at once, R2)', async () => {
    const t = await newTeam();
    const byAdmin = await ts.gql(SET_ROLES, { m: t.members.contributor!.gid.membership, r: [t.roleIds.owner] }, t.tokens.admin);
    expect(byAdmin.data.setMemberRoles).toMatchObject({ __typename: 'GrantCeilingError', ownerOnly: true });
    expect(await canMap(ts, t.tokens.contributor!, t.orgId, ['org:own'])).toEqual({ 'org:own': false });

    const byOwner = await ts.gql(SET_ROLES, { m: t.members.contributor!.gid.membership, r: [t.roleIds.owner] }, t.tokens.owner);
    expect(byOwner.data.setMemberRoles).toMatchObject({ __typename: 'Membership', roles: [{ key: 'owner' }] });
    expect(await canMap(ts, t.tokens.contributor!, t.orgId, ['org:own', 'billing:manage'])).toEqual({ 'org:own': true, 'billing:manage': true });
  });

  it('R3 admins update non-owner roles and users, but cannot demote or remove an owner', async () => {
    const t = await newTeam();
    const up = await ts.gql(SET_ROLES, { m: t.members.viewer!.gid.membership, r: [t.roleIds.admin] }, t.tokens.admin);
    expect(up.data.setMemberRoles).toMatchObject({ __typename: 'Membership', roles: [{ key: 'admin' }] });
    const secondOwner = await addMember(ts, t.orgId, ['owner']);
    const demote = await ts.gql(SET_ROLES, { m: secondOwner.gid.membership, r: [t.roleIds.viewer] }, t.tokens.admin);
    expect(demote.data.setMemberRoles).toMatchObject({ __typename: 'GrantCeilingError', ownerOnly: true });
    const remove = await ts.gql(REMOVE, { m: secondOwner.gid.membership }, t.tokens.admin);
    expect(typename(remove, 'removeMember')).toBe('GrantCeilingError');
    const removeContributor = await ts.gql(REMOVE, { m: t.members.contributor!.gid.membership }, t.tokens.admin);
    expect(typename(removeContributor, 'removeMember')).toBe('RemovedMemberPayload');
  });

  it('R5 the only owner cannot be downgraded (LastOwnerError); with two owners one may downgrade the other', async () => {
    const t = await newTeam();
    // Only one owner: even a platform admin (who passes every ceiling) cannot downgrade them.
    const alone = await ts.gql(SET_ROLES, { m: t.members.owner!.gid.membership, r: [t.roleIds.admin] }, pa.token);
    expect(typename(alone, 'setMemberRoles')).toBe('LastOwnerError');
    const second = await addMember(ts, t.orgId, ['owner']);
    const secondToken = (await signIn(ts, second.email)).accessToken;
    const ok = await ts.gql(SET_ROLES, { m: t.members.owner!.gid.membership, r: [t.roleIds.admin] }, secondToken);
    expect(ok.data.setMemberRoles).toMatchObject({ __typename: 'Membership', roles: [{ key: 'admin' }] });
    expect(await canMap(ts, t.tokens.owner!, t.orgId, ['org:own', 'members:update'])).toEqual({ 'org:own': false, 'members:update': true });
    // Now `second` is the only owner: "the account CANNOT be downgraded ... another user must be assigned the Owner role".
    const self = await ts.gql(SET_ROLES, { m: second.gid.membership, r: [t.roleIds.admin] }, secondToken);
    expect(typename(self, 'setMemberRoles')).toBe('LastOwnerError');
    expect(self.data.setMemberRoles.message).toBe("This is the organization's only Owner: another user must be made Owner first.");
    expect(typename(await ts.gql(SET_ROLES, { m: second.gid.membership, r: [t.roleIds.admin] }, pa.token), 'setMemberRoles')).toBe('LastOwnerError');
  });

  it('R5 the only owner cannot be removed, and cannot leave (LastOwnerError)', async () => {
    const t = await newTeam();
    // A platform admin holds every permission but the floor still applies.
    const remove = await ts.gql(REMOVE, { m: t.members.owner!.gid.membership }, pa.token);
    expect(typename(remove, 'removeMember')).toBe('LastOwnerError');
    expect(typename(await ts.gql(LEAVE, { o: t.orgGid }, t.tokens.owner), 'leaveOrganization')).toBe('LastOwnerError');
    expect(await canMap(ts, t.tokens.owner!, t.orgId, ['org:own'])).toEqual({ 'org:own': true });
  });

  it('R5 the owner floor holds on every path: deleting or disabling the only owner\'s account is refused', async () => {
    const t = await newTeam();
    const del = await ts.gql(DELETE_USER, { u: t.members.owner!.gid.user }, pa.token);
    expect(typename(del, 'deleteUser')).toBe('LastOwnerError');
    const off = await ts.gql(USER_STATUS, { u: t.members.owner!.gid.user, s: 'DISABLED' }, pa.token);
    expect(typename(off, 'setUserStatus')).toBe('LastOwnerError');
    const member = await ts.gql(SET_STATUS, { m: t.members.owner!.gid.membership, s: 'DISABLED' }, pa.token);
    expect(typename(member, 'setMembershipStatus')).toBe('LastOwnerError');
    expect(await canMap(ts, t.tokens.owner!, t.orgId, ['org:own'])).toEqual({ 'org:own': true });
  });

  it('R5 two owners demoting each other at the same moment: exactly one succeeds, one owner remains', async () => {
    const t = await newTeam();
    const second = await addMember(ts, t.orgId, ['owner']);
    const secondToken = (await signIn(ts, second.email)).accessToken;
    const [a, b] = await Promise.all([
      ts.gql(SET_ROLES, { m: second.gid.membership, r: [t.roleIds.admin] }, t.tokens.owner),
      ts.gql(SET_ROLES, { m: t.members.owner!.gid.membership, r: [t.roleIds.admin] }, secondToken),
    ]);
    const outcomes = [typename(a, 'setMemberRoles'), typename(b, 'setMemberRoles')];
    expect(outcomes.filter((o) => o === 'Membership')).toHaveLength(1);
    // The loser was demoted first (ceiling) or would have left no owner (floor).
    expect(['GrantCeilingError', 'LastOwnerError']).toContain(outcomes.find((o) => o !== 'Membership'));
    const owners = [await canMap(ts, t.tokens.owner!, t.orgId, ['org:own']), await canMap(ts, secondToken, t.orgId, ['org:own'])].filter((c) => c['org:own']);
    expect(owners).toHaveLength(1);
  });

  it('R5 R11 with a second owner assigned first, an owner can leave', async () => {
    const t = await newTeam();
    const grant = await ts.gql(SET_ROLES, { m: t.members.admin!.gid.membership, r: [t.roleIds.owner] }, t.tokens.owner);
    expect(grant.data.setMemberRoles.__typename).toBe('Membership');
    expect(typename(await ts.gql(LEAVE, { o: t.orgGid }, t.tokens.owner), 'leaveOrganization')).toBe('LeftOrganizationPayload');
    expect(await canMap(ts, t.tokens.owner!, t.orgId, ['org:read'])).toEqual({ 'org:read': false });
    // Now the former admin is the only owner and cannot leave.
    expect(typename(await ts.gql(LEAVE, { o: t.orgGid }, t.tokens.admin), 'leaveOrganization')).toBe('LastOwnerError');
  });

  it('R11 only admins and owners can leave: contributor and viewers get PolicyError, an admin leaves', async () => {
    const t = await newTeam();
    for (const role of ['contributor', 'viewer', 'viewer_no_secrets']) {
      expect(typename(await ts.gql(LEAVE, { o: t.orgGid }, t.tokens[role]), 'leaveOrganization'), role).toBe('PolicyError');
      expect(await canMap(ts, t.tokens[role]!, t.orgId, ['org:read']), role).toEqual({ 'org:read': true });
    }
    expect(typename(await ts.gql(LEAVE, { o: t.orgGid }, t.tokens.admin), 'leaveOrganization')).toBe('LeftOrganizationPayload');
  });

  it('R4 nobody changes their own role', async () => {
    const t = await newTeam();
    const res = await ts.gql(SET_ROLES, { m: t.members.admin!.gid.membership, r: [t.roleIds.viewer] }, t.tokens.admin);
    expect(typename(res, 'setMemberRoles')).toBe('SelfRoleChangeError');
  });
});
