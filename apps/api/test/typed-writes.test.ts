import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builder, rowOf, rowsOf } from '../src/db/kysely.ts';
import { emOf } from '../src/db/orm.ts';
import { preparedNameOf } from '../src/db/sql.ts';
import { loadConfig } from '../src/config.ts';
import { presetOf, type App } from '../src/context.ts';
import { bootstrapIfEmpty } from '../src/bootstrap.ts';
import { countAttempt, recordSuccess, throttleKeys } from '../src/auth/throttle.ts';
import { revokeSessions } from '../src/auth/session.service.ts';
import { transaction } from '../src/db/retry.ts';
import { claimDue } from '../src/modules/webhooks/webhook.worker.ts';
import { User } from '../src/modules/users/user.entity.ts';
import { createOrg, createTestDb, createUser, gid, onPostgres, signIn, startTestServer, statementsOf, TEST_SIGNING_KEY, type TestServer } from './harness.ts';

/**
 * Issue 10: the writes and row locks that were SQL text now come from the typed builder. What the
 * text carried and the builder must keep: the hot statements (sign-in's throttle, revocation, the
 * webhook claim) stay named prepared statements, the claim keeps `for update of d skip locked` and
 * the literal status its partial index needs, and the locks still do their work under concurrency.
 */

let ts: TestServer;
let orgId: string;
let session: string;

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { __typename ... on WebhookSecretPayload { endpoint { id } } ... on Error { message } }
}`;

async function endpoint(): Promise<string> {
  const res = await ts.gql(CREATE, { input: { organizationId: gid('Organization', orgId), url: 'http://127.0.0.1:9/hook', eventTypes: ['role.created'] } }, session);
  const out = res.data.createWebhookEndpoint;
  if (out.__typename !== 'WebhookSecretPayload') throw new Error(JSON.stringify(res));
  return Buffer.from(out.endpoint.id, 'base64').toString().split(':')[1]!;
}

/** A committed change whose event is queued for every endpoint subscribed to role.created. */
async function createRole(name: string) {
  const res = await ts.gql(`mutation($o: ID!, $n: String!) { createRole(input: { organizationId: $o, name: $n, permissions: ["projects:read"] }) { __typename } }`, { o: gid('Organization', orgId), n: name }, session);
  expect(res.data.createRole.__typename).toBe('Role');
}


beforeAll(async () => {
  ts = await startTestServer({ WEBHOOKS_WORKER: 'false', WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true' });
  const owner = await createUser(ts.orm);
  orgId = (await createOrg(ts, 'Typed writes', owner.id)).id;
  session = (await signIn(ts, owner.email)).accessToken;
});
afterAll(async () => ts?.close());

describe('typed writes keep their statements (issue 10)', () => {
  it('the sign-in throttle and session revocation run as named prepared statements, values bound', async () => {
    const user = await createUser(ts.orm);
    const keys = throttleKeys(`${user.email} `, '203.0.113.7');
    const texts = await statementsOf(async () => {
      await countAttempt(emOf(ts.orm), keys);
      await recordSuccess(emOf(ts.orm), keys);
      await transaction(emOf(ts.orm), (tx) => revokeSessions(tx, user.id));
      await transaction(emOf(ts.orm), (tx) => revokeSessions(tx, user.id, crypto.randomUUID()));
    });
    expect(texts).toHaveLength(8);
    for (const text of texts) {
      expect(preparedNameOf(text), text).toBeDefined();
      expect(text).not.toContain(user.id);
      expect(text).not.toContain('203.0.113.7');
    }
    expect(texts[0]).toMatch(/^insert into "login_throttle" .* on conflict \("key"\) do update set /);
    expect(texts[4]).toBe('select "id" from "user" where "id" = $1 for no key update');
    expect(texts[7]).toMatch(/"family_id" = \$2 and "revoked_at" is null$/);
  });

  it('the webhook claim is named, skips locked rows and keeps the literal status of its partial index', async () => {
    await endpoint();
    await createRole('Claim shape');
    const texts = await statementsOf(() => claimDue(emOf(ts.orm)));
    const [due, lease] = texts;
    expect(texts).toHaveLength(2);
    expect(due).toContain(`"d"."status" = 'PENDING'`);
    expect(due).toMatch(/limit \$1 for update of "d" skip locked$/);
    expect(lease).toMatch(/^update "webhook_delivery" as "d" set .* returning /);
    for (const text of texts) expect(preparedNameOf(text), text).toBeDefined();
    // Leased now: a second claim finds nothing due.
    expect(await claimDue(emOf(ts.orm))).toEqual([]);
  });

  it.skipIf(!onPostgres)('R24 a delivery another worker holds locked is skipped without waiting; the other endpoint is claimed (PostgreSQL only)', async () => {
    await rowsOf(emOf(ts.orm), builder.deleteFrom('webhook_endpoint'));
    const [first, second] = [await endpoint(), await endpoint()];
    await createRole('Skip locked');
    const deliveries = await rowsOf(emOf(ts.orm), builder.selectFrom('webhook_delivery').select(['id', 'endpoint_id']).where('status', '=', 'PENDING'));
    const held = deliveries.find((d) => d.endpoint_id === first)!;
    const free = deliveries.find((d) => d.endpoint_id === second)!;
    expect(deliveries).toHaveLength(2);
    await emOf(ts.orm).transactional(async (tx) => {
      // Another worker's claim, still open: its row lock on the first endpoint's delivery.
      await rowOf(tx, builder.selectFrom('webhook_delivery').select('id').where('id', '=', held.id).forUpdate());
      const claim = claimDue(emOf(ts.orm));
      const waited = await Promise.race([claim.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 5_000))]);
      expect(waited).toBe(false);
      expect((await claim).map((c) => c.id)).toEqual([free.id]);
    });
    // Released: the held one is due and claimed now.
    expect((await claimDue(emOf(ts.orm))).map((c) => c.id)).toEqual([held.id]);
  });
});

describe('first start (advisory lock through the builder)', () => {
  it('two bootstraps at once on an empty database create exactly one platform admin', async () => {
    const db = await createTestDb();
    try {
      const config = loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', JWT_PRIVATE_KEY: TEST_SIGNING_KEY });
      const log = pino({ level: 'silent' });
      const app = { config, orm: db.orm, preset: presetOf(config), log } as unknown as App;
      const results = await Promise.all([bootstrapIfEmpty(app, config, log), bootstrapIfEmpty(app, config, log)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await emOf(db.orm).count(User, { isPlatformAdmin: true })).toBe(1);
    } finally {
      await db.drop();
    }
  });
});
