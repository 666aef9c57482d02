import { defineEntity, p } from '@mikro-orm/core';

export const ServiceAccountStatus = ['ACTIVE', 'DISABLED'] as const;
export type ServiceAccountStatus = (typeof ServiceAccountStatus)[number];

/** A non-human principal owned by one organization (R23). Roles live in service_account_role. */
export const ServiceAccountSchema = defineEntity({
  name: 'ServiceAccount',
  tableName: 'service_account',
  properties: {
    id: p.uuid().primary(),
    orgId: p.uuid(),
    name: p.string(),
    description: p.string().default(''),
    status: p.string().$type<ServiceAccountStatus>().default('ACTIVE'),
    createdById: p.uuid().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class ServiceAccount extends ServiceAccountSchema.class {}
ServiceAccountSchema.setClass(ServiceAccount);

/** One API key of a service account; the secret is shown once, only its sha256 is kept. */
export const ServiceAccountKeySchema = defineEntity({
  name: 'ServiceAccountKey',
  tableName: 'service_account_key',
  properties: {
    id: p.uuid().primary(),
    orgId: p.uuid(),
    serviceAccountId: p.uuid(),
    name: p.string(),
    keyHash: p.blob().hidden(),
    hint: p.string(),
    expiresAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    createdById: p.uuid().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
    lastUsedIp: p.string().nullable(),
  },
});

export class ServiceAccountKey extends ServiceAccountKeySchema.class {}
ServiceAccountKeySchema.setClass(ServiceAccountKey);
