import { builder } from '../builder.ts';
import { AuditEvent } from '../../modules/audit/audit-event.entity.ts';
import { UserRef } from './user.ts';
import { redactSnapshot, visibleAuditEvents } from '../../modules/visibility.ts';
import { auditTargetGid } from '../../modules/audit/audit-target.ts';

/**
 * Append-only record of one state change (R13). Visible to audit:read holders of its org; a platform
 * event (no org) to platform admins and to the account it is about (R1, modules/visibility.ts).
 */
export const AuditEventRef = builder.loadableNodeRef<AuditEvent, string>('AuditEvent', {
  id: { resolve: (e) => String(e.id) },
  load: (ids: string[], ctx) => visibleAuditEvents(ctx, ids),
  sort: (e) => String(e.id),
});

AuditEventRef.implement({
  isTypeOf: (value) => value instanceof AuditEvent,
  fields: (t) => ({
    action: t.exposeString('action', { description: 'e.g. membership.roles_changed, members.provisioned, user.deleted' }),
    actorLabel: t.exposeString('actorLabel', { description: "The actor's email at the time (kept after the account is deleted)." }),
    actor: t.field({
      type: UserRef,
      nullable: true,
      description: 'The acting account; null when it is gone or is no one you can see (actorLabel stays).',
      // An id: the User type's loader answers it, null for anyone the reader cannot see (R1).
      resolve: (e) => e.actorUserId ?? null,
    }),
    targetType: t.string({ nullable: true, resolve: (e) => e.targetType ?? null }),
    targetId: t.id({
      nullable: true,
      description: "The target's global id (of its targetType): node(id:) answers it to whoever may see the target, and auditLog(targetId:) filters by it.",
      resolve: (e) => (e.targetType && e.targetId ? auditTargetGid(e.targetType, e.targetId) : null),
    }),
    targetLabel: t.string({ nullable: true, resolve: (e) => e.targetLabel ?? null }),
    // R1: snapshots name only organizations the reader may see (e.g. user.deleted lists every org of the account).
    before: t.field({ type: 'JSON', nullable: true, resolve: (e, _a, ctx) => redactSnapshot(ctx, e.before) }),
    after: t.field({ type: 'JSON', nullable: true, resolve: (e, _a, ctx) => redactSnapshot(ctx, e.after) }),
    ip: t.string({ nullable: true, resolve: (e) => e.ip ?? null }),
    userAgent: t.string({ nullable: true, resolve: (e) => e.userAgent ?? null }),
    createdAt: t.field({ type: 'DateTime', resolve: (e) => e.createdAt }),
  }),
});
