import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../harness.ts';
import { startReceiver, type Receiver } from './webhook-receiver.ts';

/**
 * R24 with real processes: an API process commits a change and is killed (SIGKILL) before it
 * delivers anything; another process started on the same database delivers it. PGlite by
 * default (the same data directory), PostgreSQL with DATABASE_URL.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const PASSWORD = 'Correct-Horse-Battery-42';
const JWT_PRIVATE_KEY = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let db: TestDb | undefined;
let dataDir: string;
let receiver: Receiver;
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function startProcess(worker: boolean, firstStart = false): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    JWT_ISSUER: 'gatehouse-crash-test',
    GATEHOUSE_DATA_DIR: dataDir,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    JWT_PRIVATE_KEY,
    WEBHOOKS_WORKER: String(worker),
    WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true',
    WEBHOOKS_POLL_MILLISECONDS: '50',
  };
  if (db?.databaseUrl) env.DATABASE_URL = db.databaseUrl;
  else delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['apps/api/src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`API exited:\n${output}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    // The first start prints the bootstrap admin's one-time password after it is serving.
    if (ready && (!firstStart || /One-time password: \S+/.test(output))) return { url, child, output: () => output };
    if (Date.now() > until) throw new Error(`API did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: unknown[] };
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-crash-'));
  if (process.env.DATABASE_URL) {
    db = await createTestDb();
    await db.orm.close(); // the processes open their own connections
  }
  receiver = await startReceiver();
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await receiver?.close();
  if (db) await db.drop().catch(() => undefined);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('webhooks across a process crash (R24)', () => {
  it('R24 a change committed by a process killed before delivering is delivered by the next process', { timeout: 300_000 }, async () => {
    const first = await startProcess(false, true);
    const email = /Platform admin: (\S+)/.exec(first.output())?.[1];
    const temporary = /One-time password: (\S+)/.exec(first.output())?.[1];
    expect(email && temporary, first.output()).toBeTruthy();
    const signIn = await gql(first.url, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { ... on AuthPayload { accessToken } } }`, { e: email, p: temporary });
    const changed = await gql(first.url, `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { ... on AuthPayload { accessToken } } }`, { c: temporary, n: PASSWORD }, signIn.data.signIn.accessToken);
    const token = changed.data.changePassword.accessToken as string;
    const org = (await gql(first.url, `{ organization(slug: "acme") { id } }`, {}, token)).data.organization.id as string;
    const created = await gql(first.url, `mutation($o: ID!, $u: String!) { createWebhookEndpoint(input: { organizationId: $o, url: $u, eventTypes: ["role.created"] }) { ... on WebhookSecretPayload { secret } } }`, { o: org, u: receiver.url }, token);
    const secret = created.data.createWebhookEndpoint.secret as string;
    const role = await gql(first.url, `mutation($o: ID!) { createRole(input: { organizationId: $o, name: "Survives the crash", permissions: ["projects:read"] }) { __typename } }`, { o: org }, token);
    expect(role.data.createRole.__typename).toBe('Role');
    // The commit is done; the process dies before any worker could send.
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(receiver.received).toHaveLength(0);

    const second = await startProcess(true);
    await receiver.waitFor((all) => all.some((r) => r.json.type === 'role.created'), 60_000);
    const got = receiver.received.find((r) => r.json.type === 'role.created')!;
    expect(got.json.data.target.label).toBe('Survives the crash');
    expect(receiver.verify(secret, got)).toBe(true);
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  });
});
