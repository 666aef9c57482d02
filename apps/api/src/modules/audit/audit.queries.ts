import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { Em } from '../../db/orm.ts';
import { builder, replicaRowOf, replicaRowsOf, ShapeCache, type DB } from '../../db/kysely.ts';
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

/** "membership." matches every action of that family: a LIKE prefix, its wildcards escaped. */
const familyPattern = (family: string) => `${family.replace(/[\\%_]/g, '\\$&')}%`;

type Events = ExpressionBuilder<DB, 'audit_event'>;

/** What decides the text of a filtered read (db/kysely.ts ShapeCache); the values are in `AuditFilterValues`. */
export interface AuditFilterShape {
  actor: boolean;
  action: 'any' | 'family' | 'exact';
  targetType: boolean;
  targetId: boolean;
  from: boolean;
  to: boolean;
}

export interface AuditFilterValues {
  orgId: string;
  actor: string | null | undefined;
  action: string;
  targetType: string | null | undefined;
  targetId: string | null | undefined;
  from: string | undefined;
  to: string | undefined;
}

/** A filter as a shape and its values: the list, its count and the export (audit.export.ts) read through the same terms. */
export function auditFilterOf(orgId: string, filter: AuditFilter): { shape: AuditFilterShape; values: AuditFilterValues } {
  const family = Boolean(filter.action?.endsWith('.'));
  return {
    shape: {
      actor: Boolean(filter.actorUserId),
      action: !filter.action ? 'any' : family ? 'family' : 'exact',
      targetType: Boolean(filter.targetType),
      targetId: Boolean(filter.targetId),
      from: Boolean(filter.from),
      to: Boolean(filter.to),
    },
    values: {
      orgId,
      actor: filter.actorUserId,
      action: !filter.action ? '' : family ? familyPattern(filter.action) : filter.action,
      targetType: filter.targetType,
      targetId: filter.targetId,
      from: filter.from?.toISOString(),
      to: filter.to?.toISOString(),
    },
  };
}

/** The WHERE terms of a filtered read of one organization's log. */
function auditTerms(eb: Events, shape: AuditFilterShape, v: AuditFilterValues): Expression<SqlBool> {
  const terms: Expression<SqlBool>[] = [eb('org_id', '=', v.orgId)];
  if (shape.actor) terms.push(eb('actor_user_id', '=', eb.cast<string>(eb.val(v.actor), 'uuid')));
  if (shape.action !== 'any') terms.push(eb('action', shape.action === 'family' ? 'like' : '=', v.action));
  if (shape.targetType) terms.push(eb('target_type', '=', v.targetType!));
  if (shape.targetId) terms.push(eb('target_id', '=', v.targetId!));
  if (shape.from) terms.push(eb('created_at', '>=', eb.cast<Date>(eb.val(v.from), 'timestamptz')));
  if (shape.to) terms.push(eb('created_at', '<', eb.cast<Date>(eb.val(v.to), 'timestamptz')));
  return eb.and(terms);
}

/** The events of one organization a filter matches, for a `ShapeCache` build (the list, its count, the export's batches). */
export const auditEventsMatching = (shape: AuditFilterShape, v: AuditFilterValues) => builder.selectFrom('audit_event').where((eb) => auditTerms(eb, shape, v));

/** Newest first, keyset on the identity column (index org_id, id). */
const pages = new ShapeCache((shape: AuditFilterShape & { after: boolean }, v: AuditFilterValues & { afterId: number; limit: number }) =>
  auditEventsMatching(shape, v)
    .selectAll()
    .$if(shape.after, (qb) => qb.where('id', '<', v.afterId))
    .orderBy('id', 'desc')
    .limit(v.limit),
);

const counts = new ShapeCache((shape: AuditFilterShape, v: AuditFilterValues) => auditEventsMatching(shape, v).select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n')));

/** Newest first, keyset on the identity column (index org_id, id). Reading the log decides nothing: a read replica may answer (db/replicas.ts). */
export async function listAuditEvents(em: Em, orgId: string, filter: AuditFilter, page: PageRequest): Promise<Page<AuditEvent>> {
  const { shape, values } = auditFilterOf(orgId, filter);
  const query = pages.prepared({ ...shape, after: page.after !== undefined }, { ...values, afterId: Number(page.after?.[1] ?? 0), limit: page.first + 1 });
  const found = await replicaRowsOf(em, query);
  const events = found.map((row) => em.map(AuditEvent, row));
  return toPage(events, page, (e) => [null, e.id]);
}

export async function countAuditEvents(em: Em, orgId: string, filter: AuditFilter): Promise<number> {
  const { shape, values } = auditFilterOf(orgId, filter);
  const found = await replicaRowOf(em, counts.prepared(shape, values));
  return Number(found?.n ?? 0);
}
