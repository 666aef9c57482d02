import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.ts';
import { RESOURCE_DOCS } from '../resources-matrix.ts';
import { team, type Team } from './helpers.ts';

/**
 * Seed 001 (OEC.SH), "Project-Level Permissions": "This lets you have developers who can only access
 * specific projects", and "Project Admin - Full control of this project" (its members included).
 */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'oec' });
});
afterAll(async () => ts?.close());

const CAN = `query($o: ID!, $p: [String!]!, $r: ID) { can(organizationId: $o, permissions: $p, resourceId: $r) { permission allowed } }`;

async function project(t: Team, token: string, name: string): Promise<string> {
  const res = await ts.gql(RESOURCE_DOCS.CREATE, { o: t.orgGid, t: 'project', n: name }, token);
  expect(res.data?.createResource?.__typename, JSON.stringify(res)).toBe('Resource');
  return res.data.createResource.id;
}

async function listed(t: Team, token: string): Promise<string[]> {
  const res = await ts.gql(RESOURCE_DOCS.LIST, { o: t.orgGid, t: 'project' }, token);
  return res.data.node.resources.map((r: { id: string }) => r.id);
}

describe('oec preset (seed 001): developers limited to specific projects', () => {
  it('R1 R19 a restricted developer lists, reads and acts on exactly the projects they were added to', async () => {
    const t = await team(ts, 'Agency', 'owner', ['admin', 'developer', 'restricted_developer']);
    const shop = await project(t, t.tokens.owner!, 'Shop');
    const blog = await project(t, t.tokens.owner!, 'Blog');
    const rd = t.tokens.restricted_developer!;
    expect(await listed(t, rd)).toEqual([]);
    const add = await ts.gql(RESOURCE_DOCS.GRANT, { r: shop, m: t.members.restricted_developer!.gid.membership, k: 'project_developer' }, t.tokens.admin);
    expect(add.data.grantResourceRole.__typename).toBe('Resource');

    expect(await listed(t, rd)).toEqual([shop]);
    expect((await ts.gql(RESOURCE_DOCS.READ, { r: shop }, rd)).data.resource.id).toBe(shop);
    expect((await ts.gql(RESOURCE_DOCS.READ, { r: blog }, rd)).data.resource).toBeNull();
    const on = async (r: string | null) => (await ts.gql(CAN, { o: t.orgGid, p: ['projects:read', 'deployments:create'], r }, rd)).data.can.map((c: { allowed: boolean }) => c.allowed);
    expect(await on(shop)).toEqual([true, true]);
    expect(await on(blog)).toEqual([false, false]);
    expect(await on(null)).toEqual([false, false]);
    // Not even the other project's existence: deleting or joining it answers as for a non-existent one.
    expect((await ts.gql(RESOURCE_DOCS.DELETE, { r: blog }, rd)).data.deleteResource.__typename).toBe('NotFoundError');
    // Creating projects is not theirs either (they would gain access to what they create).
    expect((await ts.gql(RESOURCE_DOCS.CREATE, { o: t.orgGid, t: 'project', n: 'Side' }, rd)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // An ordinary Developer still sees every project.
    expect((await listed(t, t.tokens.developer!)).sort()).toEqual([shop, blog].sort());
  });

  it('R3 a Project Admin adds members to their project, changes and removes them, and nowhere else', async () => {
    const t = await team(ts, 'Studio', 'owner', ['admin', 'developer', 'viewer', 'restricted_developer']);
    const mine = await project(t, t.tokens.developer!, 'Mine'); // the creator is its Project Admin
    const theirs = await project(t, t.tokens.owner!, 'Theirs');
    const dev = t.tokens.developer!;
    const rdm = t.members.restricted_developer!.gid.membership;

    const add = await ts.gql(RESOURCE_DOCS.GRANT, { r: mine, m: rdm, k: 'project_developer' }, dev);
    expect(add.data.grantResourceRole.__typename).toBe('Resource');
    const promote = await ts.gql(RESOURCE_DOCS.GRANT, { r: mine, m: rdm, k: 'project_admin' }, dev);
    expect(promote.data.grantResourceRole.__typename).toBe('Resource');
    const members = await ts.gql(RESOURCE_DOCS.MEMBERS, { r: mine }, dev);
    expect(members.data.resource.members).toEqual({ totalCount: 1, edges: [{ node: { roleKey: 'project_admin', role: { name: 'Project Admin' }, membership: { id: rdm } } }] });
    expect((await ts.gql(RESOURCE_DOCS.READ, { r: mine }, dev)).data.resource.viewerCanManageMembers).toBe(true);
    const remove = await ts.gql(RESOURCE_DOCS.REVOKE, { r: mine, m: rdm }, dev);
    expect(remove.data.revokeResourceRole.__typename).toBe('Resource');
    expect(await listed(t, t.tokens.restricted_developer!)).toEqual([]);

    // On a project they only read (org Developer role), they manage nobody.
    expect((await ts.gql(RESOURCE_DOCS.GRANT, { r: theirs, m: rdm, k: 'project_developer' }, dev)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await ts.gql(RESOURCE_DOCS.READ, { r: theirs }, dev)).data.resource.viewerCanManageMembers).toBe(false);
    // R4: a Project Admin does not change their own project role.
    const other = await ts.gql(RESOURCE_DOCS.GRANT, { r: mine, m: t.members.viewer!.gid.membership, k: 'project_admin' }, dev);
    expect(other.data.grantResourceRole.__typename).toBe('Resource');
    const self = await ts.gql(RESOURCE_DOCS.GRANT, { r: mine, m: t.members.viewer!.gid.membership, k: 'project_developer' }, t.tokens.viewer);
    expect(self.data.grantResourceRole.__typename).toBe('SelfRoleChangeError');
  });

  it('discoverable: Preset.resourceTypes lists the project roles with names, descriptions and permissions', async () => {
    const res = await ts.gql(`{ preset { roles { key name } resourceTypes { key pluralName creatorOrgRoleKeys managerOrgRoleKeys readAllOrgRoleKeys roles { key name description permissions } } } }`);
    const [type] = res.data.preset.resourceTypes;
    expect(type.key).toBe('project');
    expect(type.roles.map((r: { key: string; name: string }) => [r.key, r.name])).toEqual([['project_admin', 'Project Admin'], ['project_developer', 'Project Developer']]);
    expect(type.roles[0].permissions).toContain('projects:assign');
    expect(type.readAllOrgRoleKeys).not.toContain('restricted_developer');
    expect(type.managerOrgRoleKeys).toEqual(['owner', 'admin']);
    expect(res.data.preset.roles).toContainEqual({ key: 'restricted_developer', name: 'Developer (assigned projects only)' });
  });
});
