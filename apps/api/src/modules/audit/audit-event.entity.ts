import { defineEntity, p } from '@mikro-orm/core';

/** Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE. No foreign keys, so events outlive their subjects. */
const AuditEventSchema = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_event',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    orgId: p.uuid().nullable(),
    actorUserId: p.uuid().nullable(),
    actorLabel: p.string(),
    action: p.string(),
    targetType: p.string().nullable(),
    targetId: p.string().nullable(),
    targetLabel: p.string().nullable(),
    before: p.json<Record<string, unknown>>().nullable(),
    after: p.json<Record<string, unknown>>().nullable(),
    ip: p.string().nullable(),
    userAgent: p.string().nullable(),
    requestId: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class AuditEvent extends AuditEventSchema.class {}
AuditEventSchema.setClass(AuditEvent);
