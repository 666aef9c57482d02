// `pnpm bench` (node scripts/bench.ts): Gatehouse measured against the raw-SQL limit ("L1") in one run,
// on the same database and data. docs/benchmarks.md explains the workloads and how to read the table.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm bench        PostgreSQL (full dataset)
//   pnpm bench                                                                  PGlite (small dataset, Gatehouse only)
//
// Flags: --small (quick dataset), --large (1M users, 100k-member org, 10M audit events: scripts/bench/large.ts), --workloads viewer,members-big,... (see WORKLOAD_KEYS),
//        --duration <s> (10), --repeats <n> (3), --clients <n> (10), --warmup <s> (2),
//        --explain (EXPLAIN ANALYZE of every statement of one request of each read workload, PostgreSQL),
//        --keep (keep the benchmark database), --json <file> (.bench/last.json),
//        --database <name> (PostgreSQL: use that database, already seeded with the same dataset flag by
//          scripts/bench/seed.ts or large.ts, e.g. the large one, instead of creating and seeding one; never dropped),
//        --replica <url> (PostgreSQL: a streaming replica of DATABASE_URL's server, e.g. from
//          scripts/bench/replica-pair.ts; adds the side "replica", a second Gatehouse with
//          DATABASE_REPLICA_URLS set, measured in the same alternation, and each side's PostgreSQL CPU
//          per request on the primary and on the replica), --no-l1 (leave L1 out).
//
// What it does: creates a database (gatehouse_bench_<time> next to DATABASE_URL's, or an embedded one
// in a temporary directory), migrates it with Gatehouse's own migrations and seeds it by SQL
// (scripts/bench/seed.ts); starts Gatehouse (scripts/bench/gatehouse-server.ts) and L1
// (scripts/bench/l1-server.ts), each in a process of its own; compares one answer of each workload
// from both; then, per workload, counts statements per request on both sides and drives both with the
// closed-loop load generator (scripts/bench/load.ts), alternating Gatehouse and L1 (ABAB...) for
// --repeats rounds, and reports the median. Then the audit export (rows/s, RSS of the server) and the
// SPA's initial JavaScript. Prints one table and writes it as JSON.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createPostgresDatabase, dropPostgresDatabase, FULL, SMALL, seedPglite, seedPostgres, BENCH_PASSWORD, BIG_SLUG, type DatasetSpec, type SeedResult, type Sql } from './bench/seed.ts';
import { largeSpec } from './bench/large.ts';
import { integratorsPhase } from './bench/integrators.ts';
import { fixtures as loadFixtures, workloads as allWorkloads, WORKLOAD_KEYS, DOCS, type Fixtures, type Side, type Workload } from './bench/workloads.ts';
import { call, dataOf, runLoad, send, type LoadResult } from './bench/load.ts';
import { startChild, type ChildServer, type Statement } from './bench/ipc.ts';
import { ROOT, loadPglite, loadPgTrgm, pg, type PgClient } from './bench/deps.ts';

const { values: flags } = parseArgs({
  options: {
    small: { type: 'boolean', default: false },
    large: { type: 'boolean', default: false },
    workloads: { type: 'string' },
    duration: { type: 'string', default: '10' },
    repeats: { type: 'string', default: '3' },
    clients: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    explain: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    database: { type: 'string' },
    replica: { type: 'string' },
    'no-l1': { type: 'boolean', default: false },
    json: { type: 'string', default: path.join(ROOT, '.bench/last.json') },
  },
});
const DURATION_MS = Number(flags.duration) * 1000;
const WARMUP_MS = Number(flags.warmup) * 1000;
const REPEATS = Math.max(1, Number(flags.repeats));
const CLIENTS = Math.max(1, Number(flags.clients));
// Always in WORKLOAD_KEYS order: the export runs before setMemberRoles adds events to "big".
const asked = flags.workloads ? flags.workloads.split(',').map((s) => s.trim()).filter(Boolean) : WORKLOAD_KEYS;
const selected = WORKLOAD_KEYS.filter((k) => asked.includes(k));
const unknown = asked.filter((k) => !WORKLOAD_KEYS.includes(k));
if (unknown.length) {
  console.error(`unknown workload(s) ${unknown.join(', ')}; choose from ${WORKLOAD_KEYS.join(', ')}`);
  process.exit(2);
}
const baseUrl = process.env.DATABASE_URL?.trim() || undefined;
const onPostgres = Boolean(baseUrl);
const spec: DatasetSpec = flags.large && onPostgres ? largeSpec() : flags.small || !onPostgres ? SMALL : FULL;
const started = performance.now();
const log = (line: string) => console.log(line);

// --- database ------------------------------------------------------------------------------------
const existing = flags.database?.trim();
if (existing !== undefined && (!onPostgres || !/^[a-z_][a-z0-9_]{0,62}$/.test(existing))) {
  console.error('--database <name> needs DATABASE_URL (PostgreSQL) and a plain database name');
  process.exit(2);
}
if (flags.replica && !onPostgres) {
  console.error('--replica needs DATABASE_URL (PostgreSQL)');
  process.exit(2);
}
const dbName = existing ?? `gatehouse_bench_${Date.now().toString(36)}`;
/** The same database on another server (the replica holds every database of its primary). */
const onServer = (server: string, db: string) => {
  const u = new URL(server);
  u.pathname = `/${db}`;
  return u.toString();
};
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
let databaseUrl: string | undefined;
const children: ChildServer[] = [];
const result: Record<string, any> = {
  when: new Date().toISOString(),
  command: `${onPostgres ? 'DATABASE_URL=… ' : ''}node scripts/bench.ts ${process.argv.slice(2).join(' ')}`.trim(),
  database: onPostgres ? 'PostgreSQL' : 'PGlite',
  machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100) },
  settings: { clients: CLIENTS, durationSeconds: DURATION_MS / 1000, warmupSeconds: WARMUP_MS / 1000, repeats: REPEATS },
  dataset: spec,
  git: gitState(),
};
let exitCode = 0;

try {
  console.log(`bench: ${result.database}, dataset ${spec.name} (${spec.users.toLocaleString('en')} users, ${spec.orgs} organizations, ${spec.auditEvents.toLocaleString('en')} audit events); ${CLIENTS} clients, ${DURATION_MS / 1000} s x ${REPEATS} per side`);
  if (!onPostgres) console.log('bench: L1 needs PostgreSQL (PGlite has no server port a second process could use): Gatehouse-only figures. Set DATABASE_URL to compare.');

  let seeded: SeedResult;
  let fx: Fixtures;
  const t = performance.now();
  if (baseUrl && existing) {
    databaseUrl = onServer(baseUrl, existing);
    seeded = { spec, timings: {}, counts: {}, totalMs: 0 };
    fx = await withPg(databaseUrl, (sql) => loadFixtures(sql, spec, CLIENTS));
    console.log(`bench: using the seeded database ${existing} as it is (not seeded, not dropped)`);
  } else if (baseUrl) {
    databaseUrl = await createPostgresDatabase(baseUrl, dbName);
    console.log(`bench: created ${dbName} and applied Gatehouse's migrations (${Math.round(performance.now() - t)} ms)`);
    seeded = await seedPostgres(databaseUrl, spec, log);
    fx = await withPg(databaseUrl, (sql) => loadFixtures(sql, spec, CLIENTS));
  } else {
    seeded = await seedPglite(dataDir, spec, log);
    fx = await withPglite(dataDir, (sql) => loadFixtures(sql, spec, CLIENTS));
  }
  console.log(`bench: seeded in ${(seeded.totalMs / 1000).toFixed(1)} s: ${JSON.stringify(seeded.counts)}`);
  result.seed = seeded;

  // --- servers -----------------------------------------------------------------------------------
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const common = { JWT_PRIVATE_KEY: pem, JWT_ISSUER: 'https://gatehouse.bench', JWT_AUDIENCE: 'gatehouse', ACCESS_TOKEN_TTL_SECONDS: '3600', GATEHOUSE_PRESET: 'gatehouse', PORT: '0', HOST: '127.0.0.1' };
  const replicaUrl = flags.replica ? onServer(flags.replica, dbName) : undefined;
  if (replicaUrl) await replicaCaughtUp(databaseUrl!, replicaUrl);
  const startGatehouse = (replicas?: string) =>
    startChild(replicas ? 'Gatehouse+replica' : 'Gatehouse', path.join(ROOT, 'scripts/bench/gatehouse-server.ts'), {
      ...common,
      NODE_ENV: 'production',
      LOG_LEVEL: 'error',
      GRAPHIQL: 'false',
      PUBLIC_URL: 'https://gatehouse.bench',
      GATEHOUSE_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl ?? '',
      MIGRATION_DATABASE_URL: '',
      // No webhook worker polling beside the measured requests (the integrators phase runs its own).
      WEBHOOKS_WORKER: 'false',
      ...(replicas ? { DATABASE_REPLICA_URLS: replicas } : {}),
    }).then((c) => (children.push(c), c));
  const startL1 = () => startChild('L1', path.join(ROOT, 'scripts/bench/l1-server.ts'), { ...common, DATABASE_URL: databaseUrl }).then((c) => (children.push(c), c));
  const sides: { side: Side; server: ChildServer }[] = [{ side: 'gatehouse', server: await startGatehouse() }];
  if (databaseUrl && !flags['no-l1']) sides.push({ side: 'l1', server: await startL1() });
  if (replicaUrl) sides.push({ side: 'replica', server: await startGatehouse(replicaUrl) });
  const restart = (side: Side) => (side === 'gatehouse' ? startGatehouse() : side === 'replica' ? startGatehouse(replicaUrl) : startL1());
  // PostgreSQL's own CPU (all its processes) on the primary and the replica, when both run here.
  const pgCpu = replicaUrl ? { primary: await postgresCpu(databaseUrl!), replica: await postgresCpu(replicaUrl) } : undefined;
  const serverOf = (side: Side) => sides.find((s) => s.side === side)?.server;
  const gatehouse = () => serverOf('gatehouse')!;
  const l1 = serverOf('l1');
  console.log(`bench: Gatehouse on ${gatehouse().url} (pid ${gatehouse().pid})${l1 ? `, L1 on ${l1.url} (pid ${l1.pid})` : ''}`);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let token = await signInCaller(agent, gatehouse().url, fx);
  let tokenAt = Date.now();
  const freshToken = async () => {
    if (Date.now() - tokenAt > 30 * 60_000) {
      token = await signInCaller(agent, gatehouse().url, fx);
      tokenAt = Date.now();
    }
    return token;
  };

  const all = allWorkloads(fx);
  const rows: Row[] = [];
  result.workloads = rows;
  const explains: string[] = [];

  for (const key of selected) {
    if (key === 'export') {
      // Fresh server processes, so RSS before the export is a server's own baseline, not what earlier
      // workloads left in its heap; they serve the workloads after it too.
      for (const s of sides) {
        await s.server.stop();
        s.server = await restart(s.side);
      }
      result.export = await exportPhase(sides, await freshToken(), fx);
      continue;
    }
    if (key === 'spa') {
      result.spa = bundleSize();
      continue;
    }
    if (key === 'integrators') {
      result.integrators = await integratorsPhase({ databaseUrl, fx, clients: CLIENTS, durationMs: DURATION_MS, warmupMs: WARMUP_MS, small: spec.name === 'small' });
      continue;
    }
    const workload = all.find((w) => w.key === key)!;
    console.log(`\n[${workload.key}] ${workload.title}`);
    const row: Row = { key: workload.key, title: workload.title, sides: {} };
    rows.push(row);
    const tok = await freshToken();

    // One answer of each side, compared field by field (setMemberRoles on its own extra target).
    if (serverOf('l1')) {
      const client = workload.key === 'set-member-roles' ? CLIENTS : 0;
      const g = await call(agent, gatehouse().url, 'gatehouse', { ...workload, done: undefined }, client, 0, tok);
      const l = await call(agent, serverOf('l1')!.url, 'l1', { ...workload, done: undefined }, client, 0, tok);
      workload.done?.(client, 0);
      const difference = g.error || l.error ? undefined : diff(g.data, l.data, '', new Set(workload.ignore ?? []));
      row.sameAnswer = g.error ? `Gatehouse: ${g.error}` : l.error ? `L1: ${l.error}` : difference ? `differs at ${difference}` : 'yes';
      console.log(`  same answer from both: ${row.sameAnswer}`);
    }

    // Statements per request, from each server's own counter; with --explain, the statements of one request.
    for (const { side, server } of sides) {
      const n = workload.key === 'sign-in' ? 3 : 10;
      if (flags.explain && databaseUrl && !['set-member-roles', 'sign-in'].includes(workload.key)) {
        await server.capture(true);
        await call(agent, server.url, side, workload, 0, 0, tok);
        const captured = (await server.stats()).captured ?? [];
        await server.capture(false);
        const report = await explainAll(databaseUrl, captured);
        explains.push(`=== ${workload.key} / ${side}: ${captured.length} statements\n${report.text}`);
        (row.sides[side] ??= {} as SideResult).slowest = report.slowest;
      }
      const before = (await server.stats()).statements;
      let errors = 0;
      for (let i = 0; i < n; i++) if ((await call(agent, server.url, side, workload, 0, i, tok)).error) errors += 1;
      const after = (await server.stats()).statements;
      const s = (row.sides[side] ??= {} as SideResult);
      s.statementsPerRequest = Math.round(((after - before) / n) * 10) / 10;
      if (errors) s.countingErrors = errors;
    }

    // ABAB...: Gatehouse, L1, Gatehouse, L1, ...
    for (let r = 0; r < REPEATS; r++) {
      for (const { side, server } of sides) {
        // The server's CPU time (user + system) over the counted window, per answered request.
        const cpu = async () => {
          const s = await server.stats();
          return s.cpuUserMicros + s.cpuSystemMicros;
        };
        const run = await runLoad(server.url, side, workload, { clients: CLIENTS, durationMs: DURATION_MS, warmupMs: WARMUP_MS, token: tok, sample: cpu, samples: pgCpu });
        const s = (row.sides[side] ??= {} as SideResult);
        const perRequest = (micros: number | undefined) => (run.requests && micros !== undefined ? Math.round((micros / 1000 / run.requests) * 100) / 100 : NaN);
        const pgMs = pgCpu ? { primaryPgCpuMsPerRequest: perRequest(run.sampledBy?.primary), replicaPgCpuMsPerRequest: perRequest(run.sampledBy?.replica) } : {};
        (s.runs ??= []).push({ ...run, serverCpuMsPerRequest: perRequest(run.sampled), ...pgMs });
        const pgText = pgCpu ? `; PostgreSQL CPU ms/req primary ${pgMs.primaryPgCpuMsPerRequest}, replica ${pgMs.replicaPgCpuMsPerRequest}` : '';
        console.log(`  ${side.padEnd(9)} run ${r + 1}: ${run.rps} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, ${run.errors} errors${run.errorSamples.length ? ` (${run.errorSamples[0]})` : ''}${pgText}`);
      }
    }
    for (const s of Object.values(row.sides)) summarize(s);
    const g = row.sides.gatehouse;
    const l = row.sides.l1;
    if (g && l) row.ratio = Math.round((g.rps / l.rps) * 100) / 100;
    const rr = row.sides.replica;
    if (g && rr) row.replicaRatio = Math.round((rr.rps / g.rps) * 100) / 100;
  }

  if (explains.length) {
    const file = path.join(path.dirname(path.resolve(flags.json!)), 'explain.txt');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, explains.join('\n\n'));
    result.explainFile = path.relative(ROOT, file);
  }
  // RSS (and its high-water mark) of each server process at the end (since the restart before the export).
  const mb = (n: number) => Math.round(n / 1024 / 102.4) / 10;
  result.serversAtEnd = Object.fromEntries(await Promise.all(sides.map(async ({ side, server }) => {
    const r = await server.rss();
    return [side, { rssMB: mb(r.rss), peakRssMB: mb(r.hwm) }];
  })));
  result.machine.loadAverageAtEnd = os.loadavg().map((n) => Math.round(n * 100) / 100);
  agent.destroy();
  printReport(result, rows);
} catch (error) {
  exitCode = 1;
  console.error('bench failed:', error);
  result.error = String(error instanceof Error ? error.stack : error);
} finally {
  for (const child of children) await child.stop().catch(() => {});
  // A database given with --database is never dropped.
  if (baseUrl && databaseUrl && !flags.keep && !existing) await dropPostgresDatabase(baseUrl, dbName).catch((e) => console.error('could not drop', dbName, e));
  if (flags.keep || existing) console.log(`kept: ${databaseUrl ?? `${dataDir}/pglite`}`);
  else fs.rmSync(dataDir, { recursive: true, force: true });
}
result.totalSeconds = Math.round((performance.now() - started) / 100) / 10;
fs.mkdirSync(path.dirname(path.resolve(flags.json!)), { recursive: true });
fs.writeFileSync(path.resolve(flags.json!), `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nJSON: ${path.relative(process.cwd(), path.resolve(flags.json!))} (total ${result.totalSeconds} s)`);
process.exit(exitCode);

// --- helpers -------------------------------------------------------------------------------------
interface RunResult extends LoadResult { serverCpuMsPerRequest: number; primaryPgCpuMsPerRequest?: number; replicaPgCpuMsPerRequest?: number }
interface SideResult {
  statementsPerRequest: number;
  countingErrors?: number;
  runs: RunResult[];
  /** Medians over the runs. */
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  serverCpuMsPerRequest: number;
  /** With --replica: PostgreSQL's CPU per request on the primary and on the replica (medians). */
  primaryPgCpuMsPerRequest?: number;
  replicaPgCpuMsPerRequest?: number;
  slowest?: { ms: number; statement: string; plan: string } | undefined;
}
interface Row {
  key: string;
  title: string;
  sameAnswer?: string;
  sides: Partial<Record<Side, SideResult>>;
  ratio?: number;
  /** With --replica: the replica side's requests/s over Gatehouse's without replicas. */
  replicaRatio?: number;
}

/** The commit measured, and how many files differed from it (the working tree is what runs). */
function gitState() {
  const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  return { head: git('rev-parse', '--short', 'HEAD'), changedFiles: git('status', '--porcelain').split('\n').filter(Boolean).length };
}

function summarize(s: SideResult) {
  const median = (xs: number[]) => {
    const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
    if (!v.length) return NaN;
    const m = Math.floor(v.length / 2);
    return v.length % 2 ? v[m]! : Math.round(((v[m - 1]! + v[m]!) / 2) * 100) / 100;
  };
  s.rps = median(s.runs.map((r) => r.rps));
  s.p50 = median(s.runs.map((r) => r.p50));
  s.p99 = median(s.runs.map((r) => r.p99));
  s.errors = s.runs.reduce((n, r) => n + r.errors, 0);
  s.serverCpuMsPerRequest = median(s.runs.map((r) => r.serverCpuMsPerRequest));
  if (s.runs.some((r) => r.primaryPgCpuMsPerRequest !== undefined)) {
    s.primaryPgCpuMsPerRequest = median(s.runs.map((r) => r.primaryPgCpuMsPerRequest ?? NaN));
    s.replicaPgCpuMsPerRequest = median(s.runs.map((r) => r.replicaPgCpuMsPerRequest ?? NaN));
  }
}

/** Waits until the replica has replayed everything the primary had written when called (a seed is gigabytes of WAL). */
async function replicaCaughtUp(primaryUrl: string, replicaUrl: string) {
  const lsn = await withPg(primaryUrl, async (sql) => (await sql.query('select pg_current_wal_lsn()::text as l')).rows[0].l as string);
  const t = performance.now();
  for (;;) {
    const ok = await withPg(replicaUrl, async (sql) => (await sql.query('select pg_is_in_recovery() and pg_last_wal_replay_lsn() >= $1::pg_lsn as ok', [lsn])).rows[0].ok as boolean);
    if (ok) break;
    if (performance.now() - t > 30 * 60_000) throw new Error('the replica did not catch up within 30 minutes');
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log(`bench: replica caught up with the primary (${Math.round(performance.now() - t)} ms)`);
}

/**
 * A sampler of the CPU time (µs, user + system) of every process of the PostgreSQL server behind
 * `url` running on this machine: its postmaster, the live children and the children already gone.
 */
async function postgresCpu(url: string): Promise<() => Promise<number>> {
  const stat = (pid: number) => {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  };
  // A backend's parent is the postmaster (read while the backend lives).
  const postmaster = await withPg(url, async (sql) => Number(stat(Number((await sql.query('select pg_backend_pid() as p')).rows[0].p))[1]));
  const tick = 1_000_000 / 100; // USER_HZ
  return async () => {
    const own = stat(postmaster);
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const f = stat(Number(entry));
        if (Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // gone meanwhile
      }
    }
    return ticks * tick;
  };
}

async function withPg<T>(url: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function withPglite<T>(dir: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const { PGlite } = await loadPglite();
  const { pg_trgm } = await loadPgTrgm();
  const db = await PGlite.create(path.join(dir, 'pglite'), { extensions: { pg_trgm } });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function signInCaller(agent: http.Agent, url: string, fx: Fixtures): Promise<string> {
  const answer = await send(agent, url, { method: 'POST', path: '/graphql', body: JSON.stringify({ query: DOCS.signIn, variables: { email: fx.callerEmail, password: BENCH_PASSWORD } }), auth: false }, undefined);
  const { data, error } = dataOf(answer);
  if (error || data?.signIn?.__typename !== 'AuthPayload') throw new Error(`Gatehouse sign-in of the benchmark caller failed: ${error ?? JSON.stringify(data)}`);
  return data.signIn.accessToken as string;
}

/** First path where two answers differ, ignoring the given keys; undefined when equal. */
function diff(a: unknown, b: unknown, at: string, ignore: Set<string>): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return `${at || '.'}: ${JSON.stringify(a)?.slice(0, 120)} vs ${JSON.stringify(b)?.slice(0, 120)}`;
  if (Array.isArray(a) !== Array.isArray(b)) return `${at}: array vs object`;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return `${at}: ${a.length} items vs ${bb.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], bb[i], `${at}[${i}]`, ignore);
      if (d) return d;
    }
    return undefined;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    if (ignore.has(k)) continue;
    const d = diff(ao[k], bo[k], `${at}.${k}`, ignore);
    if (d) return d;
  }
  return undefined;
}

/** EXPLAIN (ANALYZE, BUFFERS) of every SELECT of one request; the slowest by execution time. */
async function explainAll(url: string, statements: Statement[]) {
  return withPg(url, async (sql) => {
    const client = sql as PgClient;
    let text = '';
    let slowest: { ms: number; statement: string; plan: string } | undefined;
    for (const [i, s] of statements.entries()) {
      const head = s.text.trim().toLowerCase();
      if (!head.startsWith('select') && !head.startsWith('with') && !head.startsWith('(select')) {
        text += `\n--- ${i + 1}: ${s.text.trim().split('\n')[0]!.slice(0, 100)} (not explained)\n`;
        continue;
      }
      try {
        const rows = (await client.query(`explain (analyze, buffers) ${s.text}`, s.values ?? [])).rows as Record<string, string>[];
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        const ms = Number(plan.match(/Execution Time: ([\d.]+) ms/)?.[1] ?? NaN);
        text += `\n--- ${i + 1}: ${ms} ms\n${s.text.trim()}\n${s.values?.length ? `-- values: ${JSON.stringify(s.values).slice(0, 500)}\n` : ''}${plan}\n`;
        if (!slowest || ms > slowest.ms) slowest = { ms, statement: s.text.trim(), plan };
      } catch (error) {
        text += `\n--- ${i + 1}: explain failed: ${error instanceof Error ? error.message : error}\n${s.text.trim()}\n`;
      }
    }
    return { text, slowest };
  });
}

/** GET /audit/export on each side, REPEATS times (ABAB): rows/s, and the server's RSS sampled every 50 ms. */
async function exportPhase(sides: { side: Side; server: ChildServer }[], token: string, fx: Fixtures) {
  console.log(`\n[export] audit export of ${fx.auditEvents.toLocaleString('en')} events (CSV)`);
  const out: Record<string, any> = { events: fx.auditEvents, sides: {} };
  const hashes: Record<string, string> = {};
  // Each fresh server answers one authenticated export request first (an unknown format: it checks
  // the token and the user, then answers 400 without exporting), then one untimed export, reported
  // apart as the first export of a fresh process. Its RSS after that warm-up is the baseline every
  // run's growth is measured from: a freshly started Node process is still sizing V8's heap (its
  // young generation doubles after about 30 MB of surviving objects, most of them from start-up),
  // so whatever work comes first pays that step once, whether it is an export or not.
  const baseline: Record<string, number> = {};
  for (const { side, server } of sides) {
    await send(new http.Agent(), server.url, { method: 'GET', path: `/audit/export?organization=${BIG_SLUG}&format=none`, auth: true }, token).catch(() => undefined);
    const fresh = (await server.rss()).rss;
    const first = await measureExport(server, token, fresh);
    (out.sides[side] ??= { runs: [] }).firstExport = { rowsPerSecond: first.rowsPerSecond, freshRssMB: first.baselineRssMB, peakRssMB: first.peakRssMB, rssGrowthMB: first.rssGrowthMB, ...(first.error ? { error: first.error } : {}) };
    console.log(`  ${side.padEnd(9)} warm-up, the fresh process's first export: ${first.rows.toLocaleString('en')} rows = ${first.rowsPerSecond.toLocaleString('en')} rows/s; RSS ${first.baselineRssMB} MB fresh, peak ${first.peakRssMB} MB (+${first.rssGrowthMB} MB)${first.error ? `; ERROR ${first.error}` : ''}`);
    baseline[side] = (await server.rss()).rss;
  }
  for (let r = 0; r < REPEATS; r++) {
    for (const { side, server } of sides) {
      const m = await measureExport(server, token, baseline[side]!);
      if (m.rows !== fx.auditEvents) m.error ??= `wrong answer: ${m.rows} rows, expected ${fx.auditEvents}`;
      ((out.sides[side] ??= { runs: [] }).runs as any[]).push(m);
      hashes[side] ??= m.sha256;
      console.log(`  ${side.padEnd(9)} run ${r + 1}: ${m.rows.toLocaleString('en')} rows in ${m.seconds} s = ${m.rowsPerSecond.toLocaleString('en')} rows/s; RSS ${m.rssBeforeMB} MB before, peak ${m.peakRssMB} MB (+${m.rssGrowthMB} MB over the warmed-up process's ${m.baselineRssMB} MB, +${m.rssRunGrowthMB} MB during this run)${m.error ? `; ERROR ${m.error}` : ''}`);
    }
  }
  for (const s of Object.values(out.sides) as any[]) {
    const med = (k: string) => {
      const v = s.runs.map((x: any) => x[k]).sort((a: number, b: number) => a - b);
      return v[Math.floor(v.length / 2)];
    };
    const max = (k: string) => Math.max(...s.runs.map((x: any) => x[k]));
    Object.assign(s, { rowsPerSecond: med('rowsPerSecond'), baselineRssMB: s.runs[0].baselineRssMB, peakRssMB: max('peakRssMB'), rssGrowthMB: max('rssGrowthMB'), rssRunGrowthMB: med('rssRunGrowthMB'), errors: s.runs.filter((x: any) => x.error).length });
  }
  if (hashes.gatehouse && hashes.l1) out.sameCsv = hashes.gatehouse === hashes.l1 ? 'yes (identical bytes)' : 'no (the two CSV files differ)';
  if (out.sides.gatehouse && out.sides.l1) out.ratio = Math.round((out.sides.gatehouse.rowsPerSecond / out.sides.l1.rowsPerSecond) * 100) / 100;
  if (out.sameCsv) console.log(`  same CSV from both: ${out.sameCsv}`);
  return out;
}

async function measureExport(server: ChildServer, token: string, baseline: number) {
  const mb = (n: number) => Math.round(n / 1024 / 102.4) / 10;
  const before = await server.rss();
  let peak = before.rss;
  const sampler = setInterval(() => {
    server.rss().then((r) => (peak = Math.max(peak, r.rss)), () => {});
  }, 50);
  const hash = createHash('sha256');
  let newlines = 0;
  let bytes = 0;
  const t0 = performance.now();
  let error: string | undefined;
  const pathQuery = `/audit/export?organization=${BIG_SLUG}&format=csv`;
  await new Promise<void>((resolve) => {
    const req = http.get(`${server.url}${pathQuery}`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) error = `HTTP ${res.statusCode}`;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines += 1;
      });
      res.on('end', () => resolve());
      res.on('error', (e) => {
        error = e.message;
        resolve();
      });
    });
    req.on('error', (e) => {
      error = e.message;
      resolve();
    });
  });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const after = await server.rss();
  peak = Math.max(peak, after.rss);
  const rows = Math.max(0, newlines - 1);
  return {
    rows,
    bytes,
    seconds: Math.round(seconds * 100) / 100,
    rowsPerSecond: Math.round(rows / seconds),
    baselineRssMB: mb(baseline),
    rssBeforeMB: mb(before.rss),
    peakRssMB: mb(peak),
    /** Peak during this run minus the baseline (see exportPhase). */
    rssGrowthMB: mb(peak - baseline),
    /** Peak during this run minus RSS just before it: what one more export adds. */
    rssRunGrowthMB: mb(peak - before.rss),
    sha256: hash.digest('hex'),
    ...(error ? { error } : {}),
  } as { rows: number; bytes: number; seconds: number; rowsPerSecond: number; baselineRssMB: number; rssBeforeMB: number; peakRssMB: number; rssGrowthMB: number; rssRunGrowthMB: number; sha256: string; error?: string };
}

/** apps/web/scripts/bundle-size.ts --json (it builds the SPA when dist is missing; exit 1 only means over budget). */
function bundleSize(): Record<string, unknown> {
  // Rebuilt when a source file is newer than the last build (a stale dist would measure old code).
  const web = path.join(ROOT, 'apps/web');
  const built = fs.statSync(path.join(web, 'dist/index.html'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
      const p = path.join(dir, e.name);
      return Math.max(m, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
    }, 0);
  const stale = newest(path.join(web, 'src')) > built || fs.statSync(path.join(web, 'index.html')).mtimeMs > built;
  console.log(`\n[spa] initial JavaScript of the SPA${stale ? ' (building it first: dist is older than src)' : ''}`);
  const r = spawnSync(process.execPath, [path.join(web, 'scripts/bundle-size.ts'), '--json', ...(stale ? ['--build'] : [])], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
  const last = r.stdout?.trim().split('\n').at(-1);
  try {
    return JSON.parse(last ?? '') as Record<string, unknown>;
  } catch {
    return { error: `bundle-size exited ${r.status}: ${(r.stderr || r.stdout || String(r.error ?? '')).trim().slice(0, 300)}` };
  }
}

function printReport(result: Record<string, any>, rows: Row[]) {
  const hasL1 = rows.some((r) => r.sides.l1);
  const f = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? '—' : n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
  const head = ['workload', 'L1 req/s', 'Gatehouse req/s', 'GH/L1', 'L1 p50/p99 ms', 'GH p50/p99 ms', 'stmts/req L1', 'GH', 'errors L1/GH', 'CPU ms/req L1', 'GH'];
  const table = rows.map((r) => {
    const l = r.sides.l1;
    const g = r.sides.gatehouse;
    return [
      r.title,
      hasL1 ? f(l?.rps) : '—',
      f(g?.rps),
      r.ratio !== undefined ? f(r.ratio, 2) : '—',
      l ? `${f(l.p50, 1)} / ${f(l.p99, 1)}` : '—',
      g ? `${f(g.p50, 1)} / ${f(g.p99, 1)}` : '—',
      l ? f(l.statementsPerRequest, 1) : '—',
      g ? f(g.statementsPerRequest, 1) : '—',
      `${l ? l.errors : '—'} / ${g ? g.errors : '—'}`,
      l ? f(l.serverCpuMsPerRequest, 2) : '—',
      g ? f(g.serverCpuMsPerRequest, 2) : '—',
    ];
  });
  const widths = head.map((h, c) => Math.max(h.length, ...table.map((t) => t[c]!.length)));
  const line = (cells: string[]) => cells.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  console.log(`\n${result.database}, ${result.dataset.name} dataset, ${result.settings.clients} clients, ${result.settings.durationSeconds} s x ${result.settings.repeats} per side (medians), load average at start ${result.machine.loadAverage.join(' ')}`);
  console.log(`${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${table.map(line).join('\n')}`);
  if (rows.some((r) => r.sides.replica)) {
    const rhead = ['workload', 'no replica req/s', 'with replica req/s', 'ratio', 'p50 ms no/with', 'PG CPU ms/req primary no/with', 'replica'];
    const rtable = rows.filter((r) => r.sides.replica && r.sides.gatehouse).map((r) => {
      const g = r.sides.gatehouse!;
      const rr = r.sides.replica!;
      return [r.title, f(g.rps, 1), f(rr.rps, 1), f(r.replicaRatio, 2), `${f(g.p50, 1)} / ${f(rr.p50, 1)}`, `${f(g.primaryPgCpuMsPerRequest, 2)} / ${f(rr.primaryPgCpuMsPerRequest, 2)}`, `${f(g.replicaPgCpuMsPerRequest, 2)} / ${f(rr.replicaPgCpuMsPerRequest, 2)}`];
    });
    const rw = rhead.map((h, c) => Math.max(h.length, ...rtable.map((t) => t[c]!.length)));
    const rline = (cells: string[]) => cells.map((v, c) => (c === 0 ? v.padEnd(rw[c]!) : v.padStart(rw[c]!))).join('  ');
    console.log(`\nGatehouse without and with DATABASE_REPLICA_URLS (same run, alternating; PostgreSQL CPU of all server processes per request):`);
    console.log(`${rline(rhead)}\n${rw.map((w) => '-'.repeat(w)).join('  ')}\n${rtable.map(rline).join('\n')}`);
  }
  const ex = result.export;
  if (ex) {
    const g = ex.sides.gatehouse;
    const l = ex.sides.l1;
    const first = (s: any) => (s.firstExport ? `; first export of the fresh process +${f(s.firstExport.rssGrowthMB, 1)} MB over ${f(s.firstExport.freshRssMB, 1)} MB` : '');
    const part = (s: any) => (s ? `${f(s.rowsPerSecond)} rows/s, peak RSS ${f(s.peakRssMB, 1)} MB (+${f(s.rssGrowthMB, 1)} MB over ${f(s.baselineRssMB, 1)} MB warmed up; median +${f(s.rssRunGrowthMB, 1)} MB during one run${first(s)})${s.errors ? `, ${s.errors} failed` : ''}` : '—');
    console.log(`\naudit export of ${f(ex.events)} events (CSV): L1 ${part(l)}; Gatehouse ${part(g)}${ex.ratio !== undefined ? `; GH/L1 ${f(ex.ratio, 2)}` : ''}${ex.sameCsv ? `; same CSV: ${ex.sameCsv}` : ''}`);
  }
  const spa = result.spa;
  if (spa) console.log(`SPA initial JS: ${'initialJsGzipKB' in spa ? `${spa.initialJsGzipKB} KB gzip (${spa.initialJsRawKB} KB raw, ${spa.files} files; budget ${spa.budgetKB} KB)` : `not measured (${spa.error})`}`);
  const mismatches = rows.filter((r) => r.sameAnswer && r.sameAnswer !== 'yes');
  for (const r of mismatches) console.log(`answers differ on ${r.key}: ${r.sameAnswer}`);
  for (const r of rows) for (const [side, s] of Object.entries(r.sides)) if (s?.errors) console.log(`${side} errors on ${r.key}: ${s.runs.flatMap((x) => x.errorSamples)[0]}`);
  const slow = rows.find((r) => r.key === 'members-big')?.sides.gatehouse?.slowest;
  if (slow) console.log(`\nGatehouse's slowest statement on the members page of "big" (${slow.ms} ms):\n${slow.statement}\n${slow.plan}`);
}
