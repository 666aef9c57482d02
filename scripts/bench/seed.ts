// Benchmark dataset, seeded by SQL in seconds into a database migrated by Gatehouse's own migrations.
//
//   full  (default on PostgreSQL): 100,000 users, 1,000 organizations of Zipf sizes (organization k
//         has round(10,000 / k) members: "big" has 10,000, "small" (k = 500) has 20; 74,850 memberships
//         in all), the 5 built-in roles of the gatehouse preset in every organization, 1,000,000
//         audit events in "big".
//   small (--small, and the default on PGlite): 10,000 users, 100 organizations (big = 2,000 members,
//         small = 20), 100,000 audit events.
//
// Every user shares one argon2id hash (apps/api/src/auth/passwords.ts) of BENCH_PASSWORD. IDs are
// md5-derived, so the same (org, member) always gets the same id and the generators need no lookups.
//
// How: one transaction with session_replication_role = replica (no triggers: no foreign-key checks,
// no audit hash-chain trigger), secondary indexes dropped first and rebuilt after the load from their
// own definitions (pg_get_indexdef), so the schema ends exactly as the migrations made it. Users,
// organizations, roles and memberships come from generate_series. Audit events too, but their hash
// chain is computed here in Node, with a specialized rendering of the canonical content that is
// checked against Gatehouse's own (modules/audit/audit.chain.ts) on a sample, sent as one bytea per
// batch, and the chain head row is written to match: the chain is valid (a sample is re-checked
// against the database's own audit_event_canonical at the end). Each membership's sort keys
// (sort_name, sort_email: what the trigger membership_sort_keys would copy from the user, issue 14)
// are generated with it and all checked at the end. Loading a million events
// through the BEFORE INSERT trigger instead costs 75-110 µs per event on this machine (measured:
// 10,000 events in one statement 0.76 s, 40,000 in 4.5 s, growing faster than linearly because the
// chain head row is updated once per event), i.e. 1.5-2 minutes for a million.
//
// CLI: DATABASE_URL=postgres://... node scripts/bench/seed.ts [--small] [--name gatehouse_bench_x]
//      creates the database (dropping one of that name), migrates, seeds and leaves it for you.
//      Without DATABASE_URL: node scripts/bench/seed.ts --pglite-dir <dir> seeds an embedded database
//      in <dir>/pglite (GATEHOUSE_DATA_DIR=<dir> then starts Gatehouse on it).
import path from 'node:path';
import { createHash } from 'node:crypto';
import { getPreset } from '../../packages/permissions/src/index.ts';
import { openDatabase } from '../../apps/api/src/db/orm.ts';
import { hashPassword } from '../../apps/api/src/auth/passwords.ts';
import { CANONICAL_VERSION, canonicalContent, chainHash, GENESIS } from '../../apps/api/src/modules/audit/audit.chain.ts';
import { loadPglite, loadPgTrgm, pg } from './deps.ts';

export interface DatasetSpec {
  name: 'full' | 'small' | 'large';
  users: number;
  orgs: number;
  /** Members of organization 1 ("big"); organization k has round(bigSize / k). */
  bigSize: number;
  auditEvents: number;
}

export const FULL: DatasetSpec = { name: 'full', users: 100_000, orgs: 1_000, bigSize: 10_000, auditEvents: 1_000_000 };
export const SMALL: DatasetSpec = { name: 'small', users: 10_000, orgs: 100, bigSize: 2_000, auditEvents: 100_000 };

export const BENCH_PASSWORD = 'gatehouse-bench-password';
export const BIG_SLUG = 'big';
export const SMALL_SLUG = 'small';
/** User 1 owns "big" (it is member 0 there), is admin of "small", developer in orgs 2 and 3, viewer in org 4. */
export const CALLER_INDEX = 1;
/** Sign-in workload: client c signs in as user SIGNIN_FIRST_INDEX + c (its own throttle key). */
export const SIGNIN_FIRST_INDEX = 2;

export const emailOf = (i: number) => `user${i}@bench.test`;
/** Rank of the 20-member organization. */
export const smallRank = (spec: DatasetSpec) => spec.bigSize / 20;
export const sizeOf = (spec: DatasetSpec, k: number) => Math.max(1, Math.round(spec.bigSize / k));
/** User index of member j of organization k (a bijection of j for each k: 4729 is prime, coprime to 10^n). */
export const memberIndex = (spec: DatasetSpec, k: number, j: number) => 1 + (((k - 1) * 7919 + j * 4729) % spec.users);

/** md5-derived UUID, identical to PostgreSQL's md5(text)::uuid. */
export function md5Uuid(text: string): string {
  const h = createHash('md5').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
export const userId = (i: number) => md5Uuid(`user:${i}`);
export const orgId = (k: number) => md5Uuid(`org:${k}`);
export const roleId = (k: number, key: string) => md5Uuid(`role:${k}:${key}`);
export const membershipId = (k: number, j: number) => md5Uuid(`m:${k}:${j}`);

/** The little a seed needs from a client: pg.Client and PGlite both fit. */
export interface Sql {
  query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
}

export interface SeedResult {
  spec: DatasetSpec;
  timings: Record<string, number>;
  counts: Record<string, number>;
  totalMs: number;
}

const FIRST_NAMES = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Karl', 'Lena', 'Mallory', 'Niaj', 'Olivia', 'Peggy', 'Quentin', 'Rupert', 'Sybil', 'Trent'];
const LAST_NAMES = ['Smith', 'Jones', 'Garcia', 'Miller', 'Davis', 'Lopez', 'Wilson', 'Moore', 'Taylor', 'Clark', 'Lewis', 'Walker', 'Hall', 'Young', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams', 'Nelson', 'Hill', 'Campbell', 'Mitchell', 'Roberts'];
const AUDIT_ACTIONS = ['membership.roles_changed', 'membership.added', 'membership.disabled', 'invitation.created', 'membership.enabled'];
const AUDIT_BEFORE = ['{"roles": ["viewer"]}', null, '{"status": "ACTIVE"}', null, '{"status": "DISABLED"}'];
const AUDIT_AFTER = ['{"roles": ["developer", "viewer"]}', '{"roles": ["developer"]}', '{"status": "DISABLED"}', '{"email": "invitee@bench.test", "roles": ["viewer"]}', '{"status": "ACTIVE"}'];
const AUDIT_UA = 'Mozilla/5.0 (X11; Linux x86_64) bench';
const AUDIT_BATCH = 50_000;
/** Tables whose secondary indexes are rebuilt after the load instead of maintained row by row. */
const BULK_TABLES = ['user', 'membership', 'membership_role', 'audit_event', 'role'];

/** Seeds an empty, migrated database. */
export async function seed(sql: Sql, spec: DatasetSpec, log: (line: string) => void = () => {}): Promise<SeedResult> {
  const started = performance.now();
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const step = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - mark);
    log(`  seed: ${name} ${timings[name]} ms`);
    mark = now;
  };
  const q = (text: string, values?: unknown[]) => sql.query(text, values);
  const preset = getPreset('gatehouse');
  const keys = preset.roles.map((r) => r.key);
  for (const k of ['owner', 'admin', 'manager', 'developer', 'viewer']) {
    if (!keys.includes(k)) throw new Error(`the gatehouse preset has no "${k}" role; scripts/bench/seed.ts assumes it`);
  }
  const small = smallRank(spec);
  if (!Number.isInteger(small) || small > spec.orgs || sizeOf(spec, small) !== 20) throw new Error('dataset: no 20-member organization');

  const passwordHash = await hashPassword(BENCH_PASSWORD);
  step('argon2id hash');
  const base = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000); // a whole second, an hour ago
  const baseIso = base.toISOString();

  await q('begin');
  try {
    await q(`set local session_replication_role = replica`);
    const indexes = (await q(
      `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
         from pg_index i join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace
        where n.nspname = current_schema() and t.relname = any($1::text[])
          and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`,
      [BULK_TABLES],
    )).rows as { name: string; def: string }[];
    for (const ix of indexes) await q(`drop index ${ix.name}`);
    step(`drop ${indexes.length} secondary indexes`);

    await q(
      `insert into "user" (id, email, first_name, last_name, auth_provider, password_hash, must_change_password, status,
                           is_platform_admin, created_at, email_verified_at)
       select md5('user:' || i)::uuid, 'user' || i || '@bench.test',
              ($1::text[])[1 + i % ${FIRST_NAMES.length}], ($2::text[])[1 + (i / ${FIRST_NAMES.length}) % ${LAST_NAMES.length}],
              'credentials', $3, false, case when i % 1009 = 0 then 'DISABLED' else 'ACTIVE' end,
              false, $4::timestamptz - i * interval '1 minute', $4::timestamptz
         from generate_series(1, $5::int) i`,
      [FIRST_NAMES, LAST_NAMES, passwordHash, baseIso, spec.users],
    );
    step(`${spec.users} users`);

    await q(
      `insert into organization (id, slug, name, status, created_at)
       select md5('org:' || k)::uuid,
              case k when 1 then '${BIG_SLUG}' when $2::int then '${SMALL_SLUG}' else 'org-' || k end,
              case k when 1 then 'Bench Big' when $2::int then 'Bench Small' else 'Organization ' || lpad(k::text, 4, '0') end,
              'ACTIVE', $3::timestamptz - k * interval '1 hour'
         from generate_series(1, $1::int) k`,
      [spec.orgs, small, baseIso],
    );
    for (const [position, role] of preset.roles.entries()) {
      await q(
        `insert into role (id, org_id, key, name, description, permissions, builtin, position, created_at)
         select md5('role:' || k || ':' || $2)::uuid, md5('org:' || k)::uuid, $2, $3, $4, $5::text[], true, $6, $7::timestamptz
           from generate_series(1, $1::int) k`,
        [spec.orgs, role.key, role.name, role.description, [...role.permissions], position, baseIso],
      );
    }
    step(`${spec.orgs} organizations, ${spec.orgs * preset.roles.length} roles`);

    // No row is updated inside this transaction: an UPDATE leaves HOT chains, and an index rebuilt
    // over them is marked indcheckxmin, unusable while any older transaction is open anywhere in the
    // cluster (every membership lookup then became a sequential scan). So the caller's memberships
    // are written active here rather than fixed afterwards.
    // Member j of organization k; j = 0 is the owner; 2 % admins, 5 % managers, 50 % developers (a
    // tenth of them also viewers), the rest viewers; every 50th member disabled.
    const members = `from generate_series(1, $1::int) k
      cross join lateral generate_series(0, greatest(1, round($2::numeric / k))::int - 1) j
      cross join lateral (select (j * 37 + k * 11) % 100 as h) x`;
    // The sort keys (membership.sort_name, sort_email) are what the trigger membership_sort_keys
    // would copy from the user (triggers are off here): the user's name and email recomputed from
    // its index, as the users were generated above.
    await q(
      `insert into membership (id, org_id, user_id, status, added_by_id, created_at, sort_name, sort_email)
       select md5('m:' || k || ':' || j)::uuid, md5('org:' || k)::uuid, md5('user:' || u.i)::uuid,
              case when j > 0 and j % 50 = 49 and u.i <> ${CALLER_INDEX} then 'DISABLED' else 'ACTIVE' end, null,
              $4::timestamptz - (k * 20000 + j) * interval '1 second',
              lower(($6::text[])[1 + u.i % ${FIRST_NAMES.length}] || ' ' || ($7::text[])[1 + (u.i / ${FIRST_NAMES.length}) % ${LAST_NAMES.length}] || ' ' || 'user' || u.i || '@bench.test'),
              'user' || u.i || '@bench.test'
       ${members}
       cross join lateral (select case when k = $5::int and j = 1 then ${CALLER_INDEX} else 1 + ((k - 1) * 7919 + j * 4729) % $3::int end as i) u`,
      [spec.orgs, spec.bigSize, spec.users, baseIso, small, FIRST_NAMES, LAST_NAMES],
    );
    await q(
      `insert into membership_role (membership_id, role_id)
       select md5('m:' || k || ':' || j)::uuid, md5('role:' || k || ':' || r.key)::uuid
       ${members}
       cross join lateral (
         select case when j = 0 then 'owner' when x.h < 2 then 'admin' when x.h < 7 then 'manager'
                     when x.h < 57 then 'developer' else 'viewer' end as key
         union all
         select 'viewer' where j > 0 and x.h >= 7 and x.h < 57 and j % 10 = 3
       ) r`,
      [spec.orgs, spec.bigSize],
    );
    // The caller's other memberships (added to an existing membership's roles when already a member;
    // in "small" the caller is member 1, so that it keeps exactly 20 members).
    const extras: [number, string][] = [[small, 'admin'], [2, 'developer'], [3, 'developer'], [4, 'viewer']];
    for (const [k, key] of extras) {
      await q(
        `insert into membership (id, org_id, user_id, status, created_at, sort_name, sort_email)
         select md5('x:' || $1::int || ':' || $2::int)::uuid, md5('org:' || $1::int)::uuid, u.id, 'ACTIVE',
                $3::timestamptz - ($1::int * 20000 + 19999) * interval '1 second',
                lower(u.first_name || ' ' || u.last_name || ' ' || u.email), u.email
           from "user" u
          where u.id = md5('user:' || $2::int)::uuid and not exists (select 1 from membership where org_id = md5('org:' || $1::int)::uuid and user_id = md5('user:' || $2::int)::uuid)`,
        [k, CALLER_INDEX, baseIso],
      );
      await q(
        `insert into membership_role (membership_id, role_id)
         select m.id, md5('role:' || $1::int || ':' || $3)::uuid from membership m
          where m.org_id = md5('org:' || $1::int)::uuid and m.user_id = md5('user:' || $2::int)::uuid
         on conflict do nothing`,
        [k, CALLER_INDEX, key],
      );
    }
    step('memberships and their roles');

    const audit = await seedAudit(q, spec, base);
    step(`${spec.auditEvents} audit events (hash chain computed in Node: ${audit.computeMs} ms computing, ${audit.waitMs} ms more waiting for the inserts; the inserts took ${audit.insertMs} ms)`);
    timings['audit: computing the chain'] = audit.computeMs;
    timings['audit: waiting for the inserts'] = audit.waitMs;
    timings['audit: inserts'] = audit.insertMs;

    for (const ix of indexes) await q(ix.def);
    step(`rebuild ${indexes.length} indexes`);
    await q('commit');
  } catch (error) {
    await q('rollback').catch(() => {});
    throw error;
  }
  // VACUUM sets the visibility map of the tables the reads count and join (as autovacuum would have
  // in any database that has been running a while), so a count of 100,000 memberships is an
  // index-only scan (about 50 ms) instead of a bitmap heap scan (about 100-270 ms). The audit log
  // (millions of rows, read by seq order) is only analyzed.
  await q(`vacuum (analyze) "user", organization, role, membership, membership_role`);
  await q('analyze');
  step('vacuum and analyze');

  const counts = (await q(
    `select (select count(*)::int from "user") as users, (select count(*)::int from organization) as orgs,
            (select count(*)::int from membership) as memberships, (select count(*)::int from membership_role) as membership_roles,
            (select count(*)::int from audit_event) as audit_events,
            (select count(*)::int from membership where org_id = $1) as big_members,
            (select count(*)::int from membership where org_id = $2) as small_members`,
    [orgId(1), orgId(small)],
  )).rows[0] as Record<string, number>;
  if (counts.big_members !== spec.bigSize || counts.small_members !== 20) throw new Error(`seed: unexpected sizes ${JSON.stringify(counts)}`);
  // The sort keys must be exactly what the trigger would have written.
  const wrongKeys = (await q(
    `select count(*)::int as n from membership m join "user" u on u.id = m.user_id
      where m.sort_name <> lower(u.first_name || ' ' || u.last_name || ' ' || u.email) or m.sort_email <> u.email`,
  )).rows[0].n as number;
  if (wrongKeys !== 0) throw new Error(`seed: ${wrongKeys} memberships with wrong sort keys`);
  await checkChainSample(q, spec);
  step('checks');
  return { spec, timings, counts, totalMs: Math.round(performance.now() - started) };
}

/** The audit events of "big": rows generated in SQL, their hash chain computed here, in batches. */
async function seedAudit(q: (text: string, values?: unknown[]) => Promise<{ rows: any[] }>, spec: DatasetSpec, base: Date): Promise<{ computeMs: number; waitMs: number; insertMs: number }> {
  const n = spec.auditEvents;
  let computeMs = 0;
  let waitMs = 0;
  /** Sum of the insert statements' durations, from sending to the answer (they run one at a time). */
  let insertMs = 0;
  const org = orgId(1);
  const actor = userId(CALLER_INDEX);
  const actorLabel = emailOf(CALLER_INDEX);
  const idBase = Number((await q(`select coalesce(max(id), 0)::bigint as m from audit_event`)).rows[0].m);
  // jsonb's own text rendering of each variant (what audit_event_canonical hashes).
  const jsonText = async (v: string | null) => (v === null ? null : ((await q(`select $1::jsonb::text as t`, [v])).rows[0].t as string));
  const before: (string | null)[] = [];
  const after: (string | null)[] = [];
  for (const v of AUDIT_BEFORE) before.push(await jsonText(v));
  for (const v of AUDIT_AFTER) after.push(await jsonText(v));
  const baseSec = BigInt(Math.floor(base.getTime() / 1000) - Math.ceil(n / 1000));
  const targets = Array.from({ length: spec.bigSize }, (_, j) => ({ id: membershipId(1, j), label: emailOf(memberIndex(spec, 1, j)) }));
  const eventOf = (i: number) => {
    const v = i % 5;
    const target = targets[i % spec.bigSize]!;
    return {
      seq: String(i),
      id: String(idBase + i),
      org_id: org,
      actor_user_id: actor,
      actor_label: actorLabel,
      action: AUDIT_ACTIONS[v]!,
      target_type: 'Membership',
      target_id: target.id,
      target_label: target.label,
      before: before[v]!,
      after: after[v]!,
      ip: `10.0.${i % 250}.${(i % 199) + 1}`,
      user_agent: AUDIT_UA,
      request_id: `bench-${i}`,
      created_us: String((baseSec + BigInt(Math.floor(i / 1000))) * 1_000_000n + BigInt(i % 1000) * 1000n),
    };
  };
  // The canonical content of event i, rendered from pieces computed once (Gatehouse's general
  // canonicalContent costs about 13 µs per event here, most of it BigInt and Date work for the
  // timestamp; this costs about 1). It must be byte for byte canonicalContent(eventOf(i)): checked
  // for the first 1,000 events and every 9,973rd below, and the database re-checks a sample at the end.
  const fieldOf = (value: string | null) => (value === null ? '-' : `${Buffer.byteLength(value, 'utf8')}:${value}`);
  const targetPart = targets.map((t) => `\n${fieldOf('Membership')}\n${fieldOf(t.id)}\n${fieldOf(t.label)}`);
  const variantPart = AUDIT_ACTIONS.map((action) => `\n${fieldOf(org)}\n${fieldOf(actor)}\n${fieldOf(actorLabel)}\n${fieldOf(action)}`);
  const jsonPart = AUDIT_ACTIONS.map((_, v) => `\n${fieldOf(before[v]!)}\n${fieldOf(after[v]!)}\n`);
  const uaPart = `\n${fieldOf(AUDIT_UA)}\n`;
  let secondOf = -1;
  let secondIso = '';
  const fastCanonical = (i: number) => {
    const second = Math.floor(i / 1000);
    if (second !== secondOf) {
      secondOf = second;
      secondIso = new Date(Number(baseSec + BigInt(second)) * 1000).toISOString().slice(0, 20);
    }
    const v = i % 5;
    const seq = String(i);
    const id = String(idBase + i);
    const ip = `10.0.${i % 250}.${(i % 199) + 1}`;
    const requestId = `bench-${i}`;
    const ms = i % 1000;
    return `${CANONICAL_VERSION}\n${seq.length}:${seq}\n${id.length}:${id}${variantPart[v]}${targetPart[i % spec.bigSize]}${jsonPart[v]}${ip.length}:${ip}${uaPart}${requestId.length}:${requestId}\n27:${secondIso}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}000Z`;
  };
  // BENCH_AUDIT_RENDERER=general renders and hashes every event with Gatehouse's own functions
  // instead (what the seed did before; for comparing the two).
  const generalRenderer = process.env.BENCH_AUDIT_RENDERER === 'general';
  // hash(n) = sha256(hash(n-1) || utf8(canonical)): both written into one reused buffer, one digest per event.
  const scratch = Buffer.alloc(64 * 1024);
  let previous: Buffer = GENESIS;
  // While the database inserts one batch, the next one's hashes are computed.
  let inserting: Promise<unknown> = Promise.resolve();
  for (let lo = 1; lo <= n; lo += AUDIT_BATCH) {
    const hi = Math.min(n, lo + AUDIT_BATCH - 1);
    let computing = performance.now();
    const hashes = Buffer.alloc((hi - lo + 1) * 32);
    for (let i = lo; i <= hi; i++) {
      if (generalRenderer) {
        previous = chainHash(previous, canonicalContent(eventOf(i)));
        previous.copy(hashes, (i - lo) * 32);
        continue;
      }
      const canonical = fastCanonical(i);
      if ((i <= 1000 || i % 9973 === 0 || i === n) && canonical !== canonicalContent(eventOf(i))) {
        throw new Error(`seed: the seed's canonical rendering of audit event ${i} differs from canonicalContent:\n${canonical}\n---\n${canonicalContent(eventOf(i))}`);
      }
      previous.copy(scratch, 0);
      const length = scratch.write(canonical, 32, 'utf8');
      if (length > scratch.length - 64) throw new Error(`seed: audit event ${i} renders too long`);
      previous = createHash('sha256').update(scratch.subarray(0, 32 + length)).digest();
      previous.copy(hashes, (i - lo) * 32);
      // Once in a while, the general path too: the two hashes must agree.
      if (i % 99991 === 0 && !chainHash(scratch.subarray(0, 32), canonicalContent(eventOf(i))).equals(previous)) throw new Error(`seed: audit hash of event ${i} differs`);
      // Let the event loop run now and then: the previous batch's statement (its 50,000 hashes are
      // about 3 MB of parameter) is still being written to the socket, and a busy loop would hold
      // it back until this batch is done instead of overlapping the two.
      if (!generalRenderer && i % 2000 === 0) {
        computeMs += performance.now() - computing;
        await new Promise((resolve) => setImmediate(resolve));
        computing = performance.now();
      }
    }
    computeMs += performance.now() - computing;
    const waiting = performance.now();
    await inserting;
    waitMs += performance.now() - waiting;
    const sent = performance.now();
    inserting = q(
      `insert into audit_event (id, org_id, actor_user_id, actor_label, action, target_type, target_id, target_label, before, after,
                                ip, user_agent, request_id, created_at, seq, hash)
       select $3::bigint + i, $4::uuid, $5::uuid, $6, ($7::text[])[1 + i % 5], 'Membership',
              md5('m:1:' || (i % $8::int))::uuid::text,
              'user' || (1 + ((i % $8::int) * 4729) % $9::int) || '@bench.test',
              ($10::jsonb[])[1 + i % 5], ($11::jsonb[])[1 + i % 5],
              '10.0.' || (i % 250) || '.' || (i % 199 + 1), $12, 'bench-' || i,
              timestamptz 'epoch' + ($13::bigint + i / 1000) * interval '1 second' + (i % 1000) * interval '1 millisecond',
              i, substring($14::bytea from (i - $1::int) * 32 + 1 for 32)
         from generate_series($1::int, $2::int) i`,
      [lo, hi, idBase, org, actor, actorLabel, AUDIT_ACTIONS, spec.bigSize, spec.users, AUDIT_BEFORE, AUDIT_AFTER, AUDIT_UA, String(baseSec), hashes],
    ).then(() => {
      insertMs += performance.now() - sent;
    });
  }
  const waiting = performance.now();
  await inserting;
  waitMs += performance.now() - waiting;
  await q(
    `insert into audit_chain_head (chain_key, org_id, seq, head_hash, head_event_id, updated_at) values ($1, $2::uuid, $3, $4::bytea, $5, now())`,
    [org, org, n, previous, idBase + n],
  );
  await q(`select setval(pg_get_serial_sequence('audit_event', 'id'), (select max(id) from audit_event))`);
  return { computeMs: Math.round(computeMs), waitMs: Math.round(waitMs), insertMs: Math.round(insertMs) };
}

/** A few events re-hashed by the database's own canonical function: the Node chain must agree. */
async function checkChainSample(q: (text: string, values?: unknown[]) => Promise<{ rows: any[] }>, spec: DatasetSpec) {
  const seqs = [...new Set([1, 2, 3, Math.floor(spec.auditEvents / 2), spec.auditEvents])];
  const rows = (await q(
    `select e.seq, e.hash = sha256(coalesce(p.hash, decode(repeat('00', 32), 'hex')) || convert_to(audit_event_canonical(e), 'UTF8')) as ok
       from audit_event e left join audit_event p on p.org_id = e.org_id and p.seq = e.seq - 1
      where e.org_id = $1 and e.seq = any($2::bigint[])`,
    [orgId(1), seqs],
  )).rows as { seq: string; ok: boolean }[];
  const head = (await q(`select h.head_hash = e.hash as ok from audit_chain_head h join audit_event e on e.id = h.head_event_id where h.chain_key = $1`, [orgId(1)])).rows[0];
  if (rows.length !== seqs.length || rows.some((r) => !r.ok) || !head?.ok) throw new Error(`seed: audit hash chain check failed ${JSON.stringify({ rows, head })}`);
}

// --- databases -------------------------------------------------------------------------------------

/** A fresh PostgreSQL database next to DATABASE_URL's, migrated by Gatehouse. */
export async function createPostgresDatabase(baseUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name ${name}`);
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const orm = await openDatabase({ databaseUrl: url.toString(), pgliteDir: '' });
  await orm.close();
  return url.toString();
}

export async function dropPostgresDatabase(baseUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}

export async function seedPostgres(databaseUrl: string, spec: DatasetSpec, log?: (line: string) => void): Promise<SeedResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await seed(client, spec, log);
  } finally {
    await client.end();
  }
}

/** Migrates the embedded database in <dataDir>/pglite (where Gatehouse looks for it) and seeds it. */
export async function seedPglite(dataDir: string, spec: DatasetSpec, log?: (line: string) => void): Promise<SeedResult> {
  const dir = path.join(dataDir, 'pglite');
  const orm = await openDatabase({ databaseUrl: undefined, pgliteDir: dir });
  await orm.close();
  const { PGlite } = await loadPglite();
  const { pg_trgm } = await loadPgTrgm();
  const db = await PGlite.create(dir, { extensions: { pg_trgm } });
  try {
    return await seed(db, spec, log);
  } finally {
    await db.close();
  }
}

// --- CLI -------------------------------------------------------------------------------------------

if (import.meta.main) {
  const args = process.argv.slice(2);
  const spec = args.includes('--small') ? SMALL : FULL;
  const arg = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const log = (line: string) => console.log(line);
  const base = process.env.DATABASE_URL?.trim();
  let result: SeedResult;
  if (base) {
    const name = arg('--name') ?? `gatehouse_bench_${spec.name}`;
    const t = performance.now();
    const url = await createPostgresDatabase(base, name);
    console.log(`created and migrated ${name} in ${Math.round(performance.now() - t)} ms`);
    result = await seedPostgres(url, spec, log);
    console.log(`seeded ${url}`);
  } else {
    const dir = path.resolve(arg('--pglite-dir') ?? '.bench/pglite-data');
    result = await seedPglite(dir, spec === FULL ? SMALL : spec, log);
    console.log(`seeded PGlite in ${dir}/pglite (start Gatehouse with GATEHOUSE_DATA_DIR=${dir})`);
  }
  console.log(JSON.stringify(result));
}
