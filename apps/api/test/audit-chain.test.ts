import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emOf, openDatabase, ormOptions, type Orm } from '../src/db/orm.ts';
import { migrationsList } from '../src/db/migrations/index.ts';
import { recordAudit, type Actor } from '../src/modules/audit/audit.service.ts';
import { CHAIN_COLUMNS, canonicalContent, GENESIS, verifyAuditChain, type ChainRow } from '../src/modules/audit/audit.chain.ts';
import { addMember, createOrg, createUser, gid, onPostgres, PASSWORD, roleGid, signIn, startTestServer, TEST_SIGNING_KEY, type TestServer } from './harness.ts';

/**
 * R13 tamper evidence: every audit event is hashed together with the previous event of its
 * organization (platform events form their own chain), and verifyAuditChain recomputes the chain in
 * Node. Tampering is done the way only a superuser can: with triggers off
 * (session_replication_role = replica). PostgreSQL-only parts (parallel connections, database roles)
 * say so in their names and are skipped on PGlite with `onPostgres`.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const MAIN = path.join(ROOT, 'apps/api/src/main.ts');
const CLI = path.join(ROOT, 'apps/api/scripts/verify-audit-chain.ts');
const ACTOR: Actor = { userId: null, label: 'chain-test' };

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => ts?.close());

const SET_ROLES = `mutation($m: ID!, $r: [ID!]!) { setMemberRoles(membershipId: $m, roleIds: $r) { __typename ... on Error { message } } }`;
const CHAIN = `query($slug: String!) { organization(slug: $slug) { id auditChain { ok complete eventsChecked lastSeq headSeq headHash firstBrokenEventId firstBrokenSeq problem reason } } }`;

interface Ev {
  id: string;
  seq: number;
}

async function chainOf(orm: Orm, orgId: string | null): Promise<Ev[]> {
  const rows = await emOf(orm).execute<{ id: string; seq: string }[]>(
    `select e.id::text as id, e.seq::text as seq from audit_event e where ${orgId ? 'e.org_id = ?' : 'e.org_id is null'} order by e.seq`,
    orgId ? [orgId] : [],
  );
  return rows.map((r) => ({ id: r.id, seq: Number(r.seq) }));
}

/** An organization whose chain holds `n` test events after the ones createOrganization writes. */
async function orgWithEvents(n: number) {
  const org = await createOrg(ts, 'Chain');
  await emOf(ts.orm).transactional(async (tx) => {
    for (let i = 0; i < n; i++) recordAudit(tx, ACTOR, { orgId: org.id, action: 'organization.updated', target: { type: 'Test', id: String(i) }, after: { i } });
  });
  return { org, events: await chainOf(ts.orm, org.id) };
}

/** What only a superuser can do: change rows with every trigger off. */
async function tamper(orm: Orm, ...statements: [string, unknown[]?][]) {
  await emOf(orm).transactional(async (tx) => {
    await tx.execute(`set local session_replication_role = replica`);
    for (const [sql, params] of statements) await tx.execute(sql, params ?? []);
  });
}

async function team() {
  const owner = await createUser(ts.orm);
  const org = await createOrg(ts, 'Team', owner.id);
  const admin = await addMember(ts, org.id, ['admin']);
  const viewer = await addMember(ts, org.id, ['viewer']);
  return {
    org,
    owner,
    admin,
    viewer,
    tokens: { owner: (await signIn(ts, owner.email)).accessToken, admin: (await signIn(ts, admin.email)).accessToken, viewer: (await signIn(ts, viewer.email)).accessToken },
  };
}

describe('R13 audit hash chain: valid after real changes', () => {
  it('R13 a series of GraphQL changes leaves the org chain and the platform chain valid, and the GraphQL field agrees', async () => {
    const t = await team();
    const developer = await roleGid(ts, t.org.id, 'developer');
    const viewer = await roleGid(ts, t.org.id, 'viewer');
    expect((await ts.gql(SET_ROLES, { m: t.viewer.gid.membership, r: [developer] }, t.tokens.owner)).data.setMemberRoles.__typename).toBe('Membership');
    expect((await ts.gql(SET_ROLES, { m: t.viewer.gid.membership, r: [viewer] }, t.tokens.admin)).data.setMemberRoles.__typename).toBe('Membership');
    const role = await ts.gql(
      `mutation($i: CreateRoleInput!) { createRole(input: $i) { __typename } }`,
      { i: { organizationId: gid('Organization', t.org.id), name: 'Auditors', permissions: ['org:read', 'audit:read'] } },
      t.tokens.owner,
    );
    expect(role.data.createRole.__typename).toBe('Role');
    await ts.gql(`mutation($m: ID!) { removeMember(membershipId: $m) { __typename } }`, { m: t.viewer.gid.membership }, t.tokens.admin);

    const events = await chainOf(ts.orm, t.org.id);
    expect(events.length).toBeGreaterThanOrEqual(4);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const report = await verifyAuditChain(emOf(ts.orm), t.org.id);
    expect(report).toMatchObject({ ok: true, complete: true, eventsChecked: events.length, headSeq: events.length, problem: null, firstBrokenEventId: null });
    // Sign-ins went to the platform chain, which is valid too.
    expect(await verifyAuditChain(emOf(ts.orm), null)).toMatchObject({ ok: true, complete: true });

    const res = await ts.gql(CHAIN, { slug: t.org.slug }, t.tokens.admin);
    expect(res.data.organization.auditChain).toMatchObject({ ok: true, complete: true, eventsChecked: events.length, headSeq: events.length, headHash: report.headHash, problem: null });
    // Each event shows its position and hash; the newest one's hash is the head.
    const log = await ts.gql(`query($slug: String!) { organization(slug: $slug) { auditLog(first: 1) { edges { node { seq hash } } } } }`, { slug: t.org.slug }, t.tokens.admin);
    expect(log.data.organization.auditLog.edges[0].node).toEqual({ seq: events.length, hash: report.headHash });
  });

  it('R13 the SQL canonical form (used by the trigger) and the Node one (used by the verifier) are identical, for awkward values too', async () => {
    const org = await createOrg(ts, 'Canonical');
    await emOf(ts.orm).transactional(async (tx) => {
      recordAudit(tx, { userId: crypto.randomUUID(), label: 'ünï "quoted"\nnew line 😀', ip: '::1', userAgent: 'UA\t1', requestId: 'r-1' }, {
        orgId: org.id,
        action: 'organization.updated',
        target: { type: 'T', id: '', label: '\\back\\slash' },
        before: { '10': 1, '9': 2, z: [1.5, 1e21, null, true], nested: { '': '', emoji: '😀', ctl: '\u0001' } },
        after: {},
      });
    });
    const rows = await emOf(ts.orm).execute<(ChainRow & { sql: string })[]>(`select ${CHAIN_COLUMNS}, audit_event_canonical(e) as sql from audit_event e where e.org_id = ? order by e.seq`, [org.id]);
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) expect(canonicalContent(row)).toBe(row.sql);
    // And the first hash of the chain is sha256(32 zero bytes || canonical).
    expect(createHash('sha256').update(GENESIS).update(rows[0]!.sql, 'utf8').digest('hex')).toBe(rows[0]!.hash);
    expect(await verifyAuditChain(emOf(ts.orm), org.id)).toMatchObject({ ok: true });
  });

  it('R13 one transaction adding events in several statements, one rolled back to a savepoint, leaves a contiguous chain', async () => {
    const { org, events } = await orgWithEvents(2);
    const insert = `insert into audit_event (org_id, actor_label, action) values (?, 'tx', ?)`;
    await emOf(ts.orm).transactional(async (tx) => {
      await tx.execute(insert, [org.id, 'test.one']);
      await tx.execute(`insert into audit_event (org_id, actor_label, action) select ?, 'tx', 'test.many' from generate_series(1, 3)`, [org.id]);
      await tx.execute(`savepoint before_failure`);
      await tx.execute(insert, [org.id, 'test.rolled-back']);
      await tx.execute(`rollback to savepoint before_failure`);
      await tx.execute(insert, [org.id, 'test.last']);
    });
    const after = await chainOf(ts.orm, org.id);
    expect(after.map((e) => e.seq)).toEqual(after.map((_, i) => i + 1));
    expect(after.length).toBe(events.length + 5);
    expect(await verifyAuditChain(emOf(ts.orm), org.id)).toMatchObject({ ok: true, eventsChecked: events.length + 5, headSeq: events.length + 5 });
  });

  it('R13 verification pages through the chain and can be split with fromSeq / maxEvents', async () => {
    const { org, events } = await orgWithEvents(25);
    const em = emOf(ts.orm);
    expect(await verifyAuditChain(em, org.id, { pageSize: 4 })).toMatchObject({ ok: true, eventsChecked: events.length });
    const first = await verifyAuditChain(em, org.id, { pageSize: 4, maxEvents: 10 });
    expect(first).toMatchObject({ ok: true, complete: false, eventsChecked: 10, lastSeq: 10 });
    const rest = await verifyAuditChain(em, org.id, { pageSize: 4, fromSeq: first.lastSeq + 1 });
    expect(rest).toMatchObject({ ok: true, complete: true, eventsChecked: events.length - 10, lastSeq: events.length });
  });
});

describe('R13 audit hash chain: tampering is detected', () => {
  it('R13 an event whose `after` was changed with the triggers off breaks the chain at that event', async () => {
    const { org, events } = await orgWithEvents(6);
    const target = events[3]!;
    await tamper(ts.orm, [`update audit_event set after = '{"i": 999}' where id = ?`, [target.id]]);
    const report = await verifyAuditChain(emOf(ts.orm), org.id);
    expect(report).toMatchObject({ ok: false, problem: 'HASH_MISMATCH', firstBrokenEventId: target.id, firstBrokenSeq: target.seq, eventsChecked: target.seq - 1 });
    // The GraphQL field reports the same event (as a global id).
    const admin = await createUser(ts.orm, { platformAdmin: true });
    const res = await ts.gql(CHAIN, { slug: org.slug }, (await signIn(ts, admin.email)).accessToken);
    expect(res.data.organization.auditChain).toMatchObject({ ok: false, problem: 'HASH_MISMATCH', firstBrokenEventId: gid('AuditEvent', target.id), firstBrokenSeq: target.seq });
  });

  it('R13 an altered event whose own hash was recomputed breaks the chain at the next event', async () => {
    const { org, events } = await orgWithEvents(6);
    const [prev, target, next] = [events[2]!, events[3]!, events[4]!];
    await tamper(
      ts.orm,
      [`update audit_event set after = '{"i": 999}' where id = ?`, [target.id]],
      [`update audit_event e set hash = sha256((select hash from audit_event where id = ?) || convert_to(audit_event_canonical(e), 'UTF8')) where id = ?`, [prev.id, target.id]],
    );
    expect(await verifyAuditChain(emOf(ts.orm), org.id)).toMatchObject({ ok: false, problem: 'HASH_MISMATCH', firstBrokenEventId: next.id, firstBrokenSeq: next.seq });
  });

  it('R13 an event deleted in the middle shows as a gap before the following event', async () => {
    const { org, events } = await orgWithEvents(6);
    const [gone, after] = [events[3]!, events[4]!];
    await tamper(ts.orm, [`delete from audit_event where id = ?`, [gone.id]]);
    const report = await verifyAuditChain(emOf(ts.orm), org.id);
    expect(report).toMatchObject({ ok: false, problem: 'SEQUENCE_GAP', firstBrokenEventId: after.id, firstBrokenSeq: after.seq, eventsChecked: gone.seq - 1 });
    expect(report.reason).toContain(`seq ${gone.seq} is missing`);
  });

  it('R13 a truncated tail is reported against the chain head', async () => {
    const { org, events } = await orgWithEvents(6);
    const keep = events.length - 2;
    await tamper(ts.orm, [`delete from audit_event where org_id = ? and seq > ?`, [org.id, keep]]);
    const report = await verifyAuditChain(emOf(ts.orm), org.id);
    expect(report).toMatchObject({ ok: false, problem: 'TRUNCATED', firstBrokenSeq: keep + 1, firstBrokenEventId: null, eventsChecked: keep, headSeq: events.length });
  });

  it('R13 a deleted tail stays visible after new events: the chain goes on from the head, leaving a gap', async () => {
    const { org, events } = await orgWithEvents(4);
    const keep = events.length - 2;
    await tamper(ts.orm, [`delete from audit_event where org_id = ? and seq > ?`, [org.id, keep]]);
    await emOf(ts.orm).transactional(async (tx) => recordAudit(tx, ACTOR, { orgId: org.id, action: 'organization.updated' }));
    const newest = (await chainOf(ts.orm, org.id)).at(-1)!;
    expect(newest.seq).toBe(events.length + 1);
    expect(await verifyAuditChain(emOf(ts.orm), org.id)).toMatchObject({ ok: false, problem: 'SEQUENCE_GAP', firstBrokenEventId: newest.id, firstBrokenSeq: newest.seq });
  });

  it('R13 two swapped events break the chain at the earlier position', async () => {
    const { org, events } = await orgWithEvents(6);
    const [a, b] = [events[2]!, events[4]!];
    await tamper(
      ts.orm,
      [`update audit_event set seq = -1 where id = ?`, [a.id]],
      [`update audit_event set seq = ? where id = ?`, [a.seq, b.id]],
      [`update audit_event set seq = ? where id = ?`, [b.seq, a.id]],
    );
    expect(await verifyAuditChain(emOf(ts.orm), org.id)).toMatchObject({ ok: false, problem: 'HASH_MISMATCH', firstBrokenEventId: b.id, firstBrokenSeq: a.seq });
  });

  it('R13 an event written around the trigger sits past the head; a moved head hash is seen too', async () => {
    const { org, events } = await orgWithEvents(3);
    await tamper(ts.orm, [
      `insert into audit_event (org_id, actor_label, action, seq, hash) values (?, 'forger', 'test.forged', ?, sha256('x'::bytea))`,
      [org.id, events.length + 1],
    ]);
    expect(await verifyAuditChain(emOf(ts.orm), org.id)).toMatchObject({ ok: false, problem: 'BEYOND_HEAD', firstBrokenSeq: events.length + 1 });

    const other = await orgWithEvents(3);
    await tamper(ts.orm, [`update audit_chain_head set head_hash = sha256('x'::bytea) where chain_key = ?`, [other.org.id]]);
    expect(await verifyAuditChain(emOf(ts.orm), other.org.id)).toMatchObject({ ok: false, problem: 'HEAD_MISMATCH', firstBrokenEventId: other.events.at(-1)!.id });
  });

  it('R13 limit: a tail removed together with a matching head rewind passes, and only a saved head hash shows it', async () => {
    const { org, events } = await orgWithEvents(5);
    const saved = (await verifyAuditChain(emOf(ts.orm), org.id)).headHash;
    const keep = events.at(-3)!;
    await tamper(
      ts.orm,
      [`delete from audit_event where org_id = ? and seq > ?`, [org.id, keep.seq]],
      [`update audit_chain_head h set seq = e.seq, head_hash = e.hash, head_event_id = e.id from audit_event e where h.chain_key = ? and e.id = ?`, [org.id, keep.id]],
    );
    const report = await verifyAuditChain(emOf(ts.orm), org.id);
    expect(report.ok).toBe(true); // documented in docs/audit-log.md: anchor the head outside the database
    expect(report.headHash).not.toBe(saved);
  });

  it('R13 the chain head cannot be written directly, and events still cannot be updated or deleted', async () => {
    const { org } = await orgWithEvents(1);
    const em = emOf(ts.orm);
    await expect(em.execute(`update audit_chain_head set seq = 0 where chain_key = ?`, [org.id])).rejects.toThrow(/maintained by the audit_event trigger/);
    await expect(em.execute(`delete from audit_chain_head where chain_key = ?`, [org.id])).rejects.toThrow(/maintained by the audit_event trigger/);
    await expect(em.execute(`insert into audit_chain_head (chain_key, seq, head_hash) values ('forged', 0, sha256('x'::bytea))`)).rejects.toThrow(/maintained by the audit_event trigger/);
    await expect(em.execute(`truncate audit_chain_head`)).rejects.toThrow(/maintained by the audit_event trigger/);
    await expect(em.execute(`update audit_event set action = 'x' where org_id = ?`, [org.id])).rejects.toThrow(/append-only/);
    expect(await verifyAuditChain(em, org.id)).toMatchObject({ ok: true });
  });
});

describe('R13 audit hash chain: concurrency', () => {
  it(`R13 20 parallel role changes in one org leave one valid linear chain${onPostgres ? '' : ' (PGlite: one connection, so serialized)'}`, async () => {
    const owner = await createUser(ts.orm);
    const org = await createOrg(ts, 'Parallel', owner.id);
    const members = [];
    for (let i = 0; i < 20; i++) members.push(await addMember(ts, org.id, ['viewer']));
    const token = (await signIn(ts, owner.email)).accessToken;
    const developer = await roleGid(ts, org.id, 'developer');
    const before = (await chainOf(ts.orm, org.id)).length;
    const results = await Promise.all(members.map((m) => ts.gql(SET_ROLES, { m: m.gid.membership, r: [developer] }, token)));
    for (const r of results) expect(r.data?.setMemberRoles?.__typename).toBe('Membership');
    const events = await chainOf(ts.orm, org.id);
    expect(events.length).toBe(before + 20);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(await verifyAuditChain(emOf(ts.orm), org.id)).toMatchObject({ ok: true, eventsChecked: before + 20, headSeq: before + 20 });
  });

  it.skipIf(!onPostgres)('R13 20 parallel transactions inserting straight into audit_event (no service lock) still chain linearly (PostgreSQL only: PGlite has one connection)', async () => {
    const org = await createOrg(ts, 'Raw parallel');
    const url = ts.orm.config.get('clientUrl') as string;
    const before = (await chainOf(ts.orm, org.id)).length;
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          await c.query('begin');
          await c.query(`insert into audit_event (org_id, actor_label, action, after) values ($1, 'raw', 'test.raw', $2)`, [org.id, JSON.stringify({ i })]);
          await c.query('select pg_sleep(0.02)'); // hold the chain head lock a little while others queue
          await c.query('commit');
        } finally {
          await c.end();
        }
      }),
    );
    const events = await chainOf(ts.orm, org.id);
    expect(events.length).toBe(before + 20);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(await verifyAuditChain(emOf(ts.orm), org.id)).toMatchObject({ ok: true, eventsChecked: before + 20 });
  });
});

describe('R13 audit hash chain: who may verify (R1)', () => {
  it('R13 R1 an audit:read holder sees the verification, a member without it gets null, a foreign org answers like a missing one', async () => {
    const t = await team();
    const other = await team();
    expect((await ts.gql(CHAIN, { slug: t.org.slug }, t.tokens.admin)).data.organization.auditChain.ok).toBe(true);
    const viewer = await ts.gql(CHAIN, { slug: t.org.slug }, t.tokens.viewer);
    expect(viewer.errors).toBeUndefined();
    expect(viewer.data.organization).toMatchObject({ auditChain: null });
    const foreign = await ts.gql(CHAIN, { slug: t.org.slug }, other.tokens.owner);
    const missing = await ts.gql(CHAIN, { slug: 'no-such-org-anywhere' }, other.tokens.owner);
    expect(foreign).toEqual(missing);
    expect(foreign.data.organization).toBeNull();
    const byNode = await ts.gql(`query($id: ID!) { node(id: $id) { ... on Organization { auditChain { ok } } } }`, { id: gid('Organization', t.org.id) }, other.tokens.owner);
    const byMissingNode = await ts.gql(`query($id: ID!) { node(id: $id) { ... on Organization { auditChain { ok } } } }`, { id: gid('Organization', crypto.randomUUID()) }, other.tokens.owner);
    expect(byNode).toEqual(byMissingNode);
  });

  it('R13 the platform chain is verified by platform admins only', async () => {
    const t = await team();
    const admin = await createUser(ts.orm, { platformAdmin: true });
    const token = (await signIn(ts, admin.email)).accessToken;
    const q = `{ platformAuditChain { ok complete eventsChecked headSeq } }`;
    expect((await ts.gql(q, {}, token)).data.platformAuditChain).toMatchObject({ ok: true, complete: true });
    const owner = await ts.gql(q, {}, t.tokens.owner);
    expect(owner.data).toBeNull();
    expect(owner.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await ts.gql(q, {})).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('R13 maxEvents is bounded', async () => {
    const t = await team();
    const res = await ts.gql(`query($slug: String!) { organization(slug: $slug) { auditChain(maxEvents: 1000000) { ok } } }`, { slug: t.org.slug }, t.tokens.admin);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('R13 audit export carries the chain', () => {
  it('R13 NDJSON lines come in chain order with seq, hash and the canonical text, so an outside party can re-check the chain', async () => {
    const t = await team();
    await ts.gql(SET_ROLES, { m: t.viewer.gid.membership, r: [await roleGid(ts, t.org.id, 'developer')] }, t.tokens.owner);
    const res = await fetch(`${ts.url}/audit/export?organization=${t.org.slug}&format=ndjson`, { headers: { authorization: `Bearer ${t.tokens.admin}` } });
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    let previous = GENESIS;
    lines.forEach((line, i) => {
      expect(line.seq).toBe(i + 1);
      expect(createHash('sha256').update(previous).update(line.canonical, 'utf8').digest('hex')).toBe(line.hash);
      // The canonical text names this very event.
      expect(line.canonical.split('\n').slice(0, 3)).toEqual(['gatehouse.audit.v1', `${String(line.seq).length}:${line.seq}`, `${String(line.id).length}:${line.id}`]);
      expect(line.canonical).toContain(`${line.action.length}:${line.action}`);
      previous = Buffer.from(line.hash, 'hex');
    });
    expect(previous.toString('hex')).toBe((await verifyAuditChain(emOf(ts.orm), t.org.id)).headHash);
    const csv = await fetch(`${ts.url}/audit/export?organization=${t.org.slug}&format=csv`, { headers: { authorization: `Bearer ${t.tokens.admin}` } });
    expect((await csv.text()).split('\n')[0]).toMatch(/^id,created_at,org_id,.*,request_id,seq,hash$/);
  });
});

/** A database without migrations: PGlite in a directory (or memory), or a new PostgreSQL database. */
async function freshDatabase(opts: { dir?: string } = {}) {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const pgliteDir = opts.dir ? path.join(opts.dir, 'pglite') : 'memory://';
    return { url: undefined, name: undefined, pgliteDir, drop: async () => {} };
  }
  const name = `gh_chain_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    pgliteDir: '',
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

describe('R13 the migration chains existing events', () => {
  it('R13 events written before the chain existed are chained per organization in (created_at, id) order', async () => {
    const db = await freshDatabase();
    const orm = await MikroORM.init(ormOptions({ databaseUrl: db.url, pgliteDir: db.pgliteDir }));
    try {
      const mine = migrationsList.findIndex((m) => m.name === 'Migration20261123000006_audit_chain');
      await orm.migrator.up({ to: migrationsList[mine - 1]!.name });
      const em = emOf(orm);
      const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
      // Inserted out of time order: ids 1..6, created_at not monotonic in id.
      const rows: [string | null, string, string][] = [
        [a, 'a.third', '2026-01-03T00:00:00.000003Z'],
        [a, 'a.first', '2026-01-01T00:00:00Z'],
        [b, 'b.only', '2026-01-02T00:00:00Z'],
        [null, 'p.first', '2026-01-01T00:00:00Z'],
        [a, 'a.second', '2026-01-02T00:00:00Z'],
        [a, 'a.second-tie', '2026-01-02T00:00:00Z'],
      ];
      for (const [org, action, at] of rows) {
        await em.execute(`insert into audit_event (org_id, actor_label, action, created_at) values (?, 'old', ?, ?)`, [org, action, at]);
      }
      await orm.migrator.up();
      const order = async (orgId: string | null) =>
        (await em.execute<{ action: string }[]>(`select action from audit_event where ${orgId ? 'org_id = ?' : 'org_id is null'} order by seq`, orgId ? [orgId] : [])).map((r) => r.action);
      expect(await order(a)).toEqual(['a.first', 'a.second', 'a.second-tie', 'a.third']);
      expect(await order(b)).toEqual(['b.only']);
      expect(await order(null)).toEqual(['p.first']);
      for (const key of [a, b, null]) expect(await verifyAuditChain(em, key)).toMatchObject({ ok: true, complete: true });
      // New events continue the migrated chain.
      await em.transactional(async (tx) => recordAudit(tx, ACTOR, { orgId: a, action: 'organization.updated' }));
      expect(await verifyAuditChain(em, a)).toMatchObject({ ok: true, eventsChecked: 5, headSeq: 5 });
    } finally {
      await orm.close();
      await db.drop();
    }
  });
});

function run(file: string, args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...args], { cwd: ROOT, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The test's own environment minus anything that points at a database, plus `env`. */
function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  // On PostgreSQL a configured signing key is required (config.ts).
  const out: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', JWT_PRIVATE_KEY: TEST_SIGNING_KEY };
  for (const key of ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'GATEHOUSE_MIGRATE', 'GATEHOUSE_DATA_DIR', 'PORT', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID']) delete out[key];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

describe('R13 pnpm audit:verify', () => {
  it('R13 the command prints one line per chain and exits 0 when intact, 1 when a chain is broken, 2 for an unknown org', { timeout: 120_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-chain-'));
    const db = await freshDatabase({ dir });
    const open = () => openDatabase({ databaseUrl: db.url, pgliteDir: db.pgliteDir });
    const env = db.url ? { DATABASE_URL: db.url } : { GATEHOUSE_DATA_DIR: dir };
    const orgs = [crypto.randomUUID(), crypto.randomUUID()];
    try {
      let orm = await open();
      const em = emOf(orm);
      for (const [i, id] of orgs.entries()) await em.execute(`insert into organization (id, slug, name) values (?, ?, ?)`, [id, `cli-${i}`, `CLI ${i}`]);
      await em.transactional(async (tx) => {
        for (let i = 0; i < 6; i++) recordAudit(tx, ACTOR, { orgId: orgs[i % 2]!, action: 'organization.updated', after: { i } });
        recordAudit(tx, ACTOR, { orgId: null, action: 'user.updated' });
      });
      if (!db.url) await orm.close(); // PGlite: one process at a time

      const intact = await run(CLI, ['--all'], env);
      expect(intact.stderr).toBe('');
      expect(intact.code).toBe(0);
      const lines = intact.stdout.trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines.every((l) => l.startsWith('ok '))).toBe(true);
      expect(lines.find((l) => l.includes('cli-0'))).toMatch(/3 events, head seq 3 hash [0-9a-f]{64}$/);

      if (!db.url) orm = await open();
      const victim = (await chainOf(orm, orgs[1]!))[1]!;
      await tamper(orm, [`update audit_event set action = 'test.rewritten' where id = ?`, [victim.id]]);
      if (!db.url) await orm.close();

      const broken = await run(CLI, [], env);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toMatch(new RegExp(`BROKEN  cli-1 .*HASH_MISMATCH at event ${victim.id} \\(seq ${victim.seq}\\)`));
      expect(broken.stdout).toMatch(/^ok {6}cli-0 /m);
      expect((await run(CLI, ['--org', 'cli-0'], env)).code).toBe(0);
      const unknown = await run(CLI, ['--org', 'nope'], env);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('No organization "nope"');
      if (db.url) await orm.close();
    } finally {
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts apps/api/src/main.ts as its own process (what `pnpm start` runs) and waits until it serves. */
async function startMain(env: Record<string, string>, opts: { bootstrap?: boolean } = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env: cleanEnv({ ...env, PORT: String(port), HOST: '127.0.0.1' }), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`main.ts exited with ${child.exitCode}:\n${output}`);
    const up = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    // Bootstrap (first start) prints after the server listens: wait for it too when it will happen.
    if (up && (!opts.bootstrap || output.includes('One-time password'))) break;
    if (Date.now() > deadline) throw new Error(`main.ts did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
  };
  return {
    output: () => output,
    gql,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('R13 restricted database role', () => {
  it.skipIf(!onPostgres)('R13 the server runs as a role without UPDATE/DELETE on audit_event; migrations run as the owner (PostgreSQL only: PGlite has one user)', { timeout: 240_000 }, async () => {
    const db = await freshDatabase();
    const suffix = Math.random().toString(36).slice(2, 8);
    const [owner, app] = [`gh_owner_${suffix}`, `gh_app_${suffix}`];
    const asRole = (role: string) => {
      const u = new URL(db.url!);
      u.username = role;
      u.password = '';
      return u.toString();
    };
    const superuser = new pg.Client({ connectionString: db.url });
    await superuser.connect();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-role-'));
    let server: Awaited<ReturnType<typeof startMain>> | undefined;
    const roleClient = new pg.Client({ connectionString: asRole(app) });
    try {
      // docs/database-roles.md, as written, with this test's names.
      const doc = fs.readFileSync(path.join(ROOT, 'docs/database-roles.md'), 'utf8');
      const block = /<!-- role-sql[^>]*-->\s*```sql\n([\s\S]*?)```/.exec(doc)?.[1];
      expect(block).toBeTruthy();
      const sql = block!.replace(/\bgatehouse_owner\b/g, owner).replace(/\bgatehouse_app\b/g, app).replace(/database gatehouse\b/g, `database ${db.name}`);
      await superuser.query(sql);

      // First start: migrations as the owner, the server (and its bootstrap) as the app role.
      server = await startMain({ DATABASE_URL: asRole(app), MIGRATION_DATABASE_URL: asRole(owner), GATEHOUSE_DATA_DIR: dir }, { bootstrap: true });
      const temporary = /One-time password: (\S+)/.exec(server.output())![1]!;
      const signedIn = await server.gql(`mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { __typename ... on AuthPayload { accessToken } } }`, { e: 'admin@gatehouse.local', p: temporary });
      const changed = await server.gql(
        `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { __typename ... on AuthPayload { accessToken } } }`,
        { c: temporary, n: PASSWORD },
        signedIn.data.signIn.accessToken,
      );
      const token = changed.data.changePassword.accessToken as string;
      const acme = (await server.gql(`{ organization(slug: "acme") { id } }`, {}, token)).data.organization;
      const role = await server.gql(`mutation($i: CreateRoleInput!) { createRole(input: $i) { __typename } }`, { i: { organizationId: acme.id, name: 'Auditors', permissions: ['org:read', 'audit:read'] } }, token);
      expect(role.data.createRole.__typename).toBe('Role');
      const verified = await server.gql(`{ organization(slug: "acme") { auditChain { ok eventsChecked } } platformAuditChain { ok eventsChecked } }`, {}, token);
      expect(verified.errors).toBeUndefined();
      expect(verified.data.organization.auditChain.ok).toBe(true);
      expect(verified.data.organization.auditChain.eventsChecked).toBeGreaterThanOrEqual(2);
      expect(verified.data.platformAuditChain).toMatchObject({ ok: true });
      expect(verified.data.platformAuditChain.eventsChecked).toBeGreaterThanOrEqual(3); // user.created, signed_in, password_changed
      await server.stop();

      // The tables belong to the owner; the app role may append and read, nothing else.
      const owners = await superuser.query(`select distinct tableowner from pg_tables where schemaname = 'public'`);
      expect(owners.rows).toEqual([{ tableowner: owner }]);
      await roleClient.connect();
      const refused = async (statement: string, message: RegExp) => {
        const error = await roleClient.query(statement).then(() => null, (e: { code?: string; message: string }) => e);
        expect(error, statement).not.toBeNull();
        expect(error!.message).toMatch(message);
        return error!;
      };
      expect((await refused(`update audit_event set action = 'x'`, /permission denied for table audit_event/)).code).toBe('42501');
      expect((await refused(`delete from audit_event`, /permission denied for table audit_event/)).code).toBe('42501');
      await refused(`truncate audit_event`, /permission denied for table audit_event/);
      await refused(`update audit_chain_head set seq = 0`, /permission denied for table audit_chain_head/);
      await refused(`insert into audit_chain_head (chain_key, seq, head_hash) values ('x', 0, '\\x00')`, /permission denied for table audit_chain_head/);
      await refused(`alter table audit_event disable trigger all`, /must be owner of table audit_event/);
      await refused(`set session_replication_role = replica`, /permission denied to set parameter/);
      // Appending still works for it, and is chained (the trigger runs as the owner).
      await roleClient.query(`insert into audit_event (org_id, actor_label, action) values ($1, 'app role', 'test.direct')`, [Buffer.from(acme.id, 'base64').toString().split(':')[1]]);

      // Second start with GATEHOUSE_MIGRATE=false and only the restricted URL.
      server = await startMain({ DATABASE_URL: asRole(app), GATEHOUSE_MIGRATE: 'false', GATEHOUSE_DATA_DIR: dir });
      const again = await server.gql(`mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { __typename ... on AuthPayload { accessToken } } }`, { e: 'admin@gatehouse.local', p: PASSWORD });
      expect(again.data.signIn.__typename).toBe('AuthPayload');
      const chain = await server.gql(`{ organization(slug: "acme") { auditChain { ok headSeq } } platformAuditChain { ok } }`, {}, again.data.signIn.accessToken);
      expect(chain.data.organization.auditChain.ok).toBe(true);
      expect(chain.data.platformAuditChain.ok).toBe(true);
      await server.stop();
      server = undefined;
    } finally {
      await server?.stop();
      await roleClient.end().catch(() => {});
      await superuser.end();
      await db.drop();
      const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await c.connect();
      await c.query(`drop role if exists ${app}`);
      await c.query(`drop role if exists ${owner}`);
      await c.end();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
