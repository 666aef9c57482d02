// A PostgreSQL primary and its streaming replica on this machine, for the read-replica test: a fresh
// cluster (initdb) on a free port, and a second cluster made from it with `pg_basebackup -R`, whose
// replay is held back by `recovery_min_apply_delay` so that lag is visible. Both live in one temporary
// directory removed by stop(). As root the servers run as the `postgres` account (PostgreSQL refuses
// root); as any other user they run as that user. Needs only the server binaries (postgresql-15 or
// any other version under /usr/lib/postgresql/*/bin, or PG_BIN).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './processes.ts';

/** The directory of initdb, pg_ctl and pg_basebackup, or undefined when none is installed. */
export function postgresBinaries(): string | undefined {
  const has = (dir: string) => ['initdb', 'pg_ctl', 'pg_basebackup'].every((b) => fs.existsSync(path.join(dir, b)));
  if (process.env.PG_BIN && has(process.env.PG_BIN)) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.map((v) => path.join(root, v, 'bin')).find(has);
}

/** Why the servers cannot run here, or undefined when they can. */
export function replicationUnavailable(): string | undefined {
  if (!postgresBinaries()) return 'no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) under /usr/lib/postgresql/*/bin or PG_BIN';
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root and there is no postgres account to run the servers as';
  return undefined;
}

export interface StreamingPair {
  primaryUrl: string;
  replicaUrl: string;
  /** Runs one statement on the primary or the replica (a connection each time). */
  query<T = Record<string, unknown>>(on: 'primary' | 'replica', sql: string, params?: unknown[]): Promise<T[]>;
  /** Resolves once the replica shows what `sql` (returning one row with `ok`) expects. */
  replicaShows(sql: string, params?: unknown[], timeoutMs?: number): Promise<void>;
  stopReplica(): void;
  stop(): void;
}

export async function startStreamingPair(options: { applyDelayMs: number }): Promise<StreamingPair> {
  const bin = postgresBinaries()!;
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-streaming-'));
  fs.chmodSync(dir, 0o755);
  const primaryDir = path.join(dir, 'primary');
  const replicaDir = path.join(dir, 'replica');
  if (asRoot) spawnSync('chown', ['-R', 'postgres:postgres', dir]);
  const run = (binary: string, args: string[]) => {
    const command = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, binary), ...args]] as const : [path.join(bin, binary), args] as const;
    const result = spawnSync(command[0], [...command[1]], { encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`${binary} ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  };
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  // Small and fast: nothing here needs to survive a crash; sockets in the directory, TCP on loopback only.
  const serverOptions = (port: number) => `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=32MB -c max_connections=40`;
  const started: string[] = [];
  const stopServer = (data: string) => {
    if (!started.includes(data)) return;
    spawnSync(asRoot ? 'runuser' : path.join(bin, 'pg_ctl'), [...(asRoot ? ['-u', 'postgres', '--', path.join(bin, 'pg_ctl')] : []), '-D', data, '-m', 'immediate', '-w', 'stop'], { timeout: 30_000 });
    started.splice(started.indexOf(data), 1);
  };
  const stop = () => {
    stopServer(replicaDir);
    stopServer(primaryDir);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    // initdb's pg_hba.conf lets local and loopback connections in, replication ones included (trust).
    run('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    run('pg_ctl', ['-D', primaryDir, '-o', `${serverOptions(primaryPort)} -c wal_level=replica -c max_wal_senders=4`, '-l', path.join(dir, 'primary.log'), '-w', 'start']);
    started.push(primaryDir);
    // -R writes primary_conninfo and standby.signal: the copy starts as a streaming replica.
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
    fs.appendFileSync(path.join(replicaDir, 'postgresql.auto.conf'), `recovery_min_apply_delay = '${options.applyDelayMs}ms'\n`);
    run('pg_ctl', ['-D', replicaDir, '-o', `${serverOptions(replicaPort)} -c hot_standby=on`, '-l', path.join(dir, 'replica.log'), '-w', 'start']);
    started.push(replicaDir);
  } catch (error) {
    stop();
    throw error;
  }
  const url = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;
  const query = async <T,>(on: 'primary' | 'replica', sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url(on === 'primary' ? primaryPort : replicaPort) });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };
  return {
    primaryUrl: url(primaryPort),
    replicaUrl: url(replicaPort),
    query,
    replicaShows: async (sql, params, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [found] = await query<{ ok: boolean }>('replica', sql, params).catch(() => [] as { ok: boolean }[]);
        if (found?.ok) return;
        if (Date.now() > deadline) throw new Error(`the replica did not show "${sql}" within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    stopReplica: () => stopServer(replicaDir),
    stop,
  };
}
