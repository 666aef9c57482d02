import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Em } from '../../db/orm.ts';

/**
 * R13 tamper evidence: verification of the audit hash chain written by the audit_event_chain trigger
 * (migration 20261123000006, docs/audit-log.md).
 *
 *   hash(n) = sha256(hash(n-1) || utf8(canonical(event n)))      hash(0) = GENESIS (32 zero bytes)
 *
 * Who computes what, and which threat each part answers:
 * - The trigger computes the hash at insert time, inside the database, from the SQL function
 *   audit_event_canonical. No application code can skip it or choose the hash.
 * - The verifier does NOT call that SQL function. It reads the raw columns (only built-in casts:
 *   ::text, jsonb::text, epoch microseconds) and renders the canonical content again here, in Node,
 *   then recomputes every hash with node:crypto. So verification relies on no code stored in the
 *   database: someone with DDL rights who redefines audit_event_canonical (to make an altered row
 *   render like the original) or replaces sha256 in a schema earlier in the search path does not
 *   fool it. A test keeps the SQL and the Node renderings identical.
 * - The walk compares each row with the previous row's *stored* hash, so an edited row, an edited
 *   hash, a reordering (seq values swapped) or an event inserted with triggers off breaks the chain
 *   at that row; a gap in seq shows deleted events; the head row (audit_chain_head) shows a deleted
 *   tail, and events past the head show rows written around the trigger.
 * What it cannot see: someone with owner or superuser rights who rewrites a whole chain from some
 * point on and moves the head to match. Only a copy of the head hash kept outside the database
 * (printed by `pnpm audit:verify`, `headHash` here) detects that: compare it with a later run.
 */

export const GENESIS = Buffer.alloc(32);
export const CANONICAL_VERSION = 'gatehouse.audit.v1';
export const PLATFORM_CHAIN = 'platform';

/** Raw columns of one event as text, exactly as the verifier selects them. */
export interface ChainRow {
  seq: string;
  id: string;
  org_id: string | null;
  actor_user_id: string | null;
  actor_label: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  target_label: string | null;
  /** jsonb rendered by PostgreSQL (jsonb::text), not re-serialized by JavaScript. */
  before: string | null;
  after: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  /** created_at as microseconds since the Unix epoch. */
  created_us: string;
  /** Stored hash, hex. */
  hash: string;
}

/** The columns of ChainRow, with the casts the canonical form needs. `e` is the audit_event alias. */
export const CHAIN_COLUMNS = `e.seq::text as seq, e.id::text as id, e.org_id::text as org_id, e.actor_user_id::text as actor_user_id,
  e.actor_label, e.action, e.target_type, e.target_id, e.target_label, e.before::text as before, e.after::text as after,
  e.ip, e.user_agent, e.request_id, floor(extract(epoch from e.created_at) * 1000000)::bigint::text as created_us,
  encode(e.hash, 'hex') as hash`;

function field(value: string | null): string {
  return value === null ? '-' : `${Buffer.byteLength(value, 'utf8')}:${value}`;
}

/** created_at in UTC at microsecond precision: 2026-11-23T10:15:02.123456Z (as to_char renders it). */
export function isoMicros(epochMicros: string | bigint): string {
  const us = BigInt(epochMicros);
  let ms = us / 1000n;
  let rest = us % 1000n;
  if (rest < 0n) {
    rest += 1000n;
    ms -= 1n;
  }
  return `${new Date(Number(ms)).toISOString().slice(0, 23)}${rest.toString().padStart(3, '0')}Z`;
}

/** The exact text that is hashed: the same as the SQL function audit_event_canonical(e). */
export function canonicalContent(row: Omit<ChainRow, 'hash'>): string {
  return [
    CANONICAL_VERSION,
    field(row.seq),
    field(row.id),
    field(row.org_id),
    field(row.actor_user_id),
    field(row.actor_label),
    field(row.action),
    field(row.target_type),
    field(row.target_id),
    field(row.target_label),
    field(row.before),
    field(row.after),
    field(row.ip),
    field(row.user_agent),
    field(row.request_id),
    field(isoMicros(row.created_us)),
  ].join('\n');
}

export function chainHash(previous: Buffer, canonical: string): Buffer {
  return createHash('sha256').update(previous).update(canonical, 'utf8').digest();
}

export type ChainProblem =
  /** The stored hash does not follow from the previous hash and this event's content: the event was altered, reordered or inserted around the trigger. */
  | 'HASH_MISMATCH'
  /** Positions are missing before this event: events were deleted. */
  | 'SEQUENCE_GAP'
  /** The last events are missing: the chain head is further than the last event. */
  | 'TRUNCATED'
  /** Events exist past the chain head (written around the trigger, or the head was moved back). */
  | 'BEYOND_HEAD'
  /** Events exist but the chain has no head row. */
  | 'HEAD_MISSING'
  /** The last event's hash is not the head hash. */
  | 'HEAD_MISMATCH';

export interface AuditChainReport {
  /** Organization id, or 'platform'. */
  chainKey: string;
  orgId: string | null;
  ok: boolean;
  /** False when `maxEvents` stopped the walk before the head (nothing wrong found so far). */
  complete: boolean;
  eventsChecked: number;
  /** seq of the last event checked (0 when none). */
  lastSeq: number;
  /** From audit_chain_head when verification started; keep headHash elsewhere to detect a rewrite later. */
  headSeq: number;
  headHash: string | null;
  firstBrokenEventId: string | null;
  firstBrokenSeq: number | null;
  problem: ChainProblem | null;
  reason: string | null;
}

export interface VerifyOptions {
  /** Rows read per query (memory stays flat however long the chain). */
  pageSize?: number;
  /** Start here, trusting the stored hash of event fromSeq - 1 (for verifying a long chain in parts). */
  fromSeq?: number;
  /** Stop after this many events (complete: false). */
  maxEvents?: number;
}

const YIELD_EVERY = 200;

function chainWhere(orgId: string | null): { sql: string; params: unknown[] } {
  return orgId === null ? { sql: 'e.org_id is null', params: [] } : { sql: 'e.org_id = ?', params: [orgId] };
}

/**
 * Walks one chain (an organization's, or the platform chain with `orgId` null) in seq order, page by
 * page, recomputing every hash in Node. Reads the head first and checks events up to it only, so
 * events appended while it runs are neither checked nor reported as tampering. Runs outside any
 * transaction (on PGlite a long transaction would hold the only connection).
 */
export async function verifyAuditChain(em: Em, orgId: string | null, options: VerifyOptions = {}): Promise<AuditChainReport> {
  const pageSize = Math.max(1, Math.min(options.pageSize ?? 500, 10_000));
  const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
  const fromSeq = Math.max(1, Math.floor(options.fromSeq ?? 1));
  const chainKey = orgId ?? PLATFORM_CHAIN;
  const where = chainWhere(orgId);

  const headRow = (await em.execute<{ seq: string; head_hash: string }[]>(
    `select seq::text as seq, encode(head_hash, 'hex') as head_hash from audit_chain_head where chain_key = ?`,
    [chainKey],
  ))[0];
  const headSeq = headRow ? Number(headRow.seq) : 0;
  const report: AuditChainReport = {
    chainKey,
    orgId,
    ok: true,
    complete: true,
    eventsChecked: 0,
    lastSeq: fromSeq - 1,
    headSeq,
    headHash: headRow?.head_hash ?? null,
    firstBrokenEventId: null,
    firstBrokenSeq: null,
    problem: null,
    reason: null,
  };
  const broken = (problem: ChainProblem, seq: number | null, eventId: string | null, reason: string) =>
    Object.assign(report, { ok: false, problem, firstBrokenSeq: seq, firstBrokenEventId: eventId, reason });

  if (!headRow) {
    const any = await em.execute<{ id: string; seq: string }[]>(`select e.id::text as id, e.seq::text as seq from audit_event e where ${where.sql} order by e.seq limit 1`, where.params);
    if (any[0]) return broken('HEAD_MISSING', Number(any[0].seq), any[0].id, 'events exist but the chain head row is missing');
    report.lastSeq = 0;
    return report;
  }

  let previous = GENESIS;
  if (fromSeq > 1) {
    const anchor = (await em.execute<{ hash: string }[]>(`select encode(e.hash, 'hex') as hash from audit_event e where ${where.sql} and e.seq = ?`, [...where.params, fromSeq - 1]))[0];
    if (!anchor) return broken('SEQUENCE_GAP', fromSeq - 1, null, `event seq ${fromSeq - 1} (the starting point) is missing`);
    previous = Buffer.from(anchor.hash, 'hex');
  }

  let expected = fromSeq;
  let lastHash: string | null = null;
  let lastId: string | null = null;
  while (expected <= headSeq) {
    if (report.eventsChecked >= maxEvents) {
      report.complete = false;
      return report;
    }
    const limit = Math.min(pageSize, headSeq - expected + 1, maxEvents - report.eventsChecked);
    const rows = await em.execute<ChainRow[]>(
      `select ${CHAIN_COLUMNS} from audit_event e where ${where.sql} and e.seq >= ? and e.seq <= ? order by e.seq limit ${limit}`,
      [...where.params, expected, headSeq],
    );
    if (rows.length === 0) break;
    for (const [i, row] of rows.entries()) {
      // Hashing is synchronous: let other requests run every few hundred events (R22).
      if (i > 0 && i % YIELD_EVERY === 0) await yieldToEventLoop();
      const seq = Number(row.seq);
      if (seq !== expected) {
        const missing = seq - 1 === expected ? `seq ${expected} is missing` : `seq ${expected}–${seq - 1} are missing`;
        return broken('SEQUENCE_GAP', seq, row.id, `${missing} before this event (deleted)`);
      }
      const hash = chainHash(previous, canonicalContent(row));
      if (hash.toString('hex') !== row.hash) {
        return broken('HASH_MISMATCH', seq, row.id, 'hash does not match the previous hash and this content (altered, reordered or inserted around the trigger)');
      }
      previous = Buffer.from(row.hash, 'hex');
      lastHash = row.hash;
      lastId = row.id;
      report.eventsChecked += 1;
      report.lastSeq = seq;
      expected = seq + 1;
    }
  }

  if (expected <= headSeq) {
    const first = expected;
    return broken('TRUNCATED', first, null, `the chain head is at seq ${headSeq} but the last event is seq ${first - 1}: ${headSeq - first + 1} event(s) missing at the end`);
  }
  if (report.eventsChecked > 0 && report.lastSeq === headSeq && lastHash !== headRow.head_hash) {
    return broken('HEAD_MISMATCH', headSeq, lastId, 'the last event hash differs from the chain head hash');
  }
  // Events past the head: read the highest seq first, then the head again. A legitimate append
  // commits its event and the head together, so a visible event is never ahead of a head read after it.
  const max = (await em.execute<{ seq: string | null; id: string | null }[]>(
    `select e.seq::text as seq, e.id::text as id from audit_event e where ${where.sql} order by e.seq desc limit 1`,
    where.params,
  ))[0];
  const headNow = (await em.execute<{ seq: string }[]>(`select seq::text as seq from audit_chain_head where chain_key = ?`, [chainKey]))[0];
  if (max?.seq && Number(max.seq) > Number(headNow?.seq ?? 0)) {
    return broken('BEYOND_HEAD', Number(max.seq), max.id, `an event has seq ${max.seq}, past the chain head (seq ${headNow?.seq ?? 0})`);
  }
  return report;
}

/** Every chain key with events or a head: the platform chain first, then organizations. */
export async function listAuditChains(em: Em): Promise<(string | null)[]> {
  const rows = await em.execute<{ org_id: string | null }[]>(
    `select org_id::text as org_id from audit_chain_head union select distinct org_id::text from audit_event`,
  );
  const keys = new Set(rows.map((r) => r.org_id));
  return [...keys].sort((a, b) => (a === null ? -1 : b === null ? 1 : a.localeCompare(b)));
}
