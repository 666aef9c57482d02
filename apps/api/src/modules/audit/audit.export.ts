import type http from 'node:http';
import { once } from 'node:events';
import type { App } from '../../context.ts';
import { authenticate, createContext } from '../../context.ts';
import { emOf } from '../../db/orm.ts';
import { Organization } from '../organizations/organization.entity.ts';
import { isUuid } from '../../ids.ts';
import { canonicalContent } from './audit.chain.ts';
import { rows, statement } from '../../db/sql.ts';

/** Rows per statement: large enough that round trips do not dominate, small enough to keep memory flat. */
const BATCH = 2000;
/** seq and hash (hex) last, so existing CSV readers keep their columns. */
const COLUMNS = ['id', 'created_at', 'org_id', 'actor_user_id', 'actor_label', 'action', 'target_type', 'target_id', 'target_label', 'before', 'after', 'ip', 'user_agent', 'request_id', 'seq', 'hash'] as const;
/** The exported columns. */
const EXPORTED = `e.id, e.created_at, e.org_id, e.actor_user_id, e.actor_label, e.action, e.target_type, e.target_id, e.target_label,
  e.before, e.after, e.ip, e.user_agent, e.request_id, e.seq::text as seq, encode(e.hash, 'hex') as hash`;
/** NDJSON also carries the exact text forms the canonical content is built from. */
const CANONICAL = `, e.before::text as before_text, e.after::text as after_text, floor(extract(epoch from e.created_at) * 1000000)::bigint::text as created_us`;
const batchStatement = (format: 'csv' | 'ndjson') =>
  statement(`audit_export_${format}`, `select ${EXPORTED}${format === 'ndjson' ? CANONICAL : ''} from audit_event e where e.org_id = $1 and e.seq > $2 order by e.seq limit ${BATCH}`);
const BATCH_OF = { csv: batchStatement('csv'), ndjson: batchStatement('ndjson') };

/**
 * GET /audit/export?organization=<slug or id>&format=csv|ndjson (R13). Bearer token of an audit:read
 * holder. Rows are read in keyset batches and written with backpressure, so memory stays flat.
 * Rows come in chain order (seq). Each NDJSON line also carries `canonical`, the exact text its hash
 * covers, so someone outside Gatehouse can check the chain: hash = sha256(previous line's hash, or
 * 32 zero bytes for seq 1 || canonical), and canonical agrees with the line's fields (docs/audit-log.md).
 */
export async function handleAuditExport(app: App, req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
  const em = emOf(app.orm);
  const principal = await authenticate(app, em, req.headers.authorization ?? null);
  if (!principal) return problem(res, 401, 'UNAUTHENTICATED', 'Send a bearer access token');
  // A service account (R23) may export too when its roles hold audit:read.
  if ('user' in principal && principal.user.mustChangePassword) return problem(res, 403, 'PASSWORD_CHANGE_REQUIRED', 'Change your temporary password first');
  const format = url.searchParams.get('format') ?? 'csv';
  if (format !== 'csv' && format !== 'ndjson') return problem(res, 400, 'BAD_REQUEST', 'format must be csv or ndjson');
  const ref = url.searchParams.get('organization') ?? '';
  const org = await em.findOne(Organization, isUuid(ref) ? { id: ref } : { slug: ref });
  const ctx = createContext(app, em, { requestId: '', ip: undefined, userAgent: undefined, cookies: {} }, principal);
  // A foreign or unknown organization answers the same (R1).
  if (!org || !(await ctx.can(org.id, 'audit:read'))) return problem(res, 404, 'NOT_FOUND', 'Organization not found');

  res.writeHead(200, {
    'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
    'content-disposition': `attachment; filename="audit-${org.slug}.${format === 'csv' ? 'csv' : 'ndjson'}"`,
    'cache-control': 'no-store',
  });
  if (format === 'csv') await write(res, `${COLUMNS.join(',')}\n`);
  const batchAfter = (seq: number) => rows<Record<string, unknown>>(em, BATCH_OF[format], [org.id, seq]);
  const line = format === 'csv' ? csvLine : (row: Record<string, unknown>) => `${JSON.stringify(ndjsonRow(row))}\n`;
  // The next batch is read while this one is written: one chunk per batch, backpressure per chunk.
  let pending = batchAfter(0);
  for (;;) {
    const batch = await pending;
    const full = batch.length === BATCH;
    if (full) pending = batchAfter(Number(batch[batch.length - 1]!.seq));
    if (batch.length) await write(res, batch.map(line).join(''));
    if (!full) break;
  }
  res.end();
}

async function write(res: http.ServerResponse, chunk: string) {
  if (!res.write(chunk)) await once(res, 'drain');
}

function ndjsonRow(row: Record<string, unknown>) {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const canonical = canonicalContent({
    seq: String(row.seq),
    id: String(row.id),
    org_id: text(row.org_id),
    actor_user_id: text(row.actor_user_id),
    actor_label: String(row.actor_label),
    action: String(row.action),
    target_type: text(row.target_type),
    target_id: text(row.target_id),
    target_label: text(row.target_label),
    before: text(row.before_text),
    after: text(row.after_text),
    ip: text(row.ip),
    user_agent: text(row.user_agent),
    request_id: text(row.request_id),
    created_us: String(row.created_us),
  });
  return { ...Object.fromEntries(COLUMNS.map((c) => [c, normalize(row[c])])), seq: Number(row.seq), canonical };
}

function normalize(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && /^[[{]/.test(value)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value ?? null;
}

function csvLine(row: Record<string, unknown>): string {
  return `${COLUMNS.map((c) => csvCell(normalize(row[c]))).join(',')}\n`;
}

/** Quotes every cell that needs it and defuses spreadsheet formulas. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function problem(res: http.ServerResponse, status: number, code: string, message: string) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message } }));
}
