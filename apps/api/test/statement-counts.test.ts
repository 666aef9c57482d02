/**
 * Statements per request on the hot paths (issue 10 targets: every read at most 3; today the members
 * page and search take 2, an organization of the viewer's own coming with the principal), a role change no
 * more than the raw-SQL baseline's 9 (BEGIN and COMMIT included where the driver sends them). Counted
 * at the connection, so the ORM's statements and db/sql.ts' bound ones count alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observeStatements } from '../src/db/orm.ts';
import { addMember, createOrg, gid, PASSWORD, signIn, startTestServer, type TestServer } from './harness.ts';

let ts: TestServer;
let token: string;
let slug: string;
let orgGid: string;
let target: string;
let developerRole: string;

beforeAll(async () => {
  ts = await startTestServer();
  const org = await createOrg(ts, 'Counted Org');
  const owner = await addMember(ts, org.id, ['owner']);
  for (let i = 0; i < 30; i++) await addMember(ts, org.id, [i % 2 ? 'developer' : 'viewer']);
  const viewer = await addMember(ts, org.id, ['viewer']);
  token = (await signIn(ts, owner.email, PASSWORD)).accessToken;
  const org2 = await ts.gql(`{ viewer { memberships { organization { slug id } } } }`, {}, token);
  slug = org2.data.viewer.memberships[0].organization.slug;
  orgGid = gid('Organization', org.id);
  target = viewer.gid.membership;
  const roles = await ts.gql(`query($s: String!) { organization(slug: $s) { roles { id key } } }`, { s: slug }, token);
  developerRole = roles.data.organization.roles.find((r: { key: string }) => r.key === 'developer').id;
});
afterAll(async () => ts?.close());

async function counted(query: string, variables: Record<string, unknown>): Promise<{ n: number; res: any }> {
  let n = 0;
  const stop = observeStatements(() => {
    n += 1;
  });
  try {
    const res = await ts.gql(query, variables, token);
    return { n, res };
  } finally {
    stop();
  }
}

describe('statements per request (issue 10)', () => {
  it('viewer with memberships, organizations and roles: 1 statement (principal and memberships together)', async () => {
    const { n, res } = await counted(`{ viewer { id email memberships { status organization { id slug name } roles { key name } } } }`, {});
    expect(res.data.viewer.memberships[0].roles[0].key).toBe('owner');
    expect(n).toBe(1);
  });

  it('a permission check: 1 statement', async () => {
    const { n, res } = await counted(`query($o: ID!) { can(organizationId: $o, permissions: ["members:read", "org:delete"]) { permission allowed } }`, { o: orgGid });
    expect(res.data.can.map((c: { allowed: boolean }) => c.allowed)).toEqual([true, true]);
    expect(n).toBe(1);
  });

  it('members page of 20 with accounts, roles and total: 2 statements (principal with the organization, page)', async () => {
    const { n, res } = await counted(
      `query($s: String!) { organization(slug: $s) { members(first: 20) { totalCount edges { node { id status createdAt organization { id } user { email displayName status } roles { key name permissions } } } } } }`,
      { s: slug },
    );
    expect(res.data.organization.members.totalCount).toBe(32);
    expect(res.data.organization.members.edges).toHaveLength(20);
    expect(res.data.organization.members.edges.every((e: any) => e.node.roles.length === 1 && e.node.user.email)).toBe(true);
    expect(n).toBe(2);
  });

  it('member search with total: 2 statements', async () => {
    const { n, res } = await counted(`query($s: String!) { organization(slug: $s) { members(first: 20, search: "user") { totalCount edges { node { id } } } } }`, { s: slug });
    expect(res.data.organization.members.totalCount).toBeGreaterThan(0);
    expect(n).toBe(2);
  });

  it('setMemberRoles answers the new roles without re-reading: at most 9 statements', async () => {
    const { n, res } = await counted(
      `mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename ... on Membership { id status organization { id slug } user { id email displayName } roles { key } } } }`,
      { m: target, r: [developerRole] },
    );
    expect(res.data.setMemberRoles.roles.map((r: { key: string }) => r.key)).toEqual(['developer']);
    expect(n).toBeLessThanOrEqual(9);
    // And what it answered is what is stored.
    const again = await ts.gql(`query($s: String!) { organization(slug: $s) { members(first: 50) { edges { node { id roles { key } } } } } }`, { s: slug }, token);
    expect(again.data.organization.members.edges.find((e: any) => e.node.id === target).node.roles.map((r: any) => r.key)).toEqual(['developer']);
  });
});
