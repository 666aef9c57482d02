// R24 across replicas: two real API processes (`node apps/api/src/main.ts`, each running the
// webhook worker) on one PostgreSQL database, events produced through both of them while both
// deliver. The receiver must get every delivery exactly once (by webhook-id) per endpoint, in the
// organization's sequence order, signed. PostgreSQL only: several processes, one database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/orm.ts';
import { createUser, gid, onPostgres, PASSWORD, SIGN_IN, uniqueEmail } from '../harness.ts';
import { freshDatabase, gql, killAll, startReplica, type Replica, type ReplicaDatabase } from '../replicas/processes.ts';
import { startReceiver, type Receiver } from './webhook-receiver.ts';

/** Events produced per run: enough that both workers claim many rounds while the other is busy. */
const EVENTS = 40;

describe.skipIf(!onPostgres)('webhooks across two API processes (PostgreSQL only)', { timeout: 300_000 }, () => {
  let db: ReplicaDatabase;
  let replicas: Replica[] = [];
  let receivers: Receiver[] = [];

  beforeAll(async () => {
    db = await freshDatabase('gh_hooks');
    // One PUBLIC_URL: tokens name it as their issuer, so either process accepts the other's.
    const env = { DATABASE_URL: db.url, PUBLIC_URL: 'http://gatehouse.test', WEBHOOKS_WORKER: 'true', WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true', WEBHOOKS_POLL_MILLISECONDS: '50', WEBHOOKS_TIMEOUT_SECONDS: '5', LOG_LEVEL: 'debug' };
    // The first one migrates the fresh database; the second starts on it once it is ready.
    const first = await startReplica('hooks1', env);
    await first.ready;
    const second = await startReplica('hooks2', env);
    await second.ready;
    replicas = [first, second];
    receivers = [await startReceiver(), await startReceiver()];
  }, 300_000);

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await killAll();
    await db?.drop();
  });

  it('R24 two processes deliver every event exactly once per endpoint (by webhook-id), in sequence order, signed', async () => {
    const orm = await openDatabase({ databaseUrl: db.url, pgliteDir: '', migrate: false, poolMax: 1 });
    let owner: { id: string; email: string };
    try {
      const user = await createUser(orm, { email: uniqueEmail('hooks'), platformAdmin: true });
      owner = { id: user.id, email: user.email };
    } finally {
      await orm.close();
    }
    const signedIn = await gql(replicas[0]!.url, SIGN_IN, { email: owner.email, password: PASSWORD });
    const token = signedIn.body.data.signIn.accessToken as string;
    const created = await gql(replicas[0]!.url, `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { __typename ... on Organization { id } } }`, { i: { name: 'Replicated hooks', ownerUserId: gid('User', owner.id) } }, token);
    const orgGid = created.body.data.createOrganization.id as string;
    const secrets: string[] = [];
    for (const receiver of receivers) {
      const hook = await gql(replicas[1]!.url, `mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { __typename ... on WebhookSecretPayload { secret } } }`, { i: { organizationId: orgGid, url: receiver.url, eventTypes: ['role.updated'] } }, token);
      expect(hook.body.data?.createWebhookEndpoint?.__typename, JSON.stringify(hook.body)).toBe('WebhookSecretPayload');
      secrets.push(hook.body.data.createWebhookEndpoint.secret);
    }
    const role = await gql(replicas[0]!.url, `mutation($o: ID!) { createRole(input: { organizationId: $o, name: "Replicated", permissions: ["projects:read"] }) { __typename ... on Role { id } } }`, { o: orgGid }, token);
    const roleId = role.body.data.createRole.id as string;

    // N committed changes, alternately through each process, while both workers run.
    for (let i = 0; i < EVENTS; i++) {
      const reply = await gql(replicas[i % 2]!.url, `mutation($r: ID!, $d: String!) { updateRole(input: { roleId: $r, description: $d }) { __typename } }`, { r: roleId, d: `step ${i}` }, token);
      expect(reply.body.data?.updateRole?.__typename, JSON.stringify(reply.body)).toBe('Role');
    }
    const orgId = Buffer.from(orgGid, 'base64').toString().split(':')[1]!;
    const events = await db.query<{ id: string; seq: string }>(`select id::text, seq::text from webhook_event where org_id = $1 and type = 'role.updated' order by webhook_event.seq`, [orgId]);
    expect(events).toHaveLength(EVENTS);
    const expectedIds = events.map((e) => `msg_${e.id}`);

    for (const receiver of receivers) await receiver.waitFor((all) => all.length >= EVENTS, 60_000);
    // Give a double send the time to show up before counting.
    await new Promise((r) => setTimeout(r, 1000));
    for (const [i, receiver] of receivers.entries()) {
      const ids = receiver.received.map((r) => r.id);
      expect(ids, `endpoint ${i}: each webhook-id once`).toHaveLength(EVENTS);
      expect(new Set(ids).size).toBe(EVENTS);
      expect(ids, `endpoint ${i}: in sequence order`).toEqual(expectedIds);
      expect(receiver.received.map((r) => r.json.data.sequence)).toEqual(events.map((e) => Number(e.seq)));
      expect(receiver.received.map((r) => r.json.data.after.description)).toEqual(Array.from({ length: EVENTS }, (_, n) => `step ${n}`));
      expect(receiver.received.every((r) => receiver.verify(secrets[i]!, r))).toBe(true);
    }
    // The log agrees: one attempt per delivery, every delivery succeeded.
    const [log] = await db.query<{ deliveries: number; attempts: number; succeeded: number }>(
      `select count(distinct d.id)::int as deliveries, count(a.id)::int as attempts, count(distinct d.id) filter (where d.status = 'SUCCEEDED')::int as succeeded
         from webhook_delivery d join webhook_event e on e.id = d.event_id left join webhook_attempt a on a.delivery_id = d.id
        where d.org_id = $1 and e.type = 'role.updated'`,
      [orgId],
    );
    expect(log).toEqual({ deliveries: EVENTS * 2, attempts: EVENTS * 2, succeeded: EVENTS * 2 });
    // Both processes took part: each logged attempts of its own (debug line 'webhook attempt'), adding up to one per delivery.
    const attemptsBy = replicas.map((r) => r.output().split('\n').filter((line) => line.includes('"msg":"webhook attempt"')).length);
    expect(attemptsBy.every((n) => n > 0), `attempts per process: ${attemptsBy.join(', ')}`).toBe(true);
    expect(attemptsBy[0]! + attemptsBy[1]!).toBe(EVENTS * 2);
  });
});
