/**
 * R1 within the org for invitations that carry resource grants (OEC.SH): whoever sees an invitation
 * (members:read or members:invite) learns which resource roles it gives, but a resource's name only
 * when they may read that resource; otherwise `resourceName` is null. Checked on the organization's
 * invitation list and on the invitation node, for a restricted developer (members:read, no
 * projects:read) granted one of the two projects, against the admin who reads both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createOrg, createUser, gid, roleGid, signIn, startTestServer, uniqueEmail, type TestServer } from './harness.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'oec' });
});
afterAll(async () => ts?.close());

const CREATE = `mutation($o: ID!, $n: String!) { createResource(organizationId: $o, type: "project", name: $n) { __typename ... on Resource { id } } }`;
const GRANT = `mutation($r: ID!, $m: ID!, $k: String!) { grantResourceRole(resourceId: $r, membershipId: $m, roleKey: $k) { __typename ... on Error { message } } }`;
const INVITE = `mutation($o: ID!, $e: [String!]!, $r: [ID!]!, $g: [InvitationResourceGrantInput!]) {
  inviteMembers(organizationId: $o, emails: $e, roleIds: $r, resourceGrants: $g) {
    __typename ... on InviteMembersPayload { results { invitation { id } } } ... on Error { message } } }`;
const GRANTS = `resourceGrants { resourceId resourceType resourceName roleKey }`;
const LIST = `query($o: ID!) { node(id: $o) { ... on Organization { invitations(first: 10) { edges { node { id ${GRANTS} } } } } } }`;
const NODE = `query($i: ID!) { node(id: $i) { ... on Invitation { id ${GRANTS} } } }`;

async function setup() {
  const admin = await createUser(ts.orm);
  const org = await createOrg(ts, 'Names Lab', admin.id);
  const orgGid = gid('Organization', org.id);
  const adminToken = (await signIn(ts, admin.email)).accessToken;
  const apollo = (await ts.gql(CREATE, { o: orgGid, n: 'Apollo' }, adminToken)).data.createResource.id as string;
  const secret = (await ts.gql(CREATE, { o: orgGid, n: 'Secret merger' }, adminToken)).data.createResource.id as string;
  // A restricted developer (members:read, no projects:*) given a role on Apollo only.
  const dev = await addMember(ts, org.id, ['restricted_developer']);
  expect((await ts.gql(GRANT, { r: apollo, m: dev.gid.membership, k: 'project_developer' }, adminToken)).data.grantResourceRole.__typename).toBe('Resource');
  const devToken = (await signIn(ts, dev.email)).accessToken;
  const invited = await ts.gql(
    INVITE,
    {
      o: orgGid,
      e: [uniqueEmail('new')],
      r: [await roleGid(ts, org.id, 'restricted_developer')],
      g: [
        { resourceId: apollo, roleKey: 'project_developer' },
        { resourceId: secret, roleKey: 'project_admin' },
      ],
    },
    adminToken,
  );
  const invitation = invited.data.inviteMembers.results[0].invitation.id as string;
  return { orgGid, adminToken, devToken, apollo, secret, invitation };
}

describe('R1 resource names on invitations', () => {
  it('R1 the invitation list shows a reader the names of the resources they may read only; the others come with a null name', async () => {
    const t = await setup();
    const asDev = await ts.gql(LIST, { o: t.orgGid }, t.devToken);
    expect(asDev.errors).toBeUndefined();
    const [edge] = asDev.data.node.invitations.edges;
    expect(edge.node.id).toBe(t.invitation);
    expect(edge.node.resourceGrants).toEqual([
      { resourceId: t.apollo, resourceType: 'project', resourceName: 'Apollo', roleKey: 'project_developer' },
      { resourceId: t.secret, resourceType: 'project', resourceName: null, roleKey: 'project_admin' },
    ]);
    // The name appears nowhere in the answer (not even through ordering tricks in another field).
    expect(JSON.stringify(asDev.data)).not.toContain('Secret merger');
    // The admin reads every project: both names.
    const asAdmin = await ts.gql(LIST, { o: t.orgGid }, t.adminToken);
    expect(asAdmin.data.node.invitations.edges[0].node.resourceGrants.map((g: { resourceName: string }) => g.resourceName)).toEqual(['Apollo', 'Secret merger']);
    // And the project itself stays invisible to the developer (R1: same answer as a non-existent id).
    expect((await ts.gql(`query($r: ID!) { resource(id: $r) { id name } }`, { r: t.secret }, t.devToken)).data.resource).toBeNull();
  });

  it('R1 the invitation node answers the same way; a grant made later on the project reveals its name on the next request (R2)', async () => {
    const t = await setup();
    const hidden = await ts.gql(NODE, { i: t.invitation }, t.devToken);
    expect(hidden.errors).toBeUndefined();
    expect(hidden.data.node.resourceGrants).toEqual([
      { resourceId: t.apollo, resourceType: 'project', resourceName: 'Apollo', roleKey: 'project_developer' },
      { resourceId: t.secret, resourceType: 'project', resourceName: null, roleKey: 'project_admin' },
    ]);
    const asAdmin = await ts.gql(NODE, { i: t.invitation }, t.adminToken);
    expect(asAdmin.data.node.resourceGrants[1].resourceName).toBe('Secret merger');
    // The developer is given a role on the secret project: its name is theirs to read from now on.
    const devMembership = (await ts.gql(`{ viewer { memberships { id } } }`, {}, t.devToken)).data.viewer.memberships[0].id as string;
    expect((await ts.gql(GRANT, { r: t.secret, m: devMembership, k: 'project_developer' }, t.adminToken)).data.grantResourceRole.__typename).toBe('Resource');
    const shown = await ts.gql(NODE, { i: t.invitation }, t.devToken);
    expect(shown.data.node.resourceGrants[1].resourceName).toBe('Secret merger');
  });
});
