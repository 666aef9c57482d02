import { defineEntity, p, type Opt } from '@mikro-orm/core';

/**
 * Set by the BEFORE INSERT trigger audit_event_chain, never by the ORM. MikroORM's `generated` marks
 * a column the database computes: it is left out of every INSERT and UPDATE (the entity comparator
 * treats it as virtual) and read back through INSERT … RETURNING. The text is only what the schema
 * generator would print; the schema itself comes from the hand-written migrations.
 */
const BY_TRIGGER = '(set by trigger audit_event_chain) stored';

/**
 * Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE, and chains every event to the previous
 * one of its organization (seq, hash: see modules/audit/audit.chain.ts). No foreign keys, so events
 * outlive their subjects.
 */
export const AuditEventSchema = defineEntity({
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
    /** Position in its chain (one chain per organization, one for platform events), from 1. */
    seq: p.bigint('number').$type<Opt<number>>().generated(BY_TRIGGER),
    /** sha256(hash of the previous event of the chain || canonical content of this one). */
    hash: p.blob().$type<Opt<Buffer>>().generated(BY_TRIGGER),
  },
});

export class AuditEvent extends AuditEventSchema.class {}
AuditEventSchema.setClass(AuditEvent);
