import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../harness.ts';
import { team, type Team } from './helpers.ts';

/** Seed 001 (OEC.SH), "Project-Level Permissions": project_admin (the creator) and project_developer. */
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'oec' });
});
afterAll(async () => ts?.close());

const CREATE = `mutation($o: ID!, $t: String!, $n: String!) { createResource(organizationId: $o, type: $t, name: $n) { __typename ... on Resource { id } ... on Error { message } } }`;
const GRANT = `mutation($r: ID!, $m: ID!, $k: String!) { grantResourceRole(resourceId: $r, membershipId: $m, roleKey: $k) { __typename ... on Resource { grants { roleKey membership { id } } } ... on Error { message } } }`;
const CAN = `query($o: ID!, $p: [String!]!, $r: ID) { can(organizationId: $o, permissions: $p, resourceId: $r) { permission allowed } }`;

async function createProject(t: Team, token: string, name: string): Promise<string> {
  const res = await ts.gql(CREATE, { o: t.orgGid, t: 'project', n: name }, token);
  expect(res.data?.createResource?.__typename, JSON.stringify(res)).toBe('Resource');
  return res.data.createResource.id;
}

async function allowed(t: Team, token: string, perms: string[], resourceId: string | null): Promise<Record<string, boolean>> {
  const res = await ts.gql(CAN, { o: t.orgGid, p: perms, r: resourceId }, token);
  expect(res.errors, JSON.stringify(res)).toBeUndefined();
  return Object.fromEntries(res.data.can.map((c: { permission: string; allowed: boolean }) => [c.permission, c.allowed]));
}

const all = (perms: string[], v: boolean) => Object.fromEntries(perms.map((p) => [p, v]));

/** What project_developer adds on its project, per presets.ts. */
const DEVELOP = ['deployments:create', 'environments:create', 'environments:update', 'backups:create'];
/** What only project_admin (or an org Owner/Admin) holds on a project. */
const ADMIN_ONLY = ['projects:delete', 'environments:delete', 'backups:restore'];

describe('oec preset (seed 001): project-level permissions', () => {
  it('a Viewer granted project_developer deploys in that project only', async () => {
    const t = await team(ts, 'Oec', 'owner', ['admin', 'developer', 'viewer']);
    const project = await createProject(t, t.tokens.owner!, 'Shop');
    const other = await createProject(t, t.tokens.owner!, 'Blog');
    const viewer = t.tokens.viewer!;

    // Before the grant, a Viewer views but deploys nowhere.
    expect(await allowed(t, viewer, DEVELOP, project)).toEqual(all(DEVELOP, false));
    expect(await allowed(t, viewer, ['projects:read'], project)).toEqual({ 'projects:read': true });

    const g = await ts.gql(GRANT, { r: project, m: t.members.viewer!.gid.membership, k: 'project_developer' }, t.tokens.owner);
    expect(g.data?.grantResourceRole?.__typename, JSON.stringify(g)).toBe('Resource');
    expect(g.data.grantResourceRole.grants).toContainEqual({ roleKey: 'project_developer', membership: { id: t.members.viewer!.gid.membership } });

    expect(await allowed(t, viewer, DEVELOP, project)).toEqual(all(DEVELOP, true));
    // No deleting environments, no restoring backups, no deleting the project.
    expect(await allowed(t, viewer, ADMIN_ONLY, project)).toEqual(all(ADMIN_ONLY, false));
    // Not in another project, nor org-wide.
    expect(await allowed(t, viewer, DEVELOP, other)).toEqual(all(DEVELOP, false));
    expect(await allowed(t, viewer, DEVELOP, null)).toEqual(all(DEVELOP, false));
  });

  it('the creator of a project is its project_admin: full control of that project only', async () => {
    const t = await team(ts, 'Oec', 'owner', ['admin', 'developer', 'viewer']);
    const mine = await createProject(t, t.tokens.developer!, 'Mine');
    const theirs = await createProject(t, t.tokens.owner!, 'Theirs');
    const dev = t.tokens.developer!;
    const FULL = [...DEVELOP, ...ADMIN_ONLY, 'projects:update', 'projects:read', 'deployments:read', 'backups:read', 'logs:read'];

    expect(await allowed(t, dev, FULL, mine)).toEqual(all(FULL, true));
    // On a project they did not create only the Developer org role counts.
    expect(await allowed(t, dev, ADMIN_ONLY, theirs)).toEqual(all(ADMIN_ONLY, false));
    expect(await allowed(t, dev, DEVELOP, theirs)).toEqual(all(DEVELOP, true));
    expect(await allowed(t, dev, ADMIN_ONLY, null)).toEqual(all(ADMIN_ONLY, false));

    // project_admin granted to a Viewer: full control of that project, nothing elsewhere.
    const g = await ts.gql(GRANT, { r: theirs, m: t.members.viewer!.gid.membership, k: 'project_admin' }, t.tokens.owner);
    expect(g.data?.grantResourceRole?.__typename, JSON.stringify(g)).toBe('Resource');
    expect(await allowed(t, t.tokens.viewer!, FULL, theirs)).toEqual(all(FULL, true));
    expect(await allowed(t, t.tokens.viewer!, [...DEVELOP, ...ADMIN_ONLY], mine)).toEqual(all([...DEVELOP, ...ADMIN_ONLY], false));
  });
});
