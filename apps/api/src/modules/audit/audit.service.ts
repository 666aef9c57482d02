import type { AuditAction } from '@gatehouse/permissions';
import type { Em } from '../../db/orm.ts';
import { AuditEvent } from './audit-event.entity.ts';

/** Who is acting and from where: taken from the request, written on every event. */
export interface Actor {
  userId: string | null;
  label: string;
  ip?: string | undefined;
  userAgent?: string | undefined;
  requestId?: string | undefined;
}

export interface AuditEntry {
  orgId: string | null;
  /** One of packages/permissions' AUDIT_ACTIONS: a name nobody can filter on does not compile. */
  action: AuditAction;
  target?: { type: string; id: string; label?: string };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** R13: call inside the service's transaction, so a failed change writes no event. */
export function recordAudit(em: Em, actor: Actor, entry: AuditEntry): void {
  em.create(AuditEvent, {
    orgId: entry.orgId,
    actorUserId: actor.userId,
    actorLabel: actor.label,
    action: entry.action,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    targetLabel: entry.target?.label ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
    ip: actor.ip ?? null,
    userAgent: actor.userAgent ?? null,
    requestId: actor.requestId ?? null,
  });
}
