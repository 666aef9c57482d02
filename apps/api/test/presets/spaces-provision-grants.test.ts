import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../../src/db/orm.ts';
import { addMember, auditCount, signIn, startTestServer, uniqueEmail, type TestServer, rawId } from '../harness.ts';
import { RESOURCE_DOCS } from '../resources-matrix.ts';
import { team, type Team } from './helpers.ts';

/**
 * Seed 004 (Spaces) adds people by provisioning ("Only admins ... assign privileges", "Operator:
 * access spaces that have been assigned to them"): provisioning carries resource grants like
 * invitations do, checked like grantResourceRole in the same transaction (R7 + R19). One test per
 * refusal path: FORBIDDEN (does not manage the space's members), R3 GrantCeilingError (more than the
 * provisioner holds on the space), R19 ResourceRoleCapError (more than the row's org role allows),
 * R1 unknown/foreign/unreadable space, R18 unknown role, duplicates and the per-person bound (R22).
 * Every refusal stores nothing: no account, no membership, no grant, no audit event (R13).
 */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'spaces' });
});
afterAll(async () => ts?.close());

const PROVISION = `mutation($o: ID!, $m: [ProvisionMemberInput!]!) { provisionMembers(organizationId: $o, members: $m) {
  __typename
  ... on ProvisionMembersPayload { results { email status temporaryPassword membership { id } } }
  ... on ValidationError { issues { path message } }
  ... on ResourceRoleCapError { roleKey allowedRoleKeys message }
  ... on GrantCeilingError { roleKeys message }
  ... on Error { message }
} }`;
const SPACES = `query($o: ID!) { node(id: $o) { ... on Organization { resourcesConnection(type: "space") { edges { node { id name viewerPermissions } } } } } }`;

async function space(t: Team, token: string, name: string): Promise<string> {
  const res = await ts.gql(RESOURCE_DOCS.CREATE, { o: t.orgGid, t: 'space', n: name }, token);
  expect(res.data?.createResource?.__typename, JSON.stringify(res)).toBe('Resource');
  return res.data.createResource.id;
}

/** A custom role of the org (Spaces has none built in beyond admin/editor/operator), signed in. */
async function withRole(t: Team, key: string, permissions: string[]): Promise<string> {
  await emOf(ts.orm).execute(`insert into role (id, org_id, key, name, permissions) values (?, ?, ?, ?, ?::text[])`, [
    crypto.randomUUID(),
    t.orgId,
    key,
    key,
    `{${permissions.join(',')}}`,
  ]);
  const member = await addMember(ts, t.orgId, [key]);
  return (await signIn(ts, member.email)).accessToken;
}

async function stored(t: Team, email: string) {
  const em = emOf(ts.orm);
  const [user] = await em.execute<{ id: string }[]>(`select id from "user" where lower(email) = ?`, [email]);
  const [grants] = await em.execute<{ n: number }[]>(`select count(*)::int as n from resource_grant g join membership m on m.id = g.membership_id where m.org_id = ?`, [t.orgId]);
  return { user: user ?? null, grants: grants!.n };
}

async function setup() {
  const t = await team(ts, 'Provision Lab', 'admin', ['editor', 'operator']);
  const alpha = await space(t, t.tokens.admin!, 'Alpha');
  return { t, alpha };
}

describe('spaces preset (seed 004): provisioning straight into a space (R7 + R19)', () => {
  it('R7 R19 an admin adds a new Operator with space_operator on one space: made with the membership, audited; the Operator sees exactly that space', async () => {
    const { t, alpha } = await setup();
    const beta = await space(t, t.tokens.admin!, 'Beta');
    const email = uniqueEmail('op');
    const before = await auditCount(ts, t.orgId);
    const res = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email, firstName: 'Otto', lastName: 'Op', roleIds: [t.roleIds.operator], resourceGrants: [{ resourceId: alpha, roleKey: 'space_operator' }] }] }, t.tokens.admin);
    expect(res.data.provisionMembers.__typename, JSON.stringify(res)).toBe('ProvisionMembersPayload');
    expect(res.data.provisionMembers.results[0].status).toBe('CREATED');
    const membershipId = Buffer.from(res.data.provisionMembers.results[0].membership.id, 'base64').toString('utf8').split(':')[1]!;
    const grants = await emOf(ts.orm).execute<{ resource_id: string; role_key: string }[]>(`select resource_id, role_key from resource_grant where membership_id = ?`, [membershipId]);
    expect(grants).toEqual([{ resource_id: rawId(alpha), role_key: 'space_operator' }]);
    // One event for the call, naming the grant.
    expect(await auditCount(ts, t.orgId)).toBe(before + 1);
    const [event] = await emOf(ts.orm).execute<{ after: { members: { resourceGrants?: unknown[] }[] } }[]>(
      `select after from audit_event where org_id = ? and action = 'members.provisioned' order by created_at desc limit 1`,
      [t.orgId],
    );
    expect(event!.after.members[0]!.resourceGrants).toEqual([{ resourceId: rawId(alpha), resource: 'Alpha', roleKey: 'space_operator' }]);
    // The new Operator, once past the forced password change, lists Alpha only (not Beta).
    await emOf(ts.orm).execute(`update "user" set must_change_password = false where lower(email) = ?`, [email]);
    const token = (await signIn(ts, email, res.data.provisionMembers.results[0].temporaryPassword)).accessToken;
    const list = await ts.gql(SPACES, { o: t.orgGid }, token);
    expect(list.data.node.resourcesConnection.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([alpha]);
    expect(list.data.node.resourcesConnection.edges[0].node.viewerPermissions).toContain('spaces:read');
    expect((await ts.gql(`query($r: ID!) { resource(id: $r) { id } }`, { r: beta }, token)).data.resource).toBeNull();
  });

  it('R19 ResourceRoleCapError: an admin cannot provision an Operator with space_editor; nothing is stored', async () => {
    const { t, alpha } = await setup();
    const email = uniqueEmail('capped');
    const before = await auditCount(ts, t.orgId);
    const res = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email, firstName: 'C', lastName: 'Apped', roleIds: [t.roleIds.operator], resourceGrants: [{ resourceId: alpha, roleKey: 'space_editor' }] }] }, t.tokens.admin);
    expect(res.data.provisionMembers).toEqual({
      __typename: 'ResourceRoleCapError',
      roleKey: 'space_editor',
      allowedRoleKeys: ['space_operator'],
      message: 'Their organization role allows at most space_operator on a space.',
    });
    expect(await stored(t, email)).toEqual({ user: null, grants: 0 });
    expect(await auditCount(ts, t.orgId)).toBe(before);
    // The same grant for an Editor is within their cap.
    const editor = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email, firstName: 'E', lastName: 'Ditor', roleIds: [t.roleIds.editor], resourceGrants: [{ resourceId: alpha, roleKey: 'space_editor' }] }] }, t.tokens.admin);
    expect(editor.data.provisionMembers.__typename).toBe('ProvisionMembersPayload');
  });

  it('R3 GrantCeilingError: a coordinator who manages members but holds only spaces:read cannot give space_editor; space_operator goes through', async () => {
    const { t, alpha } = await setup();
    const coordinator = await withRole(t, 'coordinator', ['org:read', 'members:read', 'members:invite', 'members:update', 'spaces:read', 'spaces:create']);
    const email = uniqueEmail('ceil');
    const before = await auditCount(ts, t.orgId);
    const over = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email, firstName: 'G', lastName: 'C', roleIds: [t.roleIds.editor], resourceGrants: [{ resourceId: alpha, roleKey: 'space_editor' }] }] }, coordinator);
    expect(over.data.provisionMembers).toMatchObject({ __typename: 'GrantCeilingError', roleKeys: ['space_editor'] });
    expect(await stored(t, email)).toEqual({ user: null, grants: 0 });
    expect(await auditCount(ts, t.orgId)).toBe(before);
    const within = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email, firstName: 'G', lastName: 'C', roleIds: [t.roleIds.editor], resourceGrants: [{ resourceId: alpha, roleKey: 'space_operator' }] }] }, coordinator);
    expect(within.data.provisionMembers.__typename).toBe('ProvisionMembersPayload');
  });

  it('FORBIDDEN: a recruiter who reads the space but neither manages members nor may assign on it cannot put anyone on it; nothing is stored', async () => {
    const { t, alpha } = await setup();
    const recruiter = await withRole(t, 'recruiter', ['org:read', 'members:read', 'members:invite', 'spaces:read']);
    const email = uniqueEmail('forbidden');
    const before = await auditCount(ts, t.orgId);
    const res = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email, firstName: 'F', lastName: 'B', roleIds: [t.roleIds.operator], resourceGrants: [{ resourceId: alpha, roleKey: 'space_operator' }] }] }, recruiter);
    expect(res.data?.provisionMembers ?? null).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await stored(t, email)).toEqual({ user: null, grants: 0 });
    expect(await auditCount(ts, t.orgId)).toBe(before);
    // Without the grant the same recruiter provisions the Operator (members:invite).
    const plain = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email, firstName: 'F', lastName: 'B', roleIds: [t.roleIds.operator] }] }, recruiter);
    expect(plain.data.provisionMembers.__typename).toBe('ProvisionMembersPayload');
  });

  it('R1 R18 R22 a foreign, unknown or unreadable space answers alike; unknown roles, duplicates and too many grants name their field', async () => {
    const { t, alpha } = await setup();
    const other = await setup();
    // Reads no space at all (no spaces:read): Alpha is as unknown to them as a random id.
    const blind = await withRole(t, 'blind', ['org:read', 'members:read', 'members:invite', 'members:update']);
    const issues = async (grants: unknown, token = t.tokens.admin!) => {
      const res = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email: uniqueEmail('x'), firstName: 'X', lastName: 'Y', roleIds: [t.roleIds.operator], resourceGrants: grants }] }, token);
      expect(res.data.provisionMembers.__typename, JSON.stringify(res)).toBe('ValidationError');
      return res.data.provisionMembers.issues as { path: string[]; message: string }[];
    };
    const noSuch = [{ path: ['members', '0', 'resourceGrants', '0', 'resourceId'], message: 'No such resource in this organization' }];
    expect(await issues([{ resourceId: other.alpha, roleKey: 'space_operator' }])).toEqual(noSuch);
    expect(await issues([{ resourceId: crypto.randomUUID(), roleKey: 'space_operator' }])).toEqual(noSuch);
    expect(await issues([{ resourceId: 'not-an-id', roleKey: 'space_operator' }])).toEqual(noSuch);
    expect(await issues([{ resourceId: alpha, roleKey: 'space_operator' }], blind)).toEqual(noSuch);
    expect((await issues([{ resourceId: alpha, roleKey: 'space_king' }]))[0]!.path).toEqual(['members', '0', 'resourceGrants', '0', 'roleKey']);
    expect(await issues([{ resourceId: alpha, roleKey: 'space_operator' }, { resourceId: alpha, roleKey: 'space_operator' }])).toEqual([
      { path: ['members', '0', 'resourceGrants', '1', 'resourceId'], message: 'This resource is listed twice' },
    ]);
    const many = Array.from({ length: 21 }, () => ({ resourceId: crypto.randomUUID(), roleKey: 'space_operator' }));
    expect(await issues(many)).toEqual([{ path: ['members', '0', 'resourceGrants'], message: 'Use at most 20 resource grants per person' }]);
    expect(await stored(t, 'nobody')).toMatchObject({ grants: 0 });
  });

  it('R7 a row for someone already a member changes nothing, its grants included (grantResourceRole is the way for members)', async () => {
    const { t, alpha } = await setup();
    const res = await ts.gql(PROVISION, { o: t.orgGid, m: [{ email: t.members.operator!.email, roleIds: [t.roleIds.operator], resourceGrants: [{ resourceId: alpha, roleKey: 'space_operator' }] }] }, t.tokens.admin);
    expect(res.data.provisionMembers.results[0].status).toBe('ALREADY_MEMBER');
    expect((await stored(t, t.members.operator!.email)).grants).toBe(0);
  });
});
