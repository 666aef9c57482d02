/**
 * The resources connection sends one statement for a page, whatever its size: the viewer's grant is
 * joined into the page, so `viewerPermissions` and `viewerCanManageMembers` need no statement per
 * resource (no N+1). Counted at the connection (harness countQueries).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf } from '../src/db/orm.ts';
import { addMember, countQueries, createOrg, createUser, gid, signIn, startTestServer, type TestServer, rawId } from './harness.ts';

let ts: TestServer;
let orgGid: string;
let editorToken: string;
let adminToken: string;
const mine: string[] = [];
const assigned: string[] = [];

const PAGE = `query($o: ID!, $n: Int, $a: String) { node(id: $o) { ... on Organization {
  resourcesConnection(type: "space", first: $n, after: $a) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name viewerPermissions viewerCanManageMembers } }
  } } } }`;

async function counted(query: string, variables: Record<string, unknown>, token: string): Promise<{ n: number; res: any }> {
  let res: any;
  const n = await countQueries(ts.orm, async () => {
    res = await ts.gql(query, variables, token);
  });
  return { n, res };
}

beforeAll(async () => {
  ts = await startTestServer({ GATEHOUSE_PRESET: 'spaces' });
  const admin = await createUser(ts.orm);
  const org = await createOrg(ts, 'Counted Spaces', admin.id);
  orgGid = gid('Organization', org.id);
  const editor = await addMember(ts, org.id, ['editor']);
  const em = emOf(ts.orm);
  // 6 spaces the editor created, 6 they are assigned to, 12 they may not see.
  for (let i = 0; i < 24; i++) {
    const id = crypto.randomUUID();
    const createdBy = i < 6 ? editor.userId : admin.id;
    await em.execute(`insert into resource (id, org_id, type, name, created_by_id) values (?, ?, 'space', ?, ?)`, [id, org.id, `Space ${String(i).padStart(2, '0')}`, createdBy]);
    if (i < 6) mine.push(id);
    else if (i < 12) {
      assigned.push(id);
      await em.execute(`insert into resource_grant (resource_id, membership_id, org_id, role_key) values (?, ?, ?, 'space_operator')`, [id, editor.membershipId, org.id]);
    }
  }
  editorToken = (await signIn(ts, editor.email)).accessToken;
  adminToken = (await signIn(ts, admin.email)).accessToken;
});
afterAll(async () => ts?.close());

describe('resources connection: one statement per page (no N+1)', () => {
  it('R19 a page of 2 and a page of 12 send the same number of statements, viewer permissions included', async () => {
    const small = await counted(PAGE, { o: orgGid, n: 2 }, editorToken);
    const large = await counted(PAGE, { o: orgGid, n: 12 }, editorToken);
    expect(large.res.errors).toBeUndefined();
    expect(large.res.data.node.resourcesConnection.edges).toHaveLength(12);
    expect(small.res.data.node.resourcesConnection.edges).toHaveLength(2);
    expect(small.n).toBeGreaterThan(0);
    expect(large.n).toBe(small.n);
    // principal + memberships, the standing (permissions, org roles), the page, the total.
    expect(large.n).toBeLessThanOrEqual(5);
  });

  it('R1 R19 an editor lists exactly the spaces they created or were assigned, with what each gives them', async () => {
    const { res } = await counted(PAGE, { o: orgGid, n: 50 }, editorToken);
    const conn = res.data.node.resourcesConnection;
    expect(conn.totalCount).toBe(12);
    const byId = new Map(conn.edges.map((e: { node: { id: string } }) => [rawId(e.node.id), e.node]));
    expect([...byId.keys()].sort()).toEqual([...mine, ...assigned].sort());
    const created = byId.get(mine[0]!) as { viewerPermissions: string[]; viewerCanManageMembers: boolean };
    expect(created.viewerPermissions).toContain('spaces:assign');
    expect(created.viewerCanManageMembers).toBe(true);
    // Assigned as an operator: the space role gives access only.
    const operated = byId.get(assigned[0]!) as { viewerPermissions: string[]; viewerCanManageMembers: boolean };
    expect(operated.viewerPermissions).toContain('spaces:read');
    expect(operated.viewerPermissions).not.toContain('spaces:deploy');
    expect(operated.viewerCanManageMembers).toBe(false);
  });

  it('R1 keyset pages cover every visible space once; the admin sees all 24', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const { res } = await counted(PAGE, { o: orgGid, n: 5, a: after }, adminToken);
      const conn: any = res.data.node.resourcesConnection;
      seen.push(...conn.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(24);
    expect(new Set(seen).size).toBe(24);
    const foreign = await ts.gql(PAGE, { o: orgGid, n: 5, a: 'bm90LWEtY3Vyc29y' }, adminToken);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
