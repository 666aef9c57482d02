import type { Em } from '../../db/orm.ts';
import { AuditEvent } from './audit-event.entity.ts';
import { toPage, type Page, type PageRequest } from '../../graphql/pagination.ts';

export interface AuditFilter {
  actorUserId?: string | null;
  /** Exact action, or a prefix ending with a dot: "membership." */
  action?: string | null;
  targetId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

function filterSql(orgId: string, filter: AuditFilter) {
  const where = ['org_id = ?'];
  const params: unknown[] = [orgId];
  if (filter.actorUserId) {
    where.push('actor_user_id = ?::uuid');
    params.push(filter.actorUserId);
  }
  if (filter.action) {
    if (filter.action.endsWith('.')) {
      where.push('action like ?');
      params.push(`${filter.action.replace(/[\\%_]/g, '\\$&')}%`);
    } else {
      where.push('action = ?');
      params.push(filter.action);
    }
  }
  if (filter.targetId) {
    where.push('target_id = ?');
    params.push(filter.targetId);
  }
  if (filter.from) {
    where.push('created_at >= ?');
    params.push(filter.from.toISOString());
  }
  if (filter.to) {
    where.push('created_at < ?');
    params.push(filter.to.toISOString());
  }
  return { where, params };
}

/** Newest first, keyset on the identity column (index org_id, id). */
export async function listAuditEvents(em: Em, orgId: string, filter: AuditFilter, page: PageRequest): Promise<Page<AuditEvent>> {
  const { where, params } = filterSql(orgId, filter);
  if (page.after) {
    where.push('id < ?');
    params.push(Number(page.after[1]));
  }
  const rows = await em.execute<Record<string, unknown>[]>(
    `select * from audit_event where ${where.join(' and ')} order by id desc limit ${page.first + 1}`,
    params,
  );
  const events = rows.map((row) => em.map(AuditEvent, row));
  return toPage(events, page, (e) => [null, e.id]);
}

export async function countAuditEvents(em: Em, orgId: string, filter: AuditFilter): Promise<number> {
  const { where, params } = filterSql(orgId, filter);
  const rows = await em.execute<{ n: number }[]>(`select count(*)::int as n from audit_event where ${where.join(' and ')}`, params);
  return Number(rows[0]?.n ?? 0);
}
