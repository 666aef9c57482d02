// Gatehouse on a real PostgreSQL streaming replica (issue 14): a primary and a replica made with
// pg_basebackup run on this machine, the replica's replay held back 5 s (recovery_min_apply_delay), so
// every read it answers is visibly stale. Two Gatehouse processes read from it
// (DATABASE_REPLICA_URLS). Proven: member lists, search, the audit log and the export come from the
// replica; the principal and every permission check come from the primary, so a demotion applies to
// the very next request while the replica still shows the old role (R2); a writer reads their own
// write at once (read-your-writes, in the same process and through the cookie on another); a replica
// further behind than DATABASE_REPLICA_MAX_LAG is not read, nor one inside a transaction; and a replica
// that stops costs no request. The servers run in a temporary directory removed at the end (as the
// postgres account when the test runs as root, as in CI). Runs in the PostgreSQL pass of the suite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf, openDatabase, type Orm } from '../../src/db/orm.ts';
import { allowReplicaReads, observeReadTargets, replicaRow, replicasOfOrm, type ReadTarget } from '../../src/db/replicas.ts';
import { createUser, gid, onPostgres, PASSWORD, SIGN_IN, uniqueEmail } from '../harness.ts';
import { gql, killAll, startReplica, type Replica } from './processes.ts';
import { replicationUnavailable, startStreamingPair, type StreamingPair } from './streaming-replica.ts';

// Long enough that the reads asserting staleness finish before the replica replays, on a busy CI box too.
const APPLY_DELAY_MS = 5000;
const unavailable = onPostgres ? replicationUnavailable() : 'PostgreSQL pass only (DATABASE_URL unset)';
if (onPostgres && unavailable) console.warn(`read-replica test skipped: ${unavailable}`);

const SET_ROLES = `mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename } }`;
const LISTS = `query($s: String!, $q: String) {
  organization(slug: $s) {
    members(first: 50) { totalCount edges { node { user { email } roles { key } } } }
    found: members(first: 50, search: $q) { totalCount }
    auditLog(first: 50) { totalCount }
  }
}`;
const PERMISSIONS = `query($s: String!) { organization(slug: $s) { viewerPermissions } }`;

interface Lists {
  emails: string[];
  rolesOf: Map<string, string[]>;
  total: number;
  found: number;
  audit: number;
}

describe.skipIf(Boolean(unavailable))('replicas: reads from a streaming replica (PostgreSQL, pg_basebackup)', { timeout: 120_000 }, () => {
  let pair: StreamingPair;
  let g1: Replica;
  let g2: Replica;
  let orm: Orm | undefined;
  const users: Record<'admin' | 'owner' | 'demoted' | 'reader' | 'newcomer', { id: string; email: string; token: string }> = {} as never;
  let org: { slug: string; id: string; role: (key: string) => string; membership: (userId: string) => string };

  beforeAll(async () => {
    pair = await startStreamingPair({ applyDelayMs: APPLY_DELAY_MS });
    const env = { DATABASE_URL: pair.primaryUrl, DATABASE_REPLICA_URLS: pair.replicaUrl, DATABASE_REPLICA_MAX_LAG: '30', PUBLIC_URL: 'http://gatehouse.test', DATABASE_POOL_MAX: '3', DATABASE_REPLICA_POOL_MAX: '2' };
    [g1, g2] = await Promise.all([startReplica('g1', env), startReplica('g2', env)]);
    await Promise.all([g1.ready, g2.ready]);

    const setup = await openDatabase({ databaseUrl: pair.primaryUrl, pgliteDir: '', migrate: false, poolMax: 1 });
    try {
      for (const key of ['admin', 'owner', 'demoted', 'reader', 'newcomer'] as const) {
        const user = await createUser(setup, { email: uniqueEmail(`rr-${key}`), platformAdmin: key === 'admin' });
        users[key] = { id: user.id, email: user.email, token: '' };
      }
    } finally {
      await setup.close();
    }
    for (const user of Object.values(users)) {
      const reply = await gql(g1.url, SIGN_IN, { email: user.email, password: PASSWORD });
      expect(reply.body.data?.signIn?.__typename, JSON.stringify(reply.body)).toBe('AuthPayload');
      user.token = reply.body.data.signIn.accessToken;
    }
    const created = await gql(g1.url, `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { __typename ... on Organization { slug } } }`, { i: { name: 'Replica Read', ownerUserId: gid('User', users.owner.id) } }, users.admin.token);
    expect(created.body.data?.createOrganization?.__typename, JSON.stringify(created.body)).toBe('Organization');
    const slug = created.body.data.createOrganization.slug as string;
    const [{ id }] = await pair.query<{ id: string }>('primary', `select id from organization where slug = $1`, [slug]) as [{ id: string }];
    const roles = new Map((await pair.query<{ id: string; key: string }>('primary', `select id, key from role where org_id = $1`, [id])).map((r) => [r.key, gid('Role', r.id)]));
    for (const key of ['demoted', 'reader'] as const) await addMembership(id, users[key].id, 'admin');
    const memberships = new Map((await pair.query<{ id: string; user_id: string }>('primary', `select id, user_id from membership where org_id = $1`, [id])).map((m) => [m.user_id, gid('Membership', m.id)]));
    org = { slug, id, role: (key) => roles.get(key)!, membership: (userId) => memberships.get(userId)! };
    await pair.replicaShows(`select count(*) = 3 as ok from membership where org_id = $1`, [id]);
  }, 120_000);

  afterAll(async () => {
    await orm?.close();
    await killAll();
    pair?.stop();
  });

  async function addMembership(orgId: string, userId: string, roleKey: string) {
    const membershipId = crypto.randomUUID();
    await pair.query('primary', `insert into membership (id, org_id, user_id, status) values ($1, $2, $3, 'ACTIVE')`, [membershipId, orgId, userId]);
    await pair.query('primary', `insert into membership_role (membership_id, role_id) select $1, id from role where org_id = $2 and key = $3`, [membershipId, orgId, roleKey]);
    return membershipId;
  }

  async function lists(server: Replica, token: string, search = 'zzz', cookie?: string): Promise<Lists> {
    const reply = await call(server, LISTS, { s: org.slug, q: search }, token, cookie);
    const o = reply.body.data?.organization;
    expect(o?.members, JSON.stringify(reply.body)).toBeTruthy();
    const edges = o.members.edges as { node: { user: { email: string }; roles: { key: string }[] } }[];
    return {
      emails: edges.map((e) => e.node.user.email),
      rolesOf: new Map(edges.map((e) => [e.node.user.email, e.node.roles.map((r) => r.key)])),
      total: o.members.totalCount,
      found: o.found.totalCount,
      audit: o.auditLog.totalCount,
    };
  }

  /** POST /graphql with an optional Cookie header; answers the body and the Set-Cookie headers. */
  async function call(server: Replica, query: string, variables: Record<string, unknown>, token: string, cookie?: string) {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { body: (await res.json()) as { data?: any; errors?: unknown[] }, cookies: res.headers.getSetCookie() };
  }

  async function exportLines(server: Replica, token: string): Promise<number> {
    const res = await fetch(`${server.url}/audit/export?organization=${org.slug}&format=ndjson`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return (await res.text()).split('\n').filter(Boolean).length;
  }

  const replicaReaders = async () => Number((await pair.query<{ n: number }>('replica', `select count(*)::int as n from pg_stat_activity where application_name = 'gatehouse-replica-read'`))[0]!.n);

  it('member lists, search, the audit log and the export are served by the replica: a change on the primary shows there only once the replica replays it', async () => {
    const before = await lists(g1, users.reader.token, users.newcomer.email);
    const exportedBefore = await exportLines(g1, users.reader.token);
    expect(before.emails).not.toContain(users.newcomer.email);
    expect(before.found).toBe(0);

    // Written on the primary: a new member (straight in SQL) and an audit event (a role change by the owner).
    await addMembership(org.id, users.newcomer.id, 'viewer');
    const changed = await call(g1, SET_ROLES, { m: org.membership(users.reader.id), r: [org.role('admin'), org.role('viewer')] }, users.owner.token);
    expect(changed.body.data?.setMemberRoles?.__typename, JSON.stringify(changed.body)).toBe('Membership');
    expect((await pair.query<{ n: number }>('primary', `select count(*)::int as n from membership where org_id = $1`, [org.id]))[0]!.n).toBe(4);

    // The reader, who wrote nothing, is served by the replica, 5 s behind: none of it yet, on either process.
    for (const server of [g1, g2]) {
      const stale = await lists(server, users.reader.token, users.newcomer.email);
      expect(stale.emails, server.name).not.toContain(users.newcomer.email);
      expect(stale.total, server.name).toBe(before.total);
      expect(stale.found, server.name).toBe(0);
      expect(stale.audit, server.name).toBe(before.audit);
      expect(await exportLines(server, users.reader.token), server.name).toBe(exportedBefore);
    }
    expect(await replicaReaders()).toBeGreaterThan(0);

    // Once replayed, the same reads show it all.
    await pair.replicaShows(`select count(*) = 4 as ok from membership where org_id = $1`, [org.id]);
    await pair.replicaShows(`select count(*) = $2 as ok from audit_event where org_id = $1`, [org.id, before.audit + 1]);
    const fresh = await lists(g1, users.reader.token, users.newcomer.email);
    expect(fresh.emails).toContain(users.newcomer.email);
    expect(fresh.total).toBe(before.total + 1);
    expect(fresh.found).toBe(1);
    expect(fresh.audit).toBe(before.audit + 1);
    expect(await exportLines(g1, users.reader.token)).toBe(exportedBefore + 1);
  });

  it('R2 a demotion applies to the very next request on another process while the replica still shows the old role', async () => {
    expect((await lists(g2, users.reader.token)).rolesOf.get(users.demoted.email)).toEqual(['admin']);
    const demoted = await call(g1, SET_ROLES, { m: org.membership(users.demoted.id), r: [org.role('viewer')] }, users.owner.token);
    expect(demoted.body.data?.setMemberRoles?.__typename, JSON.stringify(demoted.body)).toBe('Membership');

    // Next request, same access token, the other process: the permissions are the new role's.
    const permissions = (await gql(g2.url, PERMISSIONS, { s: org.slug }, users.demoted.token)).body.data.organization.viewerPermissions as string[];
    expect(permissions).toContain('members:read');
    expect(permissions).not.toContain('members:update');
    const attempt = await call(g2, SET_ROLES, { m: gid('Membership', await membershipIdOf(users.newcomer.id)), r: [org.role('admin')] }, users.demoted.token);
    expect(attempt.body.data?.setMemberRoles?.__typename, JSON.stringify(attempt.body)).not.toBe('Membership');
    expect((await pair.query<{ n: number }>('primary', `select count(*)::int as n from membership_role mr join role r on r.id = mr.role_id where mr.membership_id = $1 and r.key = 'admin'`, [await membershipIdOf(users.newcomer.id)]))[0]!.n).toBe(0);

    // Meanwhile the lists (the replica) still show the old role: it really is behind.
    expect((await lists(g2, users.reader.token)).rolesOf.get(users.demoted.email)).toEqual(['admin']);
    await pair.replicaShows(`select not exists (select 1 from membership_role mr join role r on r.id = mr.role_id where mr.membership_id = $1 and r.key = 'admin') as ok`, [await membershipIdOf(users.demoted.id)]);
  });

  async function membershipIdOf(userId: string): Promise<string> {
    return (await pair.query<{ id: string }>('primary', `select id from membership where org_id = $1 and user_id = $2`, [org.id, userId]))[0]!.id;
  }

  it('read-your-writes: after a change the author reads the primary, on the same process and, with the response cookie, on another; others still read the replica', async () => {
    const changed = await call(g1, SET_ROLES, { m: gid('Membership', await membershipIdOf(users.newcomer.id)), r: [org.role('developer')] }, users.owner.token);
    expect(changed.body.data?.setMemberRoles?.__typename, JSON.stringify(changed.body)).toBe('Membership');
    const cookie = changed.cookies.map((c) => c.split(';')[0]!).find((c) => c.startsWith('gatehouse_primary='));
    expect(cookie).toBe('gatehouse_primary=1');

    expect((await lists(g1, users.owner.token)).rolesOf.get(users.newcomer.email), 'author, same process').toEqual(['developer']);
    expect((await lists(g2, users.owner.token, 'zzz', cookie)).rolesOf.get(users.newcomer.email), 'author, other process, with the cookie').toEqual(['developer']);
    // Without the cookie the other process cannot know, and the reader is not the author: the replica, still behind.
    expect((await lists(g2, users.owner.token)).rolesOf.get(users.newcomer.email), 'author, other process, no cookie').toEqual(['viewer']);
    expect((await lists(g1, users.reader.token)).rolesOf.get(users.newcomer.email), 'someone else').toEqual(['viewer']);
  });

  it('a replica further behind than DATABASE_REPLICA_MAX_LAG is not read, nor one inside a transaction or for a request not allowed to', async () => {
    orm = await openDatabase({ databaseUrl: pair.primaryUrl, pgliteDir: '', migrate: false, poolMax: 2, replicas: { urls: [pair.replicaUrl], maxLagSeconds: 1, poolMax: 2 } });
    const targets: ReadTarget[] = [];
    const stop = observeReadTargets((target) => targets.push(target));
    const standby = async (allow: boolean) => {
      const em = emOf(orm!);
      if (allow) allowReplicaReads(em);
      return (await replicaRow<{ standby: boolean }>(em, 'select pg_is_in_recovery() as standby'))!.standby;
    };
    try {
      await waitFor(async () => standby(true));
      expect(await standby(false), 'an EntityManager not allowed to').toBe(false);
      const em = emOf(orm);
      allowReplicaReads(em);
      expect(await em.transactional(async (tx) => (await replicaRow<{ standby: boolean }>(tx as never, 'select pg_is_in_recovery() as standby'))!.standby), 'inside a transaction').toBe(false);

      // A commit on the primary the replica holds back 5 s: past the 1 s bound the primary answers, then the replica again.
      await pair.query('primary', 'create table if not exists lag_probe (at timestamptz)');
      await pair.query('primary', 'insert into lag_probe values (now())');
      await new Promise((r) => setTimeout(r, 1600));
      expect(replicasOfOrm(orm)!.status()[0]).toMatchObject({ up: true, usable: false });
      expect(await standby(true), 'lag over the bound').toBe(false);
      await pair.replicaShows(`select exists (select 1 from lag_probe) as ok`);
      await waitFor(async () => standby(true));
      expect(targets.some((t) => t === 'primary')).toBe(true);
      expect(targets.some((t) => t !== 'primary')).toBe(true);
    } finally {
      stop();
    }
  });

  it('a replica that stops: every read falls back to the primary, without an error', async () => {
    pair.stopReplica();
    const results = await Promise.all([g1, g2, g1, g2, g1, g2].map((server) => lists(server, users.reader.token, users.newcomer.email)));
    for (const result of results) {
      expect(result.emails).toContain(users.newcomer.email);
      expect(result.rolesOf.get(users.newcomer.email)).toEqual(['developer']); // the primary's state
    }
    expect(await exportLines(g2, users.reader.token)).toBeGreaterThan(0);
    const em = emOf(orm!);
    allowReplicaReads(em);
    expect((await replicaRow<{ standby: boolean }>(em, 'select pg_is_in_recovery() as standby'))!.standby).toBe(false);
    expect(replicasOfOrm(orm!)!.status()[0]).toMatchObject({ up: false, usable: false });
    for (const server of [g1, g2]) expect(server.output()).toContain('read replica down');
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
