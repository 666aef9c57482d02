import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { emOf } from '../../src/db/orm.ts';
import { startServer } from '../../src/server.ts';
import { recordAudit } from '../../src/modules/audit/audit.service.ts';
import { MAX_ATTEMPTS, claimDue } from '../../src/modules/webhooks/webhook.worker.ts';
import { postWebhook } from '../../src/modules/webhooks/webhook.sender.ts';
import { urlProblem } from '../../src/modules/webhooks/webhook.ssrf.ts';
import { addMember, createOrg, createUser, gid, roleGid, signIn, startTestServer, type TestServer } from '../harness.ts';
import { startReceiver, type Receiver } from './webhook-receiver.ts';

/**
 * R24 webhooks end to end: a change commits its audit event and outbox rows in one transaction
 * (the trigger), workers deliver them signed (Standard Webhooks) to a real HTTP receiver, in order
 * per endpoint, retried with backoff after 500s and time-outs, at least once even across a crash,
 * never twice per attempt across two workers (FOR UPDATE SKIP LOCKED).
 */

const ENV = { WEBHOOKS_WORKER: 'true', WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true', WEBHOOKS_POLL_MILLISECONDS: '50', WEBHOOKS_TIMEOUT_SECONDS: '1' };

let ts: TestServer;
let receiver: Receiver;
let orgId: string;
let ownerSession: string;

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { __typename ... on WebhookSecretPayload { secret endpoint { id } } ... on ValidationError { issues { path message } } ... on Error { message } }
}`;

async function endpoint(eventTypes: string[], org = orgId, session = ownerSession): Promise<{ id: string; rawId: string; secret: string }> {
  const res = await ts.gql(CREATE, { input: { organizationId: gid('Organization', org), url: receiver.url, eventTypes } }, session);
  const out = res.data.createWebhookEndpoint;
  if (out.__typename !== 'WebhookSecretPayload') throw new Error(JSON.stringify(res));
  return { id: out.endpoint.id, rawId: Buffer.from(out.endpoint.id, 'base64').toString().split(':')[1]!, secret: out.secret };
}

/** A committed change that writes a `role.created` audit event. */
async function createRole(name: string, session = ownerSession, org = orgId) {
  const res = await ts.gql(`mutation($o: ID!, $n: String!) { createRole(input: { organizationId: $o, name: $n, permissions: ["projects:read"] }) { __typename } }`, { o: gid('Organization', org), n: name }, session);
  expect(res.data.createRole.__typename).toBe('Role');
}

beforeAll(async () => {
  ts = await startTestServer(ENV);
  receiver = await startReceiver();
  const owner = await createUser(ts.orm);
  orgId = (await createOrg(ts, 'Hooks', owner.id)).id;
  ownerSession = (await signIn(ts, owner.email)).accessToken;
});
afterAll(async () => {
  await ts?.close();
  await receiver?.close();
});
beforeEach(async () => {
  receiver.respond = () => 200;
  receiver.received.length = 0;
  // Each test starts from a clean slate of endpoints (deleting cascades their deliveries).
  await emOf(ts.orm).execute(`delete from webhook_endpoint`);
});

describe('webhooks (R24)', () => {
  it('R24 a committed change is delivered signed, with actor, target user (id, email), before/after, roles added and removed, and the sequence', async () => {
    const hook = await endpoint(['membership.roles_changed']);
    const member = await addMember(ts, orgId, ['viewer']);
    const res = await ts.gql(`mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename } }`, { m: member.gid.membership, r: [await roleGid(ts, orgId, 'developer')] }, ownerSession);
    expect(res.data.setMemberRoles.__typename).toBe('Membership');
    await receiver.waitFor((all) => all.some((r) => r.json.type === 'membership.roles_changed'));
    const got = receiver.received.find((r) => r.json.type === 'membership.roles_changed')!;
    expect(receiver.verify(hook.secret, got)).toBe(true);
    expect(got.id).toMatch(/^msg_\d+$/);
    const audit = (await emOf(ts.orm).execute<{ seq: string; id: string }[]>(`select seq, id from audit_event where org_id = ? and action = 'membership.roles_changed' order by seq desc limit 1`, [orgId]))[0]!;
    expect(got.json.data).toMatchObject({ organizationId: orgId, sequence: Number(audit.seq), actor: { userId: expect.any(String) } });
    expect(got.json.data.target.user).toEqual({ id: member.userId, email: member.email });
    expect(got.json.data.before).toBeTruthy();
    expect(got.json.data.after).toBeTruthy();
    if (got.json.data.rolesAdded) {
      expect(got.json.data.rolesAdded.join()).toMatch(/developer/i);
      expect(got.json.data.rolesRemoved.join()).toMatch(/viewer/i);
    }
    // Another secret does not verify it.
    expect(receiver.verify('whsec_' + Buffer.from('x'.repeat(24)).toString('base64'), got)).toBe(false);
  });

  it('R24 R13 a change that rolls back sends nothing: no event, no delivery', async () => {
    await endpoint(['*']);
    const before = (await emOf(ts.orm).execute<{ n: number }[]>(`select count(*)::int as n from webhook_event`))[0]!.n;
    await expect(
      emOf(ts.orm).transactional(async (tx) => {
        recordAudit(tx, { userId: null, label: 'test' }, { orgId, action: 'role.created', target: { type: 'Role', id: 'x', label: 'rolled back' } });
        await tx.flush();
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await emOf(ts.orm).execute<{ n: number }[]>(`select count(*)::int as n from webhook_event`))[0]!.n).toBe(before);
    await createRole(`Committed ${crypto.randomUUID().slice(0, 6)}`);
    await receiver.waitFor((all) => all.some((r) => r.json.type === 'role.created'));
    expect(receiver.received.some((r) => r.json.data.target.label === 'rolled back')).toBe(false);
  });

  it('R24 per-endpoint order holds through retries after a 500 and a time-out; the delivery log keeps every response code', async () => {
    const hook = await endpoint(['role.created']);
    let calls = 0;
    receiver.respond = (r) => {
      calls += 1;
      if (r.json.data.target.label === 'Order 1' && calls === 1) return 500;
      if (r.json.data.target.label === 'Order 1' && calls === 2) return { delayMs: 1500 };
      return 200;
    };
    for (let i = 1; i <= 4; i++) await createRole(`Order ${i}`);
    // The first attempt fails (500); the later events wait behind it.
    await receiver.waitFor((all) => all.length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.map((r) => r.json.data.target.label)).toEqual(['Order 1']);
    // Fast-forward the backoff twice (the second attempt times out).
    // Attempts are recorded after the receiver answers (or the time-out fires): wait for the record first.
    const recorded = async () => (await emOf(ts.orm).execute<{ n: number }[]>(`select count(*)::int as n from webhook_attempt a join webhook_delivery d on d.id = a.delivery_id where d.endpoint_id = ?`, [hook.rawId]))[0]!.n;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 100 && (await recorded()) < round + 1; i++) await new Promise((r) => setTimeout(r, 50));
      await emOf(ts.orm).execute(`update webhook_delivery set next_attempt_at = now() where endpoint_id = ? and status = 'PENDING'`, [hook.rawId]);
      await receiver.waitFor((all) => all.length >= round + 2, 10_000);
      await new Promise((r) => setTimeout(r, 1200));
    }
    for (let i = 0; i < 100 && (await recorded()) < 2; i++) await new Promise((r) => setTimeout(r, 50));
    await emOf(ts.orm).execute(`update webhook_delivery set next_attempt_at = now() where endpoint_id = ? and status = 'PENDING'`, [hook.rawId]);
    await receiver.waitFor((all) => all.filter((r) => r.status === 200).length >= 4, 15_000);
    const ok = receiver.received.filter((r) => r.status === 200).map((r) => r.json.data.target.label);
    expect(ok).toEqual(['Order 1', 'Order 2', 'Order 3', 'Order 4']);
    const sequences = receiver.received.filter((r) => r.status === 200).map((r) => r.json.data.sequence);
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
    const log = await ts.gql(
      `query($o: ID!) { webhookEndpoints(organizationId: $o) { deliveries(first: 10) { sequence status attemptCount attempts { statusCode error } } } }`,
      { o: gid('Organization', orgId) },
      ownerSession,
    );
    const first = log.data.webhookEndpoints[0].deliveries.find((d: { sequence: number }) => d.sequence === sequences[0]);
    expect(first.status).toBe('SUCCEEDED');
    expect(first.attempts.map((a: { statusCode: number | null }) => a.statusCode)).toEqual([500, null, 200]);
    expect(first.attempts[1].error).toMatch(/Timed out/);
  });

  it('R24 secret rotation with overlap: deliveries verify with the old and the new secret', async () => {
    const hook = await endpoint(['role.created']);
    const rotated = await ts.gql(`mutation($e: ID!) { rotateWebhookSecret(endpointId: $e, overlapHours: 1) { ... on WebhookSecretPayload { secret } } }`, { e: hook.id }, ownerSession);
    const fresh = rotated.data.rotateWebhookSecret.secret as string;
    await createRole(`Rotated ${crypto.randomUUID().slice(0, 6)}`);
    await receiver.waitFor((all) => all.some((r) => r.json.type === 'role.created'));
    const got = receiver.received.find((r) => r.json.type === 'role.created')!;
    expect(got.signature.split(' ')).toHaveLength(2);
    expect(receiver.verify(fresh, got)).toBe(true);
    expect(receiver.verify(hook.secret, got)).toBe(true);
  });

  it('R24 manual redelivery and replay from a sequence number send the same messages again, in order', async () => {
    const hook = await endpoint(['role.created']);
    for (let i = 1; i <= 3; i++) await createRole(`Replay ${i} ${crypto.randomUUID().slice(0, 4)}`);
    await receiver.waitFor((all) => all.length >= 3);
    const firstRound = receiver.received.map((r) => r.id);
    const log = await ts.gql(`query($o: ID!) { webhookEndpoints(organizationId: $o) { deliveries(first: 10) { id sequence } } }`, { o: gid('Organization', orgId) }, ownerSession);
    const deliveries = log.data.webhookEndpoints[0].deliveries as { id: string; sequence: number }[];
    const again = await ts.gql(`mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { __typename } }`, { d: deliveries[0]!.id }, ownerSession);
    expect(again.data.redeliverWebhook.__typename).toBe('WebhookDelivery');
    await receiver.waitFor((all) => all.length >= 4);
    expect(firstRound).toContain(receiver.received[3]!.id);
    const from = Math.min(...deliveries.map((d) => d.sequence));
    const replayed = await ts.gql(`mutation($e: ID!, $f: Int!) { replayWebhooks(endpointId: $e, fromSequence: $f) { ... on WebhookReplayPayload { queued nextSequence } } }`, { e: hook.id, f: from }, ownerSession);
    expect(replayed.data.replayWebhooks).toEqual({ queued: 3, nextSequence: null });
    await receiver.waitFor((all) => all.length >= 7);
    expect(receiver.received.slice(4).map((r) => r.id)).toEqual(firstRound);
  });

  it('R24 an endpoint that keeps failing is disabled after the last attempt, and that is audited', async () => {
    const hook = await endpoint(['role.created']);
    receiver.respond = () => 503;
    await createRole(`Failing ${crypto.randomUUID().slice(0, 6)}`);
    await receiver.waitFor((all) => all.length >= 1);
    // Skip ahead to the last attempt.
    await emOf(ts.orm).execute(`update webhook_delivery set attempts = ?, next_attempt_at = now() where endpoint_id = ?`, [MAX_ATTEMPTS - 1, hook.rawId]);
    await receiver.waitFor((all) => all.length >= 2);
    // The receiver answers before the worker records the outcome: wait for the record to commit.
    const read = () => emOf(ts.orm).execute<{ enabled: boolean; disabled_reason: string }[]>(`select enabled, disabled_reason from webhook_endpoint where id = ?`, [hook.rawId]);
    for (let i = 0; i < 100 && (await read())[0]!.enabled; i++) await new Promise((r) => setTimeout(r, 50));
    const state = await read();
    expect(state[0]!.enabled).toBe(false);
    expect(state[0]!.disabled_reason).toMatch(/HTTP 503/);
    const audit = await emOf(ts.orm).execute<{ n: number }[]>(`select count(*)::int as n from audit_event where org_id = ? and action = 'webhook.endpoint_disabled' and target_id = ?`, [orgId, hook.rawId]);
    expect(audit[0]!.n).toBe(1);
  });

  it('R24 "send test event" queues a signed webhook.test delivery through the outbox, to that endpoint only; the delivery log lists it', async () => {
    const SEND = `mutation($e: ID!) { sendTestWebhook(endpointId: $e) { __typename ... on WebhookDelivery { id sequence eventType status } ... on Error { message } } }`;
    const tested = await endpoint(['role.created']);
    const other = await endpoint(['role.created']);
    const res = await ts.gql(SEND, { e: tested.id }, ownerSession);
    expect(res.data.sendTestWebhook).toMatchObject({ __typename: 'WebhookDelivery', eventType: 'webhook.test' });
    await receiver.waitFor((all) => all.some((r) => r.json.type === 'webhook.test'));
    await new Promise((r) => setTimeout(r, 300));
    const got = receiver.received.filter((r) => r.json.type === 'webhook.test');
    expect(got).toHaveLength(1);
    expect(receiver.verify(tested.secret, got[0]!)).toBe(true);
    expect(receiver.verify(other.secret, got[0]!)).toBe(false);
    const audit = (await emOf(ts.orm).execute<{ seq: string; actor_label: string }[]>(`select seq, actor_label from audit_event where org_id = ? and action = 'webhook.test' and target_id = ?`, [orgId, tested.rawId]))[0]!;
    expect(got[0]!.json.data).toMatchObject({ sequence: Number(audit.seq), organizationId: orgId, target: { type: 'WebhookEndpoint', id: tested.rawId } });
    expect(res.data.sendTestWebhook.sequence).toBe(Number(audit.seq));
    // The delivery log shows it, with the receiver's answer once recorded.
    const log = async () => (await ts.gql(`query($o: ID!) { webhookEndpoints(organizationId: $o) { id deliveries(first: 5) { id eventType status lastStatus } } }`, { o: gid('Organization', orgId) }, ownerSession)).data.webhookEndpoints;
    for (let i = 0; i < 100 && (await log()).find((e: { id: string }) => e.id === tested.id).deliveries[0].status !== 'SUCCEEDED'; i++) await new Promise((r) => setTimeout(r, 50));
    const listed = (await log()).find((e: { id: string }) => e.id === tested.id).deliveries;
    expect(listed[0]).toMatchObject({ id: res.data.sendTestWebhook.id, eventType: 'webhook.test', status: 'SUCCEEDED', lastStatus: 200 });
    expect((await log()).find((e: { id: string }) => e.id === other.id).deliveries).toEqual([]);
    // A turned-off endpoint is told so; a member without integrations:manage is refused.
    await ts.gql(`mutation($e: ID!) { updateWebhookEndpoint(input: { endpointId: $e, enabled: false }) { __typename } }`, { e: other.id }, ownerSession);
    const off = await ts.gql(SEND, { e: other.id }, ownerSession);
    expect(off.data.sendTestWebhook.__typename).toBe('PolicyError');
    const developer = (await signIn(ts, (await addMember(ts, orgId, ['developer'])).email)).accessToken;
    const refused = await ts.gql(SEND, { e: tested.id }, developer);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('R24 a test event reaches an endpoint subscribed to everything once, even though the outbox trigger already queued it', async () => {
    const all = await endpoint(['*']);
    const res = await ts.gql(`mutation($e: ID!) { sendTestWebhook(endpointId: $e) { __typename ... on WebhookDelivery { id } } }`, { e: all.id }, ownerSession);
    expect(res.data.sendTestWebhook.__typename).toBe('WebhookDelivery');
    await receiver.waitFor((got) => got.some((r) => r.json.type === 'webhook.test'));
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.filter((r) => r.json.type === 'webhook.test')).toHaveLength(1);
  });

  it('R24 SSRF: private, loopback and link-local addresses are refused unless configured', async () => {
    for (const url of ['http://127.0.0.1/x', 'http://localhost:80/', 'http://169.254.169.254/latest', 'http://10.0.0.1/', 'http://[::1]/', 'http://[::ffff:192.168.0.1]/', 'ftp://example.com/']) {
      expect(urlProblem(url, false), url).toBeDefined();
    }
    expect(urlProblem('https://hooks.example.com/gatehouse', false)).toBeUndefined();
    // The check also runs when the socket resolves the name: a public-looking name for a private address is refused.
    const before = receiver.received.length;
    const result = await postWebhook(receiver.url.replace('127.0.0.1', 'localhost'), '{}', {}, { timeoutMs: 1000, allowPrivate: false });
    expect(result.status).toBeNull();
    expect(result.error).toMatch(/may not reach/);
    expect(receiver.received.length).toBe(before);
  });

  it('R24 R22 bad endpoint input is refused naming the field; R1 other roles and organizations may not manage endpoints', async () => {
    const bad = await ts.gql(CREATE, { input: { organizationId: gid('Organization', orgId), url: 'not a url', eventTypes: ['Bad Type'] } }, ownerSession);
    expect(bad.data.createWebhookEndpoint.__typename).toBe('ValidationError');
    expect(bad.data.createWebhookEndpoint.issues.map((i: { path: string[] }) => i.path.join('.'))).toEqual(['input.url', 'input.eventTypes.0']);
    const expected: Record<string, string> = { admin: 'WebhookSecretPayload', manager: 'WebhookSecretPayload', developer: 'FORBIDDEN', viewer: 'FORBIDDEN' };
    for (const [role, outcome] of Object.entries(expected)) {
      const session = (await signIn(ts, (await addMember(ts, orgId, [role])).email)).accessToken;
      const res = await ts.gql(CREATE, { input: { organizationId: gid('Organization', orgId), url: receiver.url, eventTypes: ['*'] } }, session);
      expect(res.data?.createWebhookEndpoint?.__typename ?? res.errors?.[0]?.extensions?.code, role).toBe(outcome);
    }
    const stranger = await createUser(ts.orm);
    await createOrg(ts, 'Stranger', stranger.id);
    const foreign = await ts.gql(CREATE, { input: { organizationId: gid('Organization', orgId), url: receiver.url, eventTypes: ['*'] } }, (await signIn(ts, stranger.email)).accessToken);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('delivery across workers and crashes (R24)', () => {
  // Its own database, with no worker in the test server: the processes below are the only senders.
  let quiet: TestServer;
  let org: string;
  let session: string;
  let hook: { rawId: string; secret: string };

  const gqlAt = async (url: string, query: string, variables: Record<string, unknown>) => {
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${session}` }, body: JSON.stringify({ query, variables }) });
    return (await res.json()) as { data?: any; errors?: unknown[] };
  };
  const roleAt = async (url: string, name: string) => {
    const res = await gqlAt(url, `mutation($o: ID!, $n: String!) { createRole(input: { organizationId: $o, name: $n, permissions: ["projects:read"] }) { __typename } }`, { o: gid('Organization', org), n: name });
    expect(res.data?.createRole?.__typename).toBe('Role');
  };
  const worker = () => startServer({ ...quiet.config, port: 0, webhooks: { ...quiet.config.webhooks, worker: true } }, { log: pino({ level: 'silent' }), orm: quiet.orm });

  beforeAll(async () => {
    quiet = await startTestServer({ ...ENV, WEBHOOKS_WORKER: 'false' });
    const owner = await createUser(quiet.orm);
    org = (await createOrg(quiet, 'Replicas', owner.id)).id;
    session = (await signIn(quiet, owner.email)).accessToken;
    const res = await gqlAt(quiet.url, CREATE, { input: { organizationId: gid('Organization', org), url: receiver.url, eventTypes: ['role.created'] } });
    const out = res.data.createWebhookEndpoint;
    hook = { rawId: Buffer.from(out.endpoint.id, 'base64').toString().split(':')[1]!, secret: out.secret };
  });
  afterAll(async () => quiet?.close());
  beforeEach(async () => {
    await emOf(quiet.orm).execute(`delete from role where org_id = ? and not builtin`, [org]);
  });

  it('R24 two workers on one database send every event exactly once per attempt, in order', async () => {
    const names = Array.from({ length: 15 }, (_, i) => `Twice ${i}`);
    for (const name of names) await roleAt(quiet.url, name);
    const [a, b] = await Promise.all([worker(), worker()]);
    try {
      await receiver.waitFor((all) => all.length >= 15, 20_000);
      await new Promise((r) => setTimeout(r, 500));
      const ids = receiver.received.map((r) => r.id);
      expect(ids).toHaveLength(15);
      expect(new Set(ids).size).toBe(15);
      expect(receiver.received.map((r) => r.json.data.target.label)).toEqual(names);
      expect(receiver.received.every((r) => receiver.verify(hook.secret, r))).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('R24 a crash after the commit (nothing sent yet, or a claim never finished) still delivers after a restart', async () => {
    // Committed with no worker running: the process "dies" before delivering.
    await roleAt(quiet.url, 'After crash 1');
    await roleAt(quiet.url, 'After crash 2');
    // A worker claimed the first and died mid-attempt: its lease is left behind, then runs out.
    const stuck = await claimDue(emOf(quiet.orm), 1);
    expect(stuck).toHaveLength(1);
    await emOf(quiet.orm).execute(`update webhook_delivery set leased_until = now() - interval '1 second' where id = ?`, [stuck[0]!.id]);
    const restarted = await worker();
    try {
      await receiver.waitFor((all) => all.filter((r) => r.json.data.target.label.startsWith('After crash')).length >= 2);
      expect(receiver.received.map((r) => r.json.data.target.label)).toEqual(['After crash 1', 'After crash 2']);
      // The receiver answers before the worker records the outcome: wait for the record to commit.
      const pendingCount = async () => (await emOf(quiet.orm).execute<{ n: number }[]>(`select count(*)::int as n from webhook_delivery where endpoint_id = ? and status = 'PENDING'`, [hook.rawId]))[0]!.n;
      for (let i = 0; i < 100 && (await pendingCount()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await pendingCount()).toBe(0);
    } finally {
      await restarted.close();
    }
  });
});
