import { defineEntity, p } from '@mikro-orm/core';

/**
 * The last link of one audit chain (one per organization, one for platform events), locked by each
 * append so events of a chain are numbered and hashed one after another (modules/audit/audit.chain.ts).
 * Written by the audit_event trigger; read by the chain verifier.
 */
export const AuditChainHeadSchema = defineEntity({
  name: 'AuditChainHead',
  tableName: 'audit_chain_head',
  properties: {
    chainKey: p.string().primary(),
    orgId: p.uuid().nullable(),
    seq: p.bigint('number'),
    headHash: p.blob(),
    headEventId: p.bigint('number').nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()),
  },
});

export class AuditChainHead extends AuditChainHeadSchema.class {}
AuditChainHeadSchema.setClass(AuditChainHead);
