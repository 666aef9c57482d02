/**
 * R4, one rule for organization roles and resource roles (packages/permissions selfRoleChangeVerdict):
 * who does not manage the roles gets FORBIDDEN, as for anyone's; who does gets SelfRoleChangeError
 * with its reason; the only owner lowering themselves gets LastOwnerError. Also PolicyError.code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.ts';
import { team } from './presets/helpers.ts';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'oec' });
});
afterAll(async () => ts?.close());

const SET_ROLES = `mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) {
  __typename ... on SelfRoleChangeError { reason message } ... on Error { message } } }`;
const CREATE = `mutation($o: ID!) { createResource(organizationId: $o, type: "project", name: "Mine") { __typename ... on Resource { id } } }`;
const GRANT = `mutation($r: ID!, $m: ID!, $k: String!) { grantResourceRole(resourceId: $r, membershipId: $m, roleKey: $k) {
  __typename ... on SelfRoleChangeError { reason message } ... on Error { message } } }`;

describe('R4 changing one\'s own roles: one rule on every path', () => {
  it('R4 organization roles: a developer gets FORBIDDEN, an admin SelfRoleChangeError (NO_SELF_ROLE_CHANGE), the only owner LastOwnerError', async () => {
    const t = await team(ts, 'Self Org', 'owner', ['admin', 'developer']);
    const dev = await ts.gql(SET_ROLES, { m: t.members.developer!.gid.membership, r: [t.roleIds.viewer] }, t.tokens.developer);
    expect(dev.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const admin = await ts.gql(SET_ROLES, { m: t.members.admin!.gid.membership, r: [t.roleIds.developer] }, t.tokens.admin);
    expect(admin.data.setMemberRoles).toMatchObject({ __typename: 'SelfRoleChangeError', reason: 'NO_SELF_ROLE_CHANGE' });
    expect(admin.data.setMemberRoles.message).toMatch(/ask another member/);
    const owner = await ts.gql(SET_ROLES, { m: t.members.owner!.gid.membership, r: [t.roleIds.admin] }, t.tokens.owner);
    expect(owner.data.setMemberRoles.__typename).toBe('LastOwnerError');
    expect(owner.data.setMemberRoles.message).toMatch(/transfer ownership/);
  });

  it('R4 R19 resource roles answer alike: a developer without manage rights on the project gets FORBIDDEN, its Project Admin SelfRoleChangeError', async () => {
    const t = await team(ts, 'Self Projects', 'owner', ['developer', 'restricted_developer']);
    const project = (await ts.gql(CREATE, { o: t.orgGid }, t.tokens.developer)).data.createResource.id as string;
    // The restricted developer holds project_developer there: no projects:assign, no members:update.
    expect((await ts.gql(GRANT, { r: project, m: t.members.restricted_developer!.gid.membership, k: 'project_developer' }, t.tokens.owner)).data.grantResourceRole.__typename).toBe('Resource');
    const restricted = await ts.gql(GRANT, { r: project, m: t.members.restricted_developer!.gid.membership, k: 'project_admin' }, t.tokens.restricted_developer);
    expect(restricted.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // The developer created it: Project Admin there (projects:assign), so they manage its members, not their own role.
    const creator = await ts.gql(GRANT, { r: project, m: t.members.developer!.gid.membership, k: 'project_developer' }, t.tokens.developer);
    expect(creator.data.grantResourceRole).toMatchObject({ __typename: 'SelfRoleChangeError', reason: 'NO_SELF_ROLE_CHANGE' });
    expect(creator.data.grantResourceRole.message).toMatch(/this project/);
  });

  it('PolicyError carries a typed code: provisioning where the preset invites only is PRESET_DISALLOWS', async () => {
    const t = await team(ts, 'Policy Codes', 'owner', []);
    const res = await ts.gql(
      `mutation($o: ID!, $r: [ID!]!) { provisionMembers(organizationId: $o, members: [{ email: "p@example.com", firstName: "P", lastName: "Q", roleIds: $r }]) {
        __typename ... on PolicyError { code message } } }`,
      { o: t.orgGid, r: [t.roleIds.viewer] },
      t.tokens.owner,
    );
    expect(res.data.provisionMembers).toMatchObject({ __typename: 'PolicyError', code: 'PRESET_DISALLOWS' });
  });
});
