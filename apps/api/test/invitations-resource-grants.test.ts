/**
 * Invitations that carry resource grants (R8 + R19, OEC.SH preset: the preset with invitations and
 * project roles): invite someone straight into a project. Checked at invitation time like grantResourceRole (R3 ceiling on the resource, R19 cap of the
 * invited org role), re-checked on acceptance against the inviter's rights then (skipped and said
 * so when no longer allowed); a project deleted before acceptance is simply not granted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../src/db/orm.ts';
import { hashToken } from '../src/auth/refresh-token.ts';
import { addMember, auditCount, createOrg, createUser, gid, rawId, roleGid, signIn, startTestServer, uniqueEmail, type TestServer } from './harness.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'oec' });
});
afterAll(async () => ts?.close());

const INVITE = `mutation($o: ID!, $e: [String!]!, $r: [ID!]!, $g: [InvitationResourceGrantInput!], $d: Boolean) {
  inviteMembers(organizationId: $o, emails: $e, roleIds: $r, resourceGrants: $g, dryRun: $d) {
    __typename
    ... on InviteMembersPayload { results { email status invitation { id resourceGrants { resourceId resourceName roleKey } } } }
    ... on ValidationError { issues { path message } }
    ... on ResourceRoleCapError { roleKey allowedRoleKeys message }
    ... on GrantCeilingError { roleKeys message }
    ... on Error { message }
  } }`;
const ACCEPT = `mutation($t: String!) { acceptInvitation(token: $t, firstName: "Ada", password: "correct-horse-battery-9") {
  __typename
  ... on AcceptInvitationPayload { membership { id } resourceGrants { resourceId roleKey applied reason message } }
  ... on Error { message } } }`;
const CREATE = `mutation($o: ID!, $n: String!) { createResource(organizationId: $o, type: "project", name: $n) { __typename ... on Resource { id } } }`;

async function setup() {
  const admin = await createUser(ts.orm);
  const org = await createOrg(ts, 'Invite Lab', admin.id);
  const em = emOf(ts.orm);
  // A role that invites and manages members and holds a developer's project permissions, not a project admin's.
  await em.execute(
    `insert into role (id, org_id, key, name, permissions)
     select ?, org_id, 'recruiter', 'Recruiter', permissions || '{members:invite,members:update}'::text[] from role where org_id = ? and key = 'developer'`,
    [crypto.randomUUID(), org.id],
  );
  const recruiter = await addMember(ts, org.id, ['recruiter']);
  const token = async (email: string) => (await signIn(ts, email)).accessToken;
  const tokens = { admin: await token(admin.email), recruiter: await token(recruiter.email) };
  const orgGid = gid('Organization', org.id);
  const space = (await ts.gql(CREATE, { o: orgGid, n: 'Apollo' }, tokens.admin)).data.createResource.id as string;
  const roles = { restricted: await roleGid(ts, org.id, 'restricted_developer'), developer: await roleGid(ts, org.id, 'developer') };
  return { org, orgGid, recruiter, tokens, project: space, roles };
}

/** Gives an invitation a token the test knows (the mail is not what is under test here). */
async function tokenFor(invitationGid: string): Promise<string> {
  const id = Buffer.from(invitationGid, 'base64').toString('utf8').split(':')[1]!;
  const token = `tok_${crypto.randomUUID().replaceAll('-', '')}`;
  await emOf(ts.orm).execute(`update invitation set token_hash = ? where id = ?`, [hashToken(token), id]);
  return token;
}

async function grantsOf(membershipGid: string): Promise<{ resource_id: string; role_key: string }[]> {
  const id = Buffer.from(membershipGid, 'base64').toString('utf8').split(':')[1]!;
  return emOf(ts.orm).execute(`select resource_id, role_key from resource_grant where membership_id = ?`, [id]);
}

describe('invitations carrying resource grants', () => {
  it('R8 R19 an admin invites a restricted developer straight into a project; accepting makes the grant in the same transaction, audited', async () => {
    const t = await setup();
    const email = uniqueEmail('op');
    const invited = await ts.gql(INVITE, { o: t.orgGid, e: [email], r: [t.roles.restricted], g: [{ resourceId: t.project, roleKey: 'project_developer' }] }, t.tokens.admin);
    const result = invited.data.inviteMembers.results[0];
    expect(result.status).toBe('INVITED');
    expect(result.invitation.resourceGrants).toEqual([{ resourceId: t.project, resourceName: 'Apollo', roleKey: 'project_developer' }]);

    const before = await auditCount(ts, t.org.id);
    const accepted = await ts.gql(ACCEPT, { t: await tokenFor(result.invitation.id) });
    expect(accepted.data.acceptInvitation.__typename).toBe('AcceptInvitationPayload');
    expect(accepted.data.acceptInvitation.resourceGrants).toEqual([{ resourceId: t.project, roleKey: 'project_developer', applied: true, reason: null, message: null }]);
    expect(await grantsOf(accepted.data.acceptInvitation.membership.id)).toEqual([{ resource_id: rawId(t.project), role_key: 'project_developer' }]);
    // One event for the acceptance, naming the grant.
    expect(await auditCount(ts, t.org.id)).toBe(before + 1);
    const [event] = await emOf(ts.orm).execute<{ after: unknown }[]>(`select after from audit_event where org_id = ? and action = 'invitation.accepted'`, [t.org.id]);
    expect(JSON.stringify(event!.after)).toContain('project_developer');
  });

  it('R19 OEC restricted developer invited into one project lists and reads exactly that project; a dry run stores nothing', async () => {
    const t = await setup();
    const other = (await ts.gql(CREATE, { o: t.orgGid, n: 'Zeus' }, t.tokens.admin)).data.createResource.id as string;
    const email = uniqueEmail('dev');
    const dry = await ts.gql(INVITE, { o: t.orgGid, e: [email], r: [t.roles.restricted], g: [{ resourceId: t.project, roleKey: 'project_developer' }], d: true }, t.tokens.admin);
    expect(dry.data.inviteMembers.results[0]).toMatchObject({ status: 'INVITED', invitation: null });
    const n = (await emOf(ts.orm).execute<{ n: number }[]>(`select count(*)::int as n from invitation_resource_grant where resource_id = ?`, [rawId(t.project)]))[0]!.n;
    expect(n).toBe(0);
    const invited = await ts.gql(INVITE, { o: t.orgGid, e: [email], r: [t.roles.restricted], g: [{ resourceId: t.project, roleKey: 'project_developer' }] }, t.tokens.admin);
    const accepted = await ts.gql(ACCEPT, { t: await tokenFor(invited.data.inviteMembers.results[0].invitation.id) });
    expect(accepted.data.acceptInvitation.resourceGrants[0].applied).toBe(true);
    const dev = (await signIn(ts, email)).accessToken;
    const list = await ts.gql(`query($o: ID!) { node(id: $o) { ... on Organization { resourcesConnection(type: "project") { edges { node { id } } } } } }`, { o: t.orgGid }, dev);
    expect(list.data.node.resourcesConnection.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([t.project]);
    expect((await ts.gql(`query($r: ID!) { resource(id: $r) { id } }`, { r: other }, dev)).data.resource).toBeNull();
  });

  it("R3 a grant must lie within what the inviter holds on the project: a recruiter with a developer's permissions invites project developers, not project admins", async () => {
    const t = await setup();
    const over = await ts.gql(INVITE, { o: t.orgGid, e: [uniqueEmail('ed')], r: [t.roles.developer], g: [{ resourceId: t.project, roleKey: 'project_admin' }] }, t.tokens.recruiter);
    expect(over.data.inviteMembers).toMatchObject({ __typename: 'GrantCeilingError', roleKeys: ['project_admin'] });
    const within = await ts.gql(INVITE, { o: t.orgGid, e: [uniqueEmail('op')], r: [t.roles.restricted], g: [{ resourceId: t.project, roleKey: 'project_developer' }] }, t.tokens.recruiter);
    expect(within.data.inviteMembers.results[0].status).toBe('INVITED');
  });

  it('R1 R18 a project of another org answers like an unknown one; unknown roles and duplicates name their field', async () => {
    const t = await setup();
    const other = await setup();
    const e = [uniqueEmail('x')];
    const issuesOf = async (g: unknown) => {
      const res = await ts.gql(INVITE, { o: t.orgGid, e, r: [t.roles.restricted], g }, t.tokens.admin);
      expect(res.data.inviteMembers.__typename).toBe('ValidationError');
      return res.data.inviteMembers.issues;
    };
    const foreign = await issuesOf([{ resourceId: other.project, roleKey: 'project_developer' }]);
    const unknown = await issuesOf([{ resourceId: crypto.randomUUID(), roleKey: 'project_developer' }]);
    expect(foreign).toEqual(unknown);
    expect(foreign[0].path).toEqual(['resourceGrants', '0', 'resourceId']);
    expect((await issuesOf([{ resourceId: t.project, roleKey: 'project_king' }]))[0].path).toEqual(['resourceGrants', '0', 'roleKey']);
    expect((await issuesOf([{ resourceId: t.project, roleKey: 'project_developer' }, { resourceId: t.project, roleKey: 'project_developer' }]))[0].path).toEqual(['resourceGrants', '1', 'resourceId']);
    // The database itself refuses a grant row naming another organization's project.
    const [inv] = await emOf(ts.orm).execute<{ id: string }[]>(
      `insert into invitation (id, org_id, email, token_hash, status, expires_at) values (?, ?, ?, ?, 'PENDING', now() + interval '1 day') returning id`,
      [crypto.randomUUID(), t.org.id, uniqueEmail('db'), crypto.randomUUID()],
    );
    await expect(
      emOf(ts.orm).execute(`insert into invitation_resource_grant (invitation_id, resource_id, org_id, role_key) values (?, ?, ?, 'project_developer')`, [inv!.id, rawId(other.project), t.org.id]),
    ).rejects.toThrow();
  });

  it("R3 re-checked on acceptance: the inviter lost the right meanwhile, so the grant is skipped and said so; the membership is still made", async () => {
    const t = await setup();
    const invited = await ts.gql(INVITE, { o: t.orgGid, e: [uniqueEmail('late')], r: [t.roles.restricted], g: [{ resourceId: t.project, roleKey: 'project_developer' }] }, t.tokens.recruiter);
    const invitation = invited.data.inviteMembers.results[0].invitation;
    // The recruiter is demoted to viewer (no members:update) before the invitee accepts.
    await emOf(ts.orm).execute(
      `update membership_role set role_id = (select id from role where org_id = ? and key = 'viewer') where membership_id = ?`,
      [t.org.id, t.recruiter.membershipId],
    );
    const accepted = await ts.gql(ACCEPT, { t: await tokenFor(invitation.id) });
    expect(accepted.data.acceptInvitation.__typename).toBe('AcceptInvitationPayload');
    const [outcome] = accepted.data.acceptInvitation.resourceGrants;
    expect(outcome).toMatchObject({ resourceId: t.project, applied: false, reason: 'NOT_ALLOWED' });
    expect(outcome.message).toMatch(/invited you/);
    expect(await grantsOf(accepted.data.acceptInvitation.membership.id)).toEqual([]);
    const [event] = await emOf(ts.orm).execute<{ after: unknown }[]>(`select after from audit_event where org_id = ? and action = 'invitation.accepted'`, [t.org.id]);
    expect(JSON.stringify(event!.after)).toContain('resourceGrantsSkipped');
  });

  it('R8 a project deleted before acceptance is skipped: the invitation no longer lists it and accepting grants nothing', async () => {
    const t = await setup();
    const invited = await ts.gql(INVITE, { o: t.orgGid, e: [uniqueEmail('gone')], r: [t.roles.restricted], g: [{ resourceId: t.project, roleKey: 'project_developer' }] }, t.tokens.admin);
    const invitation = invited.data.inviteMembers.results[0].invitation;
    const deleted = await ts.gql(`mutation($r: ID!) { deleteResource(resourceId: $r) { __typename } }`, { r: t.project }, t.tokens.admin);
    expect(deleted.data.deleteResource.__typename).toBe('DeletedResourcePayload');
    const listed = await ts.gql(`query($o: ID!) { node(id: $o) { ... on Organization { invitations(first: 5) { edges { node { id resourceGrants { resourceId } } } } } } }`, { o: t.orgGid }, t.tokens.admin);
    const node = listed.data.node.invitations.edges.find((e: { node: { id: string } }) => e.node.id === invitation.id).node;
    expect(node.resourceGrants).toEqual([]);
    const accepted = await ts.gql(ACCEPT, { t: await tokenFor(invitation.id) });
    expect(accepted.data.acceptInvitation.__typename).toBe('AcceptInvitationPayload');
    expect(accepted.data.acceptInvitation.resourceGrants).toEqual([]);
    expect(await grantsOf(accepted.data.acceptInvitation.membership.id)).toEqual([]);
  });
});
