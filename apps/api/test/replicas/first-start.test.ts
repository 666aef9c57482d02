// Three replicas started at the same moment on one empty PostgreSQL database: migrations and the
// first-start bootstrap take turns under the start-up advisory lock (db/orm.ts withStartupLock), so
// all three come up and there is exactly one platform admin and one first organization.
// PostgreSQL only: PGlite is one process with one connection, there is no second replica to race.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { onPostgres, TEST_SIGNING_KEY } from '../harness.ts';
import { freshDatabase, killAll, ROOT, startReplica, type ReplicaDatabase } from './processes.ts';

afterAll(killAll);

describe('replicas: concurrent first start', () => {
  it.skipIf(!onPostgres)('three replicas started at once on an empty database all come up, with exactly one platform admin (PostgreSQL only)', { timeout: 240_000 }, async () => {
    const db: ReplicaDatabase = await freshDatabase();
    try {
      const replicas = await Promise.all(['r1', 'r2', 'r3'].map((name) => startReplica(name, { DATABASE_URL: db.url })));
      await Promise.all(replicas.map((r) => r.ready));

      const admins = await db.query<{ email: string }>(`select email from "user" where is_platform_admin`);
      expect(admins).toEqual([{ email: 'admin@gatehouse.local' }]);
      expect(await db.query(`select slug from organization`)).toEqual([{ slug: 'acme' }]);
      // The one-time password was printed by exactly one replica: the one that created the admin.
      expect(replicas.filter((r) => r.output().includes('One-time password')).map((r) => r.name)).toHaveLength(1);
      // Every migration applied once.
      const applied = await db.query<{ name: string; n: number }>(`select name, count(*)::int as n from mikro_orm_migrations group by name having count(*) > 1`);
      expect(applied).toEqual([]);
      // All three serve the same data.
      for (const r of replicas) {
        const res = await fetch(`${r.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
        expect(res.status, r.name).toBe(200);
      }
      const codes = await Promise.all(replicas.map((r) => r.stop()));
      expect(codes).toEqual([0, 0, 0]);
    } finally {
      await killAll();
      await db.drop();
    }
  });

  it.skipIf(!onPostgres)('`main.ts migrate` applies migrations and the bootstrap once and exits; replicas with GATEHOUSE_MIGRATE=false then start on it (PostgreSQL only)', { timeout: 240_000 }, async () => {
    const db = await freshDatabase();
    try {
      const job = await runMigrateCommand(db.url);
      expect(job.code, job.output).toBe(0);
      expect(job.output).toContain('One-time password');
      const replicas = await Promise.all(['m1', 'm2'].map((name) => startReplica(name, { DATABASE_URL: db.url, GATEHOUSE_MIGRATE: 'false' })));
      await Promise.all(replicas.map((r) => r.ready));
      expect(replicas.some((r) => r.output().includes('One-time password'))).toBe(false);
      expect(await db.query(`select count(*)::int as n from "user" where is_platform_admin`)).toEqual([{ n: 1 }]);
      expect(await Promise.all(replicas.map((r) => r.stop()))).toEqual([0, 0]);
    } finally {
      await killAll();
      await db.drop();
    }
  });
});

/** `node apps/api/src/main.ts migrate`, as the Kubernetes migration Job runs it. */
async function runMigrateCommand(databaseUrl: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', DATABASE_URL: databaseUrl, JWT_PRIVATE_KEY: TEST_SIGNING_KEY, GATEHOUSE_DATA_DIR: os.tmpdir() };
    delete env.MIGRATION_DATABASE_URL;
    delete env.GATEHOUSE_MIGRATE;
    const child = spawn(process.execPath, ['apps/api/src/main.ts', 'migrate'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}
