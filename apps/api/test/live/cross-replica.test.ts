// R25 across replicas: two real API processes (`node apps/api/src/main.ts`) on one PostgreSQL
// database. A change made through process 1 reaches a stream open on process 2 through
// LISTEN/NOTIFY; a replica that shuts down ends its streams within its drain deadline.
// PostgreSQL only: several processes, one database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/orm.ts';
import { createUser, gid, onPostgres, PASSWORD, SIGN_IN, uniqueEmail } from '../harness.ts';
import { freshDatabase, gql, killAll, startReplica, type Replica, type ReplicaDatabase } from '../replicas/processes.ts';
import { openAccessStream, type AccessStream } from './sse.ts';

const SET_ROLES = `mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename } }`;
const REMOVE = `mutation($m: ID!) { removeMember(membershipId: $m) { __typename } }`;

describe.skipIf(!onPostgres)('R25 live access across replicas (PostgreSQL LISTEN/NOTIFY)', { timeout: 240_000 }, () => {
  let db: ReplicaDatabase;
  let r1: Replica;
  let r2: Replica;
  let ownerToken: string;
  let orgId: string;
  let roles: Map<string, string>;
  const streams: AccessStream[] = [];

  async function account(platformAdmin = false) {
    const orm = await openDatabase({ databaseUrl: db.url, pgliteDir: '', migrate: false, poolMax: 1 });
    try {
      const user = await createUser(orm, { email: uniqueEmail('live'), platformAdmin });
      return { id: user.id, email: user.email };
    } finally {
      await orm.close();
    }
  }
  async function signInOn(replica: Replica, email: string): Promise<string> {
    const reply = await gql(replica.url, SIGN_IN, { email, password: PASSWORD });
    expect(reply.body.data?.signIn?.__typename, JSON.stringify(reply.body)).toBe('AuthPayload');
    return reply.body.data.signIn.accessToken as string;
  }
  async function member(keys: string[]) {
    const user = await account();
    const membershipId = crypto.randomUUID();
    await db.query(`insert into membership (id, org_id, user_id, status) values ($1, $2, $3, 'ACTIVE')`, [membershipId, orgId, user.id]);
    for (const key of keys) await db.query(`insert into membership_role (membership_id, role_id) select $1, id from role where org_id = $2 and key = $3`, [membershipId, orgId, key]);
    return { ...user, membership: gid('Membership', membershipId) };
  }
  async function streamOn(replica: Replica, token: string) {
    const s = await openAccessStream(replica.url, token);
    streams.push(s);
    expect(s.status).toBe(200);
    return s;
  }

  beforeAll(async () => {
    db = await freshDatabase('gh_live');
    const env = { DATABASE_URL: db.url, PUBLIC_URL: 'http://gatehouse.test' };
    // One after the other: the first applies the migrations.
    r1 = await startReplica('live1', env);
    await r1.ready;
    r2 = await startReplica('live2', env);
    await r2.ready;
    const [admin, owner] = [await account(true), await account()];
    const platformToken = await signInOn(r1, admin.email);
    const created = await gql(r1.url, `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { __typename ... on Organization { slug } } }`, { i: { name: 'Live Replicas', ownerUserId: gid('User', owner.id) } }, platformToken);
    expect(created.body.data?.createOrganization?.__typename, JSON.stringify(created.body)).toBe('Organization');
    const [org] = await db.query<{ id: string }>(`select id from organization where slug = $1`, [created.body.data.createOrganization.slug]);
    orgId = org!.id;
    roles = new Map((await db.query<{ id: string; key: string }>(`select id, key from role where org_id = $1`, [orgId])).map((r) => [r.key, gid('Role', r.id)]));
    ownerToken = await signInOn(r1, owner.email);
  }, 240_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    await killAll();
    await db?.drop();
  });

  it('R25 a demotion made through replica 1 reaches the stream open on replica 2 within 2 s, and no other member', async () => {
    const [target, bystander] = [await member(['admin']), await member(['admin'])];
    const mine = await streamOn(r2, await signInOn(r2, target.email));
    const theirs = await streamOn(r2, await signInOn(r2, bystander.email));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    const res = await gql(r1.url, SET_ROLES, { m: target.membership, r: [roles.get('viewer')] }, ownerToken);
    expect(res.body.data?.setMemberRoles?.__typename, JSON.stringify(res.body)).toBe('Membership');
    const event = await mine.next(2000);
    const ms = performance.now() - started;
    expect(event.data.data.accessChanged).toEqual({ kind: 'ROLES', organizationId: gid('Organization', orgId) });
    expect(ms).toBeLessThan(2000);
    console.info(`R25 across replicas: mutation on r1 to event on r2 in ${Math.round(ms)} ms`);
    expect(await theirs.quiet(500)).toBe(true);
  });

  it('R25 a removal through replica 2 reaches the removed member on replica 1', async () => {
    const target = await member(['viewer']);
    const mine = await streamOn(r1, await signInOn(r1, target.email));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const res = await gql(r2.url, REMOVE, { m: target.membership }, ownerToken);
    expect(res.body.data?.removeMember?.__typename, JSON.stringify(res.body)).toBe('RemovedMemberPayload');
    expect((await mine.next(2000)).data.data.accessChanged.kind).toBe('MEMBERSHIP');
  });

  it('R25 a listener that loses its connection opens it again, says RESYNC, and events flow again', async () => {
    const target = await member(['viewer']);
    const mine = await streamOn(r1, await signInOn(r1, target.email));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const killed = await db.query<{ n: number }>(
      `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = current_database() and application_name = 'gatehouse-live-listener'`,
    );
    expect(killed[0]!.n).toBe(2);
    expect((await mine.next(5000)).data.data.accessChanged).toEqual({ kind: 'RESYNC', organizationId: null });
    const res = await gql(r2.url, SET_ROLES, { m: target.membership, r: [roles.get('developer')] }, ownerToken);
    expect(res.body.data?.setMemberRoles?.__typename, JSON.stringify(res.body)).toBe('Membership');
    expect((await mine.next(2000)).data.data.accessChanged.kind).toBe('ROLES');
  });

  it('R22 a replica told to stop ends its streams and exits within its deadline', async () => {
    const target = await member(['viewer']);
    const mine = await streamOn(r2, await signInOn(r2, target.email));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    const code = await r2.stop();
    await mine.ended;
    const ms = performance.now() - started;
    expect(code).toBe(0);
    // SHUTDOWN_TIMEOUT_SECONDS is 20 s here (drain 0): a stream holding the close would have made it 'forced' (exit 1).
    expect(ms).toBeLessThan(5000);
    expect(mine.events.at(-1)?.event).toBe('complete');
  });
});
