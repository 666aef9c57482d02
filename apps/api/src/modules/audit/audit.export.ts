import type http from 'node:http';
import { once } from 'node:events';
import type { App } from '../../context.ts';
import { authenticate, createContext } from '../../context.ts';
import { emOf } from '../../db/orm.ts';
import { Organization } from '../organizations/organization.entity.ts';
import { isUuid } from '../../ids.ts';

const BATCH = 500;
const COLUMNS = ['id', 'created_at', 'org_id', 'actor_user_id', 'actor_label', 'action', 'target_type', 'target_id', 'target_label', 'before', 'after', 'ip', 'user_agent', 'request_id'] as const;

/**
 * GET /audit/export?organization=<slug or id>&format=csv|ndjson (R13). Bearer token of an audit:read
 * holder. Rows are read in keyset batches and written with backpressure, so memory stays flat.
 */
export async function handleAuditExport(app: App, req: http.IncomingMessage, res: http.ServerResponse, url: URL) {
  const em = emOf(app.orm);
  const principal = await authenticate(app, em, req.headers.authorization ?? null);
  if (!principal) return problem(res, 401, 'UNAUTHENTICATED', 'Send a bearer access token');
  if (principal.user.mustChangePassword) return problem(res, 403, 'PASSWORD_CHANGE_REQUIRED', 'Change your temporary password first');
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
  let after = 0;
  for (;;) {
    const rows = await em.execute<Record<string, unknown>[]>(
      `select * from audit_event where org_id = ? and id > ? order by id limit ${BATCH}`,
      [org.id, after],
    );
    for (const row of rows) {
      await write(res, format === 'csv' ? csvLine(row) : `${JSON.stringify(ndjsonRow(row))}\n`);
    }
    if (rows.length < BATCH) break;
    after = Number(rows[rows.length - 1]!.id);
  }
  res.end();
}

async function write(res: http.ServerResponse, chunk: string) {
  if (!res.write(chunk)) await once(res, 'drain');
}

function ndjsonRow(row: Record<string, unknown>) {
  return Object.fromEntries(COLUMNS.map((c) => [c, normalize(row[c])]));
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
