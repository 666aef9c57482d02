// Real Gatehouse replicas for the replica tests: each one `node apps/api/src/main.ts` in a process of
// its own (what `pnpm start` and the container run), on a fresh PostgreSQL database, sharing one key.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { TEST_SIGNING_KEY } from '../harness.ts';

export const ROOT = path.resolve(import.meta.dirname, '../../../..');
const MAIN = path.join(ROOT, 'apps/api/src/main.ts');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ReplicaDatabase {
  url: string;
  name: string;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A new, empty database on the server of DATABASE_URL; drop() removes it (and its connections). */
export async function freshDatabase(prefix = 'gh_replicas'): Promise<ReplicaDatabase> {
  const base = process.env.DATABASE_URL!;
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    query: async (sql, params) => {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      try {
        return (await c.query(sql, params)).rows;
      } finally {
        await c.end();
      }
    },
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface Replica {
  name: string;
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
  /** Resolves once /readyz answers 200 (rejects if the process exits first or after 90 s). */
  ready: Promise<void>;
  /** SIGTERM and the exit code. */
  stop(): Promise<number | null>;
}

const running = new Set<Replica>();

/** Starts one replica; `env` is added to a clean environment (nothing of the test's database settings). */
export async function startReplica(name: string, env: Record<string, string>, port?: number): Promise<Replica> {
  const chosen = port ?? (await freePort());
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(base)) if (/^(DATABASE_|MIGRATION_|GATEHOUSE_|JWT_|VITEST|PORT$|DRAIN_|SHUTDOWN_)/.test(key)) delete base[key];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `gatehouse-${name}-`));
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    // A small pool: CI runs these files beside the rest of the suite on one PostgreSQL (max_connections 100).
    env: { ...base, NODE_ENV: 'test', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: String(chosen), GATEHOUSE_DATA_DIR: dataDir, JWT_PRIVATE_KEY: TEST_SIGNING_KEY, DATABASE_POOL_MAX: '4', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${chosen}`;
  const replica: Replica = {
    name,
    url,
    port: chosen,
    child,
    output: () => output,
    exited,
    ready: waitReady(url, exited, () => output),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  running.add(replica);
  void exited.then(() => {
    running.delete(replica);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return replica;
}

async function waitReady(url: string, exited: Promise<number | null>, output: () => string): Promise<void> {
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (gone !== undefined) throw new Error(`${url} exited with ${gone} before it was ready:\n${output()}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} was not ready after 90 s:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Kills whatever replica a failed test left running (afterAll / finally). */
export async function killAll(): Promise<void> {
  const left = [...running];
  for (const r of left) r.child.kill('SIGKILL');
  await Promise.all(left.map((r) => r.exited));
}

/** Path of a Debian binary when installed (haproxy, pgbouncer), else undefined. */
export function installed(binary: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    const file = path.join(dir, binary);
    if (fs.existsSync(file)) return file;
  }
  const which = spawnSync('which', [binary], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

export interface GqlReply {
  status: number;
  replica: string | null;
  body: { data?: any; errors?: { message: string }[] };
}

export async function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlReply> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  const replica = res.headers.get('x-gatehouse-replica');
  try {
    return { status: res.status, replica, body: JSON.parse(text) as GqlReply['body'] };
  } catch {
    return { status: res.status, replica, body: { errors: [{ message: `not JSON: ${text.slice(0, 200)}` }] } };
  }
}
