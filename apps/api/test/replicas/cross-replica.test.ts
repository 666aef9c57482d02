// Three replicas started at once on one database, behind the balancer (Debian's HAProxy when
// installed, with its health check on /readyz): the rules that must hold whichever replica answers.
// Requests that must land on a given replica go to it directly; the balancer's own rotation is
// checked through its x-gatehouse-replica header. PostgreSQL only: several processes, one database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/orm.ts';
import { createUser, gid, onPostgres, PASSWORD, SIGN_IN, uniqueEmail } from '../harness.ts';
import { startBalancer, type Balancer } from './balancer.ts';
import { freshDatabase, gql, killAll, startReplica, type Replica, type ReplicaDatabase } from './processes.ts';

const REFRESH = `mutation R($t: String) { refreshSession(refreshToken: $t) { __typename ... on AuthPayload { accessToken refreshToken } } }`;
const VIEWER = `{ viewer { email } }`;
const SET_ROLES = `mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename } }`;
const PERMISSIONS = `query($s: String!) { organization(slug: $s) { viewerPermissions } }`;

describe.skipIf(!onPostgres)('replicas: the rules hold across replicas (PostgreSQL only)', { timeout: 300_000 }, () => {
  let db: ReplicaDatabase;
  let replicas: Replica[] = [];
  let balancer: Balancer | undefined;
  let platformToken: string;

  beforeAll(async () => {
    db = await freshDatabase('gh_cross');
    const env = { DATABASE_URL: db.url, PUBLIC_URL: 'http://gatehouse.test', TRUST_PROXY: 'true' };
    replicas = await Promise.all(['r1', 'r2', 'r3'].map((name) => startReplica(name, env)));
    await Promise.all(replicas.map((r) => r.ready));
    balancer = await startBalancer(replicas.map((r) => ({ name: r.name, port: r.port })));
    const admin = await account({ platformAdmin: true });
    platformToken = (await signInOn(replicas[0]!, admin)).accessToken;
  }, 300_000);

  afterAll(async () => {
    await balancer?.close();
    await killAll();
    await db?.drop();
  });

  const orm = () => openDatabase({ databaseUrl: db.url, pgliteDir: '', migrate: false, poolMax: 1 });
  async function account(input: { platformAdmin?: boolean } = {}): Promise<{ id: string; email: string }> {
    const o = await orm();
    try {
      const user = await createUser(o, { email: uniqueEmail('cross'), platformAdmin: input.platformAdmin });
      return { id: user.id, email: user.email };
    } finally {
      await o.close();
    }
  }
  async function signInOn(replica: Replica, user: { email: string }) {
    const reply = await gql(replica.url, SIGN_IN, { email: user.email, password: PASSWORD });
    expect(reply.body.data?.signIn?.__typename, JSON.stringify(reply.body)).toBe('AuthPayload');
    return reply.body.data.signIn as { accessToken: string; refreshToken: string };
  }
  /** An organization owned by `owner` (through the API, on r1), plus members added straight in SQL. */
  async function organization(owner: { id: string }, members: { id: string; roles: string[] }[] = []) {
    const name = `Cross ${Math.random().toString(36).slice(2, 8)}`;
    const created = await gql(replicas[0]!.url, `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { __typename ... on Organization { id slug } } }`, { i: { name, ownerUserId: gid('User', owner.id) } }, platformToken);
    expect(created.body.data?.createOrganization?.__typename, JSON.stringify(created.body)).toBe('Organization');
    const slug = created.body.data.createOrganization.slug as string;
    const [org] = await db.query<{ id: string }>(`select id from organization where slug = $1`, [slug]);
    const roles = new Map((await db.query<{ id: string; key: string }>(`select id, key from role where org_id = $1`, [org!.id])).map((r) => [r.key, gid('Role', r.id)]));
    const memberships = new Map<string, string>();
    for (const member of members) {
      const membershipId = crypto.randomUUID();
      await db.query(`insert into membership (id, org_id, user_id, status) values ($1, $2, $3, 'ACTIVE')`, [membershipId, org!.id, member.id]);
      for (const key of member.roles) await db.query(`insert into membership_role (membership_id, role_id) select $1, id from role where org_id = $2 and key = $3`, [membershipId, org!.id, key]);
      memberships.set(member.id, gid('Membership', membershipId));
    }
    const [ownerMembership] = await db.query<{ id: string }>(`select id from membership where org_id = $1 and user_id = $2`, [org!.id, owner.id]);
    memberships.set(owner.id, gid('Membership', ownerMembership!.id));
    return { slug, orgId: org!.id, role: (key: string) => roles.get(key)!, membership: (userId: string) => memberships.get(userId)! };
  }

  it('the balancer (health check on /readyz) spreads requests over all three replicas started at once', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const target = await balancer!.target();
      const reply = await gql(target.url, `{ __typename }`);
      expect(reply.status).toBe(200);
      seen.add((reply.replica ?? target.replica)!);
    }
    expect([...seen].sort()).toEqual(['r1', 'r2', 'r3']);
  });

  it('R17 a session signed in on one replica refreshes on another; reuse on a third revokes the family everywhere', async () => {
    const user = await account();
    const [r1, r2, r3] = replicas as [Replica, Replica, Replica];
    const first = await signInOn(r1, user);
    for (const r of replicas) expect((await gql(r.url, VIEWER, {}, first.accessToken)).body.data.viewer.email, r.name).toBe(user.email);
    const second = (await gql(r2.url, REFRESH, { t: first.refreshToken })).body.data.refreshSession;
    expect(second.__typename).toBe('AuthPayload');
    const replay = (await gql(r3.url, REFRESH, { t: first.refreshToken })).body.data.refreshSession;
    expect(replay.__typename).toBe('InvalidRefreshTokenError');
    // The newer token is dead on the replica that issued it, and the family's access tokens on every replica.
    expect((await gql(r2.url, REFRESH, { t: second.refreshToken })).body.data.refreshSession.__typename).toBe('InvalidRefreshTokenError');
    for (const r of replicas) expect((await gql(r.url, VIEWER, {}, second.accessToken)).body.data.viewer, r.name).toBeNull();
  });

  it('R2 a role change made through one replica applies to the very next request on another', async () => {
    const [owner, member] = [await account(), await account()];
    const org = await organization(owner, [{ id: member.id, roles: ['admin'] }]);
    const [r1, r2, r3] = replicas as [Replica, Replica, Replica];
    const ownerToken = (await signInOn(r1, owner)).accessToken;
    const memberToken = (await signInOn(r3, member)).accessToken;
    const before = (await gql(r2.url, PERMISSIONS, { s: org.slug }, memberToken)).body.data.organization.viewerPermissions as string[];
    expect(before).toContain('members:update');
    const changed = await gql(r1.url, SET_ROLES, { m: org.membership(member.id), r: [org.role('viewer')] }, ownerToken);
    expect(changed.body.data.setMemberRoles.__typename).toBe('Membership');
    // Same access token, next request, other replicas: the new role, not the one the token was issued under.
    for (const r of [r2, r3]) {
      const after = (await gql(r.url, PERMISSIONS, { s: org.slug }, memberToken)).body.data.organization.viewerPermissions as string[];
      expect(after, r.name).not.toContain('members:update');
      expect(after, r.name).toContain('org:read');
    }
  });

  it('R5 two owners demoting each other at the same moment through different replicas: one wins, one owner remains', async () => {
    for (let round = 0; round < 3; round++) {
      const [a, b] = [await account(), await account()];
      const org = await organization(a, [{ id: b.id, roles: ['owner'] }]);
      const [r1, r2] = replicas as [Replica, Replica, Replica];
      const [tokenA, tokenB] = [(await signInOn(r1, a)).accessToken, (await signInOn(r2, b)).accessToken];
      const results = await Promise.all([
        gql(r1.url, SET_ROLES, { m: org.membership(b.id), r: [org.role('admin')] }, tokenA),
        gql(r2.url, SET_ROLES, { m: org.membership(a.id), r: [org.role('admin')] }, tokenB),
      ]);
      const outcomes = results.map((r) => r.body.data?.setMemberRoles?.__typename ?? JSON.stringify(r.body)).sort();
      // The loser either meets the owner floor or, demoted first, no longer holds the right to change roles of an owner.
      expect(outcomes[1], `round ${round}`).toBe('Membership');
      expect(['LastOwnerError', 'GrantCeilingError', 'PolicyError'], `round ${round}: ${outcomes[0]}`).toContain(outcomes[0]);
      const owners = await db.query<{ n: number }>(
        `select count(*)::int as n from membership m join membership_role mr on mr.membership_id = m.id join role r on r.id = mr.role_id
          where m.org_id = $1 and m.status = 'ACTIVE' and r.key = 'owner'`,
        [org.orgId],
      );
      expect(owners, `round ${round}`).toEqual([{ n: 1 }]);
    }
  });
});
