// Integrator workloads (docs/integrators.md): a batch of 100 checkPermissions questions per request,
// and webhook delivery throughput to a real HTTP receiver. Gatehouse only (L1 has neither).
//
// Runs on PostgreSQL only: it starts a Gatehouse process of its own on the benchmark database (the
// main one stays up, PGlite would admit one process), with the webhook worker on, allowed to
// deliver to 127.0.0.1 and polling every 50 ms, and signs in the benchmark caller (owner of "big").
//
//   checkPermissions: 100 (member, permission) questions about 100 active members of "big", answered
//   in one request; every answer is checked against the roles read by plain SQL beforehand.
//   Webhooks: ENDPOINTS endpoints of "big" subscribed to role.updated, then EVENTS audit events of
//   that action committed in one transaction (the outbox trigger queues a delivery per endpoint);
//   deliveries/s from the commit to the last delivery received, each webhook-id once per endpoint,
//   in sequence order. A delivery waits for the endpoint's earlier one (R24 ordering), so the rate
//   grows with the number of endpoints, not with the batch.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { effectivePermissions } from '../../packages/permissions/src/index.ts';
import { ROOT, pg } from './deps.ts';
import { startChild } from './ipc.ts';
import { dataOf, runLoad, send, type LoadResult } from './load.ts';
import { BENCH_PASSWORD } from './seed.ts';
import { DOCS, gid, type Fixtures, type Workload } from './workloads.ts';

export interface IntegratorsOptions {
  databaseUrl: string | undefined;
  fx: Fixtures;
  clients: number;
  durationMs: number;
  warmupMs: number;
  /** The quick dataset: fewer webhook events. */
  small: boolean;
}

export interface IntegratorsResult {
  skipped?: string;
  checkPermissions100?: LoadResult & { questionsPerSecond: number };
  webhooks?: { endpoints: number; events: number; deliveries: number; seconds: number; deliveriesPerSecond: number; duplicates: number; outOfOrder: number };
}

const CHECKS = `query Checks($o: ID!, $c: [PermissionCheckInput!]!) {
  checkPermissions(organizationId: $o, checks: $c) { subject permission allowed reason }
}`;
const PERMISSIONS = ['projects:read', 'deployments:create', 'members:update', 'org:own', 'audit:read'];
const ENDPOINTS = 4;

export async function integratorsPhase(o: IntegratorsOptions): Promise<IntegratorsResult> {
  console.log('\n[integrators] checkPermissions x100 per request; webhook deliveries/s');
  if (!o.databaseUrl) {
    console.log('  skipped: needs PostgreSQL (a second Gatehouse process on the same database)');
    return { skipped: 'PostgreSQL only' };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-integrators-'));
  const server = await startChild('Gatehouse (integrators)', path.join(ROOT, 'scripts/bench/gatehouse-server.ts'), {
    JWT_PRIVATE_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    JWT_ISSUER: 'https://gatehouse.bench',
    JWT_AUDIENCE: 'gatehouse',
    ACCESS_TOKEN_TTL_SECONDS: '3600',
    GATEHOUSE_PRESET: 'gatehouse',
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    GRAPHIQL: 'false',
    PUBLIC_URL: 'https://gatehouse.bench',
    GATEHOUSE_DATA_DIR: dataDir,
    DATABASE_URL: o.databaseUrl,
    MIGRATION_DATABASE_URL: '',
    WEBHOOKS_WORKER: 'true',
    WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true',
    WEBHOOKS_POLL_MILLISECONDS: '50',
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const db = new pg.Client({ connectionString: o.databaseUrl });
  await db.connect();
  try {
    const signedIn = dataOf(await send(agent, server.url, { method: 'POST', path: '/graphql', body: JSON.stringify({ query: DOCS.signIn, variables: { email: o.fx.callerEmail, password: BENCH_PASSWORD } }), auth: false }, undefined));
    const token = signedIn.data?.signIn?.accessToken as string | undefined;
    if (!token) throw new Error(`integrators: sign-in failed: ${signedIn.error ?? JSON.stringify(signedIn.data)}`);
    const checks = await checkPermissions100(db, server.url, token, o);
    const webhooks = await webhookThroughput(db, agent, server.url, token, o);
    return { checkPermissions100: checks, webhooks };
  } finally {
    agent.destroy();
    await db.end();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** 100 questions about 100 active members of "big", with the answers their roles give (plain SQL). */
async function checkPermissions100(db: InstanceType<typeof pg.Client>, url: string, token: string, o: IntegratorsOptions) {
  const members = (
    await db.query<{ user_id: string; permissions: string[][] }>(
      `select m.user_id, coalesce(json_agg(r.permissions) filter (where r.id is not null), '[]') as permissions
         from membership m join "user" u on u.id = m.user_id and u.status = 'ACTIVE'
         left join membership_role mr on mr.membership_id = m.id left join role r on r.id = mr.role_id
        where m.org_id = $1 and m.status = 'ACTIVE'
        group by m.user_id order by m.user_id limit 100`,
      [o.fx.bigOrgId],
    )
  ).rows;
  const questions = members.map((m, i) => ({ subject: gid('User', m.user_id), permission: PERMISSIONS[i % PERMISSIONS.length]! }));
  const expected = members.map((m, i) => effectivePermissions(m.permissions.map((permissions) => ({ permissions }))).has(PERMISSIONS[i % PERMISSIONS.length]!));
  const body = JSON.stringify({ query: CHECKS, variables: { o: gid('Organization', o.fx.bigOrgId), c: questions } });
  const workload: Workload = {
    key: 'check-100',
    title: 'checkPermissions: 100 questions in one request',
    request: () => ({ method: 'POST', path: '/graphql', body, auth: true }),
    check: (data) => {
      const answers = data?.checkPermissions as { allowed: boolean }[] | undefined;
      if (!answers || answers.length !== questions.length) return `answers: ${JSON.stringify(data).slice(0, 200)}`;
      const wrong = answers.findIndex((a, i) => a.allowed !== expected[i]);
      return wrong >= 0 ? `answer ${wrong}: ${answers[wrong]!.allowed} instead of ${expected[wrong]}` : undefined;
    },
  };
  const run = await runLoad(url, 'gatehouse', workload, { clients: o.clients, durationMs: o.durationMs, warmupMs: o.warmupMs, token });
  const result = { ...run, questionsPerSecond: Math.round(run.rps * questions.length) };
  console.log(`  checkPermissions x${questions.length}: ${run.rps} req/s (${result.questionsPerSecond} answers/s), p50 ${run.p50} ms, p99 ${run.p99} ms, ${run.errors} errors${run.errorSamples.length ? ` (${run.errorSamples[0]})` : ''}`);
  return result;
}

/** ENDPOINTS endpoints on one real receiver; EVENTS events committed at once; deliveries/s until the last one arrived. */
async function webhookThroughput(db: InstanceType<typeof pg.Client>, agent: http.Agent, url: string, token: string, o: IntegratorsOptions) {
  const events = o.small ? 100 : 1000;
  const received = new Map<string, { id: string; sequence: number }[]>();
  let last = 0;
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const list = received.get(req.url ?? '') ?? [];
      list.push({ id: String(req.headers['webhook-id']), sequence: JSON.parse(Buffer.concat(chunks).toString('utf8')).data.sequence });
      received.set(req.url ?? '', list);
      last = performance.now();
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as { port: number }).port;
  const endpointIds: string[] = [];
  try {
    for (let e = 0; e < ENDPOINTS; e++) {
      const created = dataOf(
        await send(agent, url, {
          method: 'POST',
          path: '/graphql',
          body: JSON.stringify({
            query: `mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { __typename ... on WebhookSecretPayload { endpoint { id } } ... on Error { message } } }`,
            variables: { i: { organizationId: gid('Organization', o.fx.bigOrgId), url: `http://127.0.0.1:${port}/e${e}`, eventTypes: ['role.updated'] } },
          }),
          auth: true,
        }, token),
      );
      const id = created.data?.createWebhookEndpoint?.endpoint?.id as string | undefined;
      if (!id) throw new Error(`integrators: endpoint not created: ${created.error ?? JSON.stringify(created.data)}`);
      endpointIds.push(Buffer.from(id, 'base64').toString().split(':')[1]!);
    }
    // The events, committed at once: the outbox trigger queues one delivery per endpoint for each.
    const started = performance.now();
    await db.query(
      `insert into audit_event (org_id, actor_label, action, target_type, target_id, target_label, after)
       select $1, 'bench', 'role.updated', 'Role', gen_random_uuid()::text, 'bench ' || g, jsonb_build_object('n', g)
         from generate_series(1, $2::int) g`,
      [o.fx.bigOrgId, events],
    );
    const total = events * ENDPOINTS;
    const count = () => [...received.values()].reduce((n, l) => n + l.length, 0);
    const deadline = Date.now() + 600_000;
    while (count() < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const seconds = (last - started) / 1000;
    let duplicates = 0;
    let outOfOrder = 0;
    for (const list of received.values()) {
      duplicates += list.length - new Set(list.map((r) => r.id)).size;
      for (let i = 1; i < list.length; i++) if (list[i]!.sequence <= list[i - 1]!.sequence) outOfOrder += 1;
    }
    const result = { endpoints: ENDPOINTS, events, deliveries: count(), seconds: Math.round(seconds * 100) / 100, deliveriesPerSecond: Math.round(count() / seconds), duplicates, outOfOrder };
    console.log(`  webhooks: ${result.deliveries}/${total} deliveries to ${ENDPOINTS} endpoints in ${result.seconds} s: ${result.deliveriesPerSecond} deliveries/s; ${duplicates} duplicates, ${outOfOrder} out of order`);
    return result;
  } finally {
    // Deleting the endpoints removes their deliveries: later workloads see no worker traffic.
    if (endpointIds.length) await db.query(`delete from webhook_endpoint where id = any($1::uuid[])`, [endpointIds]);
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
}
