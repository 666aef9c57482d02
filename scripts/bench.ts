// `pnpm bench` (node scripts/bench.ts): measured API latency/throughput on this machine, memory after
// the run and the SPA's initial JS size. Starts the API in-process on loopback with a temporary data
// directory: embedded PGlite by default, or a fresh PostgreSQL database (created, then dropped) when
// DATABASE_URL is set. Seeds one organization with 1,000 members in SQL, signs in as its owner and
// runs bounded loops (BENCH_REQUESTS, default 200, per operation, 4 at a time).
// Prints a table and writes JSON (BENCH_RESULTS, default <tmpdir>/bench-results.json). Exits 0.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../apps/api/src/config.ts';
import { startServer } from '../apps/api/src/server.ts';
import { createTestDb, type TestDb } from '../apps/api/test/harness.ts';
import { emOf } from '../apps/api/src/db/orm.ts';
import { User } from '../apps/api/src/modules/users/user.entity.ts';
import { hashPassword } from '../apps/api/src/auth/passwords.ts';
import { createOrganization } from '../apps/api/src/modules/organizations/organization.service.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const SIGN_IN_REQUESTS = Number(process.env.BENCH_SIGNIN_REQUESTS ?? REQUESTS);
const CONCURRENCY = 4;
const WARMUP = 10;
const MEMBERS = 1000;
const PASSWORD = 'bench-owner-password-42';
const OUT = process.env.BENCH_RESULTS ?? path.join(os.tmpdir(), 'bench-results.json');

const started = performance.now();
const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

// --- database ------------------------------------------------------------------------------------
// A fresh PostgreSQL database (created and dropped like the test harness does) when DATABASE_URL is set.
const pgDb: TestDb | undefined = process.env.DATABASE_URL?.trim() ? await createTestDb() : undefined;
const databaseUrl = pgDb?.databaseUrl;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
const config = loadConfig({
  NODE_ENV: 'development',
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  GRAPHIQL: 'false',
  GATEHOUSE_DATA_DIR: dataDir,
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
});
const database = databaseUrl ? 'PostgreSQL' : 'PGlite';
console.log(`bench: ${database}, ${MEMBERS} members, ${REQUESTS} requests per operation (sign-in ${SIGN_IN_REQUESTS}), concurrency ${CONCURRENCY}`);

const server = await startServer(config, pgDb ? { orm: pgDb.orm } : {});
const results: Record<string, unknown> = {};
try {
  // --- fixtures ----------------------------------------------------------------------------------
  const seedStarted = performance.now();
  const em = emOf(server.app.orm);
  const owner = em.create(User, { id: crypto.randomUUID(), email: 'owner@bench.test', firstName: 'Olive', lastName: 'Owner', passwordHash: await hashPassword(PASSWORD) });
  await em.flush();
  const org = await createOrganization(emOf(server.app.orm), { userId: null, label: 'bench' }, server.app.preset, { name: 'Bench', slug: 'bench', ownerUserId: owner.id });
  const sql = emOf(server.app.orm);
  await sql.execute(
    `insert into "user" (id, email, first_name, last_name, created_at)
     select gen_random_uuid(), 'member' || i || '@bench.test',
            (array['Alice','Bob','Carol','Dave','Erin','Frank','Grace','Heidi','Ivan','Judy'])[1 + i % 10],
            (array['Smith','Jones','Garcia','Miller','Davis','Lopez','Wilson','Moore','Taylor','Clark','Lewis'])[1 + i % 11] || i,
            now()
       from generate_series(1, ?) as i`,
    [MEMBERS - 1],
  );
  await sql.execute(
    `insert into membership (id, org_id, user_id, status, created_at)
     select gen_random_uuid(), ?, u.id, case when row_number() over (order by u.email) % 50 = 0 then 'DISABLED' else 'ACTIVE' end,
            now() - (row_number() over (order by u.email)) * interval '1 second'
       from "user" u where u.email like 'member%@bench.test'`,
    [org.id],
  );
  const roles = await sql.execute<{ id: string; key: string }[]>(`select id, key from role where org_id = ? and builtin order by position`, [org.id]);
  const assignable = roles.filter((r) => r.key !== roles[0]!.key); // everything below the top role
  await sql.execute(
    `insert into membership_role (membership_id, role_id)
     select m.id, (?::uuid[])[1 + (row_number() over (order by m.id))::int % ?]
       from membership m join "user" u on u.id = m.user_id where m.org_id = ? and u.email like 'member%@bench.test'`,
    [`{${assignable.map((r) => r.id).join(',')}}`, assignable.length, org.id],
  );
  const members = await sql.execute<{ id: string }[]>(
    `select m.id from membership m join "user" u on u.id = m.user_id where m.org_id = ? and u.email like 'member%@bench.test' order by m.id`,
    [org.id],
  );
  const total = (await sql.execute<{ n: number }[]>(`select count(*)::int as n from membership where org_id = ?`, [org.id]))[0]!.n;
  if (total !== MEMBERS) throw new Error(`expected ${MEMBERS} members, got ${total}`);
  const seedMs = performance.now() - seedStarted;

  // --- client ------------------------------------------------------------------------------------
  const agentHeaders = { 'content-type': 'application/json' };
  async function gql(query: string, variables: Record<string, unknown>, token?: string): Promise<any> {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: token ? { ...agentHeaders, authorization: `Bearer ${token}` } : agentHeaders,
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: any; errors?: { message: string }[] };
    if (!res.ok || body.errors?.length) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
    return body.data;
  }

  const SIGN_IN = `mutation ($email: String!, $password: String!) { signIn(email: $email, password: $password) {
    __typename ... on AuthPayload { accessToken } ... on Error { message } } }`;
  const signIn = async () => {
    const data = await gql(SIGN_IN, { email: 'owner@bench.test', password: PASSWORD });
    if (data.signIn.__typename !== 'AuthPayload') throw new Error(`sign-in: ${JSON.stringify(data.signIn)}`);
    return data.signIn.accessToken as string;
  };
  const token = await signIn();

  // The SPA's members page (apps/web/src/features/users/queries.ts, MembersQuery with its fragments).
  const MEMBERS_QUERY = `query Members($slug: String!, $first: Int!, $after: String, $search: String) {
    organization(slug: $slug) { id
      members(first: $first, after: $after, search: $search) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { id status createdAt organization { id }
          user { id email firstName lastName displayName authProvider status createdAt }
          roles { id key name permissions } } }
      }
      roles { id key name description permissions builtin memberCount }
    } }`;
  const MEMBERS_PAGE = MEMBERS_QUERY;
  const MEMBERS_SEARCH = MEMBERS_QUERY;
  const CAN = `query ($org: ID!, $perms: [String!]!) { can(organizationId: $org, permissions: $perms) { permission allowed } }`;
  const SET_ROLES = `mutation ($m: ID!, $roles: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $roles) {
    __typename ... on Membership { id roles { key } } ... on Error { message } } }`;
  const orgGid = gid('Organization', org.id);
  const perms = ['org:read', 'org:update', 'members:read', 'members:invite', 'members:update', 'roles:manage', 'audit:read', 'projects:read', 'deployments:create', 'billing:manage'];
  const searches = ['alice', 'smith', 'member12', 'garcia7', 'bench.test', 'zzz-no-match', 'judy', 'lopez5'];
  const roleSets = [[assignable[0]!.id], [assignable[assignable.length - 1]!.id], assignable.slice(1, 3).map((r) => r.id)].map((s) => s.map((id) => gid('Role', id)));
  const multi = server.app.preset.policy.multipleRolesPerMembership;

  const operations: { name: string; n: number; run: (i: number) => Promise<void> }[] = [
    { name: 'members page (first 50)', n: REQUESTS, run: async () => { const d = await gql(MEMBERS_PAGE, { slug: 'bench', first: 50 }, token); if (d.organization.members.edges.length !== 50) throw new Error('short page'); } },
    { name: 'members search', n: REQUESTS, run: async (i) => void (await gql(MEMBERS_SEARCH, { slug: 'bench', first: 50, search: searches[i % searches.length] }, token)) },
    { name: 'can (10 permissions)', n: REQUESTS, run: async () => { const d = await gql(CAN, { org: orgGid, perms }, token); if (d.can.length !== 10) throw new Error('can'); } },
    {
      name: 'setMemberRoles',
      n: REQUESTS,
      run: async (i) => {
        const set = roleSets[i % roleSets.length]!;
        const d = await gql(SET_ROLES, { m: gid('Membership', members[i % members.length]!.id), roles: multi ? set : set.slice(0, 1) }, token);
        if (d.setMemberRoles.__typename !== 'Membership') throw new Error(`setMemberRoles: ${JSON.stringify(d.setMemberRoles)}`);
      },
    },
    { name: 'signIn (argon2id)', n: SIGN_IN_REQUESTS, run: async () => void (await signIn()) },
  ];

  const rows: Row[] = [];
  for (const op of operations) rows.push(await measure(op.name, op.n, op.run));

  const mem = process.memoryUsage();
  const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
  const memory = { rssMB: mb(mem.rss), heapUsedMB: mb(mem.heapUsed), heapTotalMB: mb(mem.heapTotal), externalMB: mb(mem.external), arrayBuffersMB: mb(mem.arrayBuffers), maxRssMB: mb(process.resourceUsage().maxRSS * 1024) };

  const bundle = bundleSize();

  Object.assign(results, {
    when: new Date().toISOString(),
    machine: { node: process.version, platform: `${os.platform()} ${os.arch()}`, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, totalMemMB: mb(os.totalmem()) },
    database,
    preset: server.app.preset.key,
    members: MEMBERS,
    concurrency: CONCURRENCY,
    warmupPerOperation: WARMUP,
    seedMs: Math.round(seedMs),
    operations: rows,
    memoryAfterRun: memory,
    spaBundle: bundle,
  });

  // --- report ------------------------------------------------------------------------------------
  const head = ['operation', 'n', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'req/s'];
  const table = rows.map((r) => [r.operation, r.n, r.errors, r.p50, r.p95, r.p99, r.max, r.throughput].map(String));
  const widths = head.map((h, c) => Math.max(h.length, ...table.map((t) => t[c]!.length)));
  const line = (cells: string[]) => cells.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  console.log(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${table.map(line).join('\n')}`);
  console.log(`\nmemory after run (API and load generator share the process): rss ${memory.rssMB} MB (peak ${memory.maxRssMB} MB), heap ${memory.heapUsedMB}/${memory.heapTotalMB} MB, external ${memory.externalMB} MB`);
  if ('initialJsGzipKB' in bundle) console.log(`SPA initial JS: ${bundle.initialJsGzipKB} KB gzip (${bundle.initialJsRawKB} KB raw, ${bundle.files} files; budget ${bundle.budgetKB} KB); all JS ${bundle.allJsGzipKB} KB gzip in ${bundle.chunks} chunks`);
  else console.log(`SPA initial JS: not measured (${(bundle as { error: string }).error})`);
} catch (error) {
  console.error('bench failed:', error);
  results.error = String(error instanceof Error ? error.stack : error);
} finally {
  await server.close();
  await pgDb?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
results.totalSeconds = Math.round((performance.now() - started) / 100) / 10;
fs.writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nJSON: ${OUT} (total ${results.totalSeconds} s)`);
process.exit(0);

// --- helpers -------------------------------------------------------------------------------------
interface Row { operation: string; n: number; errors: number; p50: number; p95: number; p99: number; max: number; mean: number; throughput: number; firstError?: string }

/** Warm-up, then `n` calls of `run`, CONCURRENCY at a time; latency per call, throughput over the wall time. */
async function measure(operation: string, n: number, run: (i: number) => Promise<void>): Promise<Row> {
  for (let i = 0; i < Math.min(WARMUP, n); i++) await run(n + i).catch(() => {});
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < n) {
      const i = next++;
      const s = performance.now();
      try {
        await run(i);
      } catch (error) {
        errors += 1;
        firstError ??= String(error instanceof Error ? error.message : error);
      }
      latencies.push(performance.now() - s);
    }
  }));
  const wall = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => round(latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!);
  const row: Row = { operation, n, errors, p50: q(50), p95: q(95), p99: q(99), max: round(latencies.at(-1)!), mean: round(latencies.reduce((a, b) => a + b, 0) / latencies.length), throughput: round((n / wall) * 1000) };
  if (firstError) row.firstError = firstError;
  return row;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** apps/web/scripts/bundle-size.ts --json (it builds when dist is missing; exit 1 only means over budget). */
function bundleSize(): Record<string, unknown> {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'apps/web/scripts/bundle-size.ts'), '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  const last = r.stdout?.trim().split('\n').at(-1);
  try {
    return JSON.parse(last ?? '') as Record<string, unknown>;
  } catch {
    return { error: `bundle-size exited ${r.status}: ${(r.stderr || r.stdout || String(r.error ?? '')).trim().slice(0, 300)}` };
  }
}
