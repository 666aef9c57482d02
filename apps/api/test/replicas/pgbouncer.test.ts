// Gatehouse behind Debian's PgBouncer in transaction mode: two replicas whose every statement goes
// through a pool of two server connections, shared transaction by transaction. Start-up (migrations
// and the bootstrap under the transaction-level advisory lock), sign-in, reads and concurrent writes
// all work: nothing depends on session state, and named statements are off
// (DATABASE_PREPARED_STATEMENTS=false, as PgBouncer before 1.21 cannot keep them).
// PostgreSQL only, and only where the pgbouncer binary is installed (.ci/run installs it as root).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/orm.ts';
import { createUser, onPostgres, PASSWORD, SIGN_IN, uniqueEmail } from '../harness.ts';
import { freePort, freshDatabase, gql, installed, killAll, startReplica } from './processes.ts';

const PGBOUNCER = installed('pgbouncer');
const SERVER_CONNECTIONS = 2;

afterAll(killAll);

describe('replicas: PgBouncer in transaction mode', () => {
  it.skipIf(!onPostgres || !PGBOUNCER)('two replicas start, sign in, read and write concurrently through PgBouncer (transaction pooling, 2 server connections)', { timeout: 300_000 }, async () => {
    const db = await freshDatabase('gh_bouncer');
    const bouncer = await startPgbouncer(PGBOUNCER!, process.env.DATABASE_URL!);
    try {
      const viaBouncer = new URL(db.url);
      viaBouncer.host = `127.0.0.1:${bouncer.port}`;
      const env = { DATABASE_URL: viaBouncer.toString(), DATABASE_PREPARED_STATEMENTS: 'false', DATABASE_POOL_MAX: '5', PUBLIC_URL: 'http://gatehouse.test' };
      const replicas = await Promise.all(['p1', 'p2'].map((name) => startReplica(name, env)));
      await Promise.all(replicas.map((r) => r.ready));
      expect(await db.query(`select count(*)::int as n from "user" where is_platform_admin`)).toEqual([{ n: 1 }]);

      const orm = await openDatabase({ databaseUrl: db.url, pgliteDir: '', migrate: false, poolMax: 1 });
      const email = uniqueEmail('bouncer');
      await createUser(orm, { email, platformAdmin: true });
      await orm.close();
      const signedIn = await gql(replicas[0]!.url, SIGN_IN, { email, password: PASSWORD });
      const token = signedIn.body.data.signIn.accessToken as string;

      // Writes from both replicas at once, each one transaction through the shared server connections.
      const created = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          gql(replicas[i % 2]!.url, `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { __typename ... on Organization { slug } } }`, { i: { name: `Bouncer ${i}` } }, token),
        ),
      );
      for (const reply of created) expect(reply.body, JSON.stringify(reply.body)).toMatchObject({ data: { createOrganization: { __typename: 'Organization' } } });
      // Reads, alternating, many more clients than server connections.
      const reads = await Promise.all(Array.from({ length: 40 }, (_, i) => gql(replicas[i % 2]!.url, `{ viewer { email } }`, {}, token)));
      expect(reads.every((r) => r.body.data?.viewer?.email === email)).toBe(true);
      expect(await db.query(`select count(*)::int as n from organization`)).toEqual([{ n: 13 }]);

      // PgBouncer really was in the path: its pool for this database has at most two server connections.
      const pools = await bouncer.show('POOLS');
      const pool = pools.find((p) => p.database === db.name);
      expect(pool?.pool_mode).toBe('transaction');
      const stats = await bouncer.show('STATS');
      expect(Number(stats.find((s) => s.database === db.name)?.total_xact_count)).toBeGreaterThan(50);
      const servers = await bouncer.show('SERVERS');
      expect(servers.filter((s) => s.database === db.name).length).toBeLessThanOrEqual(SERVER_CONNECTIONS);

      expect(await Promise.all(replicas.map((r) => r.stop()))).toEqual([0, 0]);
    } finally {
      await killAll();
      await bouncer.close();
      await db.drop();
    }
  });
});

async function startPgbouncer(binary: string, serverUrl: string) {
  const server = new URL(serverUrl);
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-pgbouncer-'));
  fs.chmodSync(dir, 0o755);
  const user = decodeURIComponent(server.username || 'postgres');
  const password = server.password ? ` password=${decodeURIComponent(server.password)}` : '';
  const file = path.join(dir, 'pgbouncer.ini');
  fs.writeFileSync(
    file,
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port || 5432} user=${user}${password}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = any',
      `admin_users = ${user}`,
      'pool_mode = transaction',
      `default_pool_size = ${SERVER_CONNECTIONS}`,
      'max_client_conn = 200',
      'ignore_startup_parameters = extra_float_digits,options',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  // PgBouncer refuses to run as root: as root (CI), run it as the postgres account.
  const asRoot = process.getuid?.() === 0;
  const child: ChildProcess = spawn(binary, [...(asRoot ? ['-u', 'postgres'] : []), file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const console = () => new pg.Client({ host: '127.0.0.1', port, user, database: 'pgbouncer' });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const c = console();
    const ok = await c.connect().then(() => true, () => false);
    await c.end().catch(() => {});
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`pgbouncer did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    show: async (what: 'POOLS' | 'STATS' | 'SERVERS') => {
      const c = console();
      await c.connect();
      try {
        return (await c.query(`SHOW ${what}`)).rows as Record<string, string>[];
      } finally {
        await c.end();
      }
    },
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
