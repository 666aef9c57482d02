import type { Em } from '../../db/orm.ts';
import { Params, shaped } from '../../db/sql.ts';
import { replicaRow, replicaRows } from '../../db/replicas.ts';
import { AuditEvent } from './audit-event.entity.ts';
import { toPage, type Page, type PageRequest } from '../../graphql/pagination.ts';

export interface AuditFilter {
  actorUserId?: string | null;
  /** Exact action, or a prefix ending with a dot: "membership." */
  action?: string | null;
  /** The target's type and raw id (both set together: a global id names both, modules/audit/audit-target.ts). */
  targetType?: string | null;
  targetId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

/** The WHERE terms of a filtered read of one organization's log (the list, its count and the export). */
export function auditFilterSql(orgId: string, filter: AuditFilter, p: Params): string[] {
  const where = [`org_id = ${p.add(orgId)}`];
  if (filter.actorUserId) where.push(`actor_user_id = ${p.add(filter.actorUserId)}::uuid`);
  if (filter.action) {
    if (filter.action.endsWith('.')) where.push(`action like ${p.add(`${filter.action.replace(/[\\%_]/g, '\\$&')}%`)}`);
    else where.push(`action = ${p.add(filter.action)}`);
  }
  if (filter.targetType) where.push(`target_type = ${p.add(filter.targetType)}`);
  if (filter.targetId) where.push(`target_id = ${p.add(filter.targetId)}`);
  if (filter.from) where.push(`created_at >= ${p.add(filter.from.toISOString())}::timestamptz`);
  if (filter.to) where.push(`created_at < ${p.add(filter.to.toISOString())}::timestamptz`);
  return where;
}

/** Newest first, keyset on the identity column (index org_id, id). Reading the log decides nothing: a read replica may answer (db/replicas.ts). */
export async function listAuditEvents(em: Em, orgId: string, filter: AuditFilter, page: PageRequest): Promise<Page<AuditEvent>> {
  const p = new Params();
  const where = auditFilterSql(orgId, filter, p);
  if (page.after) where.push(`id < ${p.add(Number(page.after[1]))}`);
  const limit = p.add(page.first + 1);
  const found = await replicaRows<Record<string, unknown>>(em, shaped(`select * from audit_event where ${where.join(' and ')} order by id desc limit ${limit}::int`), p.values);
  const events = found.map((row) => em.map(AuditEvent, row));
  return toPage(events, page, (e) => [null, e.id]);
}

export async function countAuditEvents(em: Em, orgId: string, filter: AuditFilter): Promise<number> {
  const p = new Params();
  const where = auditFilterSql(orgId, filter, p);
  const found = await replicaRow<{ n: number }>(em, shaped(`select count(*)::int as n from audit_event where ${where.join(' and ')}`), p.values);
  return Number(found?.n ?? 0);
}
