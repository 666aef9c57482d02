import { builder } from '../builder.ts';
import { AuditEvent } from '../../modules/audit/audit-event.entity.ts';
import { UserRef } from './user.ts';

/** Append-only record of one state change (R13). Visible to audit:read holders of its org. */
export const AuditEventRef = builder.loadableNodeRef<AuditEvent, string>('AuditEvent', {
  id: { resolve: (e) => String(e.id) },
  load: async (ids: string[], ctx) => {
    const numeric = ids.filter((id) => /^\d{1,15}$/.test(id)).map(Number);
    if (!numeric.length) return [];
    const events = await ctx.em.find(AuditEvent, { id: numeric });
    const readable = await ctx.orgIdsWith('audit:read');
    return events.filter((e) => e.orgId && (readable === 'all' || readable.includes(e.orgId)));
  },
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
      resolve: (e, _a, ctx) => (e.actorUserId ? ctx.loaders.user.load(e.actorUserId) : null),
    }),
    targetType: t.string({ nullable: true, resolve: (e) => e.targetType ?? null }),
    targetId: t.string({ nullable: true, resolve: (e) => e.targetId ?? null }),
    targetLabel: t.string({ nullable: true, resolve: (e) => e.targetLabel ?? null }),
    before: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.before ?? null }),
    after: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.after ?? null }),
    ip: t.string({ nullable: true, resolve: (e) => e.ip ?? null }),
    userAgent: t.string({ nullable: true, resolve: (e) => e.userAgent ?? null }),
    createdAt: t.field({ type: 'DateTime', resolve: (e) => e.createdAt }),
  }),
});
