import type http from 'node:http';
import type { App } from '../../context.ts';
import { authenticate, createContext } from '../../context.ts';
import { emOf } from '../../db/orm.ts';
import { Organization } from '../organizations/organization.entity.ts';
import { isUuid } from '../../ids.ts';
import { COLUMNS, CSV_HEADER, csvLine, ndjsonLine, type ExportRow } from './audit.export-format.ts';
import { exportReader } from './audit.export-reader.ts';
import { sql } from 'kysely';
import { ShapeCache, type Prepared } from '../../db/kysely.ts';
import { auditEventsMatching, auditFilterOf, type AuditFilter, type AuditFilterShape, type AuditFilterValues } from './audit.queries.ts';
import { AUDIT_TARGET_HINT, auditTargetOf } from './audit-target.ts';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { allowReplicaReads, wroteRecently } from '../../db/replicas.ts';
import { parseCookies } from '../../auth/refresh-token.ts';
import { PRIMARY_COOKIE } from '../../graphql/read-routing.ts';

/**
 * Rows per statement. Measured on 1,000,000 events (docs/benchmarks.md): from 250 to 4,000 rows the
 * rate hardly moves (round trips overlap with writing), while fewer rows per statement leave fewer
 * objects alive at each young collection, which is what makes V8 grow its young generation.
 */
const BATCH = 500;
/** The exported columns before seq and hash, in COLUMNS order, as they are stored. */
const PLAIN = COLUMNS.slice(0, -2) as Exclude<(typeof COLUMNS)[number], 'seq' | 'hash'>[];

/**
 * One keyset batch in chain order, with the audit log's own filter terms (audit.queries.ts): each
 * filter shape and format is built once, only the values are bound. The batch size stays constant
 * text, as before: bound, it would only change the row estimate of PostgreSQL's generic plan.
 */
const batchStatements = new ShapeCache((shape: AuditFilterShape & { format: 'csv' | 'ndjson' }, v: AuditFilterValues & { afterSeq: number }) =>
  auditEventsMatching(shape, v)
    .select(PLAIN)
    .select((eb) => [eb.cast<string>('seq', 'text').as('seq'), eb.fn<string>('encode', ['hash', sql.lit('hex')]).as('hash')])
    // NDJSON also carries the exact text forms the canonical content is built from.
    .$if(shape.format === 'ndjson', (qb) =>
      qb.select((eb) => [
        eb.cast<string>('before', 'text').as('before_text'),
        eb.cast<string>('after', 'text').as('after_text'),
        sql<string>`floor(extract(epoch from ${eb.ref('created_at')}) * 1000000)::bigint::text`.as('created_us'),
      ]),
    )
    .where('seq', '>', v.afterSeq)
    // Qualified: a bare "seq" in ORDER BY would name the text column selected as seq (text order, a sort of every row).
    .orderBy('audit_event.seq')
    .limit(sql.lit(BATCH)),
);

/** The statement and values of the batch after `seq` of an export of `orgId`'s log filtered by `filter`. */
export function exportBatch(format: 'csv' | 'ndjson', orgId: string, filter: AuditFilter): (seq: number) => Prepared<unknown> {
  const { shape, values } = auditFilterOf(orgId, filter);
  const formatted = { ...shape, format };
  return (seq) => batchStatements.prepared(formatted, { ...values, afterSeq: seq });
}

interface ExportFilterProblem {
  parameter: string;
  message: string;
}

/** The same filters as the audit log's list (action or family, actor, target, from, to), from the query string. */
function exportFilter(url: URL): AuditFilter | ExportFilterProblem {
  const value = (name: string) => {
    const raw = url.searchParams.get(name)?.trim();
    return raw ? raw : null;
  };
  const filter: AuditFilter = {};
  for (const name of ['action', 'actor', 'target', 'from', 'to']) {
    const raw = value(name);
    if (raw && raw.length > 200) return { parameter: name, message: `${name} is longer than 200 characters` };
  }
  filter.action = value('action');
  const target = value('target');
  if (target) {
    // A target's global id, as AuditEvent.targetId answers it (the rows keep the raw target_id).
    const named = auditTargetOf(target);
    if (!named) return { parameter: 'target', message: `target must be ${AUDIT_TARGET_HINT}` };
    filter.targetType = named.type;
    filter.targetId = named.id;
  }
  const actor = value('actor');
  if (actor) {
    const decoded = isUuid(actor) ? { typename: 'User', id: actor } : userIdOf(actor);
    if (!decoded || decoded.typename !== 'User' || !isUuid(decoded.id)) return { parameter: 'actor', message: 'actor must be a User id' };
    filter.actorUserId = decoded.id;
  }
  for (const name of ['from', 'to'] as const) {
    const raw = value(name);
    if (!raw) continue;
    const when = new Date(raw);
    if (Number.isNaN(when.getTime())) return { parameter: name, message: `${name} must be an ISO 8601 date and time` };
    filter[name] = when;
  }
  return filter;
}

function userIdOf(globalId: string): { typename: string; id: string } | undefined {
  try {
    return decodeGlobalID(globalId);
  } catch {
    return undefined;
  }
}

/**
 * GET /audit/export?organization=<slug or id>&format=csv|ndjson (R13), optionally filtered like the
 * audit log's list: &action=<action or family ending in ".">&actor=<User id>&target=<the target's global id>&from=&to=
 * (ISO 8601), so a download holds what the filtered list shows. Bearer token of an audit:read holder.
 * Rows are read in keyset batches and written with backpressure, so memory stays flat.
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
  const filter = exportFilter(url);
  if ('parameter' in filter) return problem(res, 400, 'BAD_REQUEST', filter.message);
  const ref = url.searchParams.get('organization') ?? '';
  const org = await em.findOne(Organization, isUuid(ref) ? { id: ref } : { slug: ref });
  const ctx = createContext(app, em, { requestId: '', ip: undefined, userAgent: undefined, cookies: {} }, principal);
  // A foreign or unknown organization answers the same (R1).
  if (!org || !(await ctx.can(org.id, 'audit:read'))) return problem(res, 404, 'NOT_FOUND', 'Organization not found');
  // Authorized on the primary; the rows themselves may come from a read replica, unless this
  // principal has just written (read-your-writes, graphql/read-routing.ts).
  const writer = 'user' in principal ? principal.user.id : principal.serviceAccount.id;
  const replicaReads = !wroteRecently(writer) && !parseCookies(req.headers.cookie ?? null)[PRIMARY_COOKIE];
  if (replicaReads) allowReplicaReads(em);

  res.writeHead(200, {
    'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
    'content-disposition': `attachment; filename="audit-${org.slug}.${format === 'csv' ? 'csv' : 'ndjson'}"`,
    'cache-control': 'no-store',
  });
  const batchOf = exportBatch(format, org.id, filter);
  const read = await exportReader(app.orm, em, replicaReads);
  const batchAfter = (seq: number) => {
    const batch = batchOf(seq);
    return read<ExportRow>(batch.statement, batch.values);
  };
  const lineOf = format === 'csv' ? csvLine : ndjsonLine;
  if (format === 'csv' && !(await write(res, CSV_HEADER))) return;
  // One batch in flight: the next is read while this one is written, as one chunk with backpressure.
  let pending = batchAfter(0);
  for (;;) {
    const batch = await pending;
    const full = batch.length === BATCH;
    if (full) pending = batchAfter(Number(batch[batch.length - 1]!.seq));
    // The batch's lines joined once, ending with a newline (an empty last entry): one flat string.
    const lines = new Array<string>(batch.length + 1);
    for (let i = 0; i < batch.length; i++) lines[i] = lineOf(batch[i]!);
    lines[batch.length] = '';
    if (batch.length && !(await write(res, lines.join('\n')))) {
      // The client went away: the export ends, the batch in flight is dropped.
      pending.catch(() => {});
      return;
    }
    if (!full) break;
  }
  res.end();
}

/** Writes a chunk and waits while the client's buffer is full; false when the client went away. */
function write(res: http.ServerResponse, chunk: string): Promise<boolean> | boolean {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve(!res.destroyed);
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function problem(res: http.ServerResponse, status: number, code: string, message: string) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message } }));
}
