import { builder } from '../builder.ts';
import { ServiceAccount, ServiceAccountKey, ServiceAccountStatus } from '../../modules/service-accounts/service-account.entity.ts';
import { keysOfServiceAccount, rolesOfServiceAccount, visibleServiceAccountKeys, visibleServiceAccounts } from '../../modules/service-accounts/service-account.queries.ts';
import { OrganizationRef } from './organization.ts';
import { RoleRef } from './role.ts';

export const ServiceAccountStatusEnum = builder.enumType('ServiceAccountStatus', { values: ServiceAccountStatus });

/** Visible to service_accounts:manage holders of its organization (R1). */
export const ServiceAccountRef = builder.loadableNodeRef<ServiceAccount, string>('ServiceAccount', {
  id: { resolve: (s) => s.id },
  load: (ids: string[], ctx) => visibleServiceAccounts(ctx.em, ctx, ids),
  sort: (s) => s.id,
});

export const ServiceAccountKeyRef = builder.loadableNodeRef<ServiceAccountKey, string>('ServiceAccountKey', {
  id: { resolve: (k) => k.id },
  load: (ids: string[], ctx) => visibleServiceAccountKeys(ctx.em, ctx, ids),
  sort: (k) => k.id,
});

ServiceAccountRef.implement({
  description: 'A non-human principal owned by one organization (R23): roles like a member’s, API keys, client credentials.',
  isTypeOf: (v) => v instanceof ServiceAccount,
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    status: t.field({ type: ServiceAccountStatusEnum, resolve: (s) => s.status }),
    clientId: t.string({ description: 'The client_id for POST /oauth/token (client credentials).', resolve: (s) => s.id }),
    organization: t.field({ type: OrganizationRef, nullable: true, resolve: (s) => s.orgId }),
    roles: t.field({ type: [RoleRef], resolve: (s, _a, ctx) => rolesOfServiceAccount(ctx.em, ctx, s.id) }),
    keys: t.field({ type: [ServiceAccountKeyRef], description: 'Every key, newest first, revoked and expired ones included.', resolve: (s, _a, ctx) => keysOfServiceAccount(ctx.em, ctx, s.id) }),
    createdAt: t.field({ type: 'DateTime', resolve: (s) => s.createdAt }),
  }),
});

ServiceAccountKeyRef.implement({
  description: 'An API key of a service account. The secret is shown once, at creation or rotation.',
  isTypeOf: (v) => v instanceof ServiceAccountKey,
  fields: (t) => ({
    name: t.exposeString('name'),
    hint: t.exposeString('hint', { description: 'The last four characters of the secret.' }),
    createdAt: t.field({ type: 'DateTime', resolve: (k) => k.createdAt }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (k) => k.expiresAt ?? null }),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (k) => k.revokedAt ?? null }),
    lastUsedAt: t.field({ type: 'DateTime', nullable: true, description: 'Recorded at most once a minute, and whenever the address changes.', resolve: (k) => k.lastUsedAt ?? null }),
    lastUsedIp: t.string({ nullable: true, resolve: (k) => k.lastUsedIp ?? null }),
    active: t.boolean({ resolve: (k) => !k.revokedAt && (!k.expiresAt || k.expiresAt > new Date()) }),
  }),
});
