import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../builder.ts';
import { OrganizationRef } from '../types/organization.ts';
import { RoleRef } from '../types/role.ts';
import { ServiceAccountKeyRef, ServiceAccountRef, ServiceAccountStatusEnum } from '../types/service-account.ts';
import { DeletedPayload } from './users.ts';
import { ConflictError, GrantCeilingError, LimitExceededError, NotFoundError, PolicyError, ValidationError } from '../../errors.ts';
import type { ServiceAccountKey } from '../../modules/service-accounts/service-account.entity.ts';
import * as accounts from '../../modules/service-accounts/service-account.service.ts';
import { serviceAccountsOf } from '../../modules/service-accounts/service-account.queries.ts';
import { isUuid } from '../../ids.ts';
import { builder as sqlBuilder, rowOf, ShapeCache } from '../../db/kysely.ts';
import type { Context } from '../../context.ts';

const accountOrg = new ShapeCache((_: object, v: { id: string }) => sqlBuilder.selectFrom('service_account').select('org_id').where('id', '=', v.id));
const keyOwner = new ShapeCache((_: object, v: { id: string }) => sqlBuilder.selectFrom('service_account_key').select(['org_id', 'service_account_id']).where('id', '=', v.id));

/** Scope of changes to an existing account: service_accounts:manage in its org (a foreign id finds no org, R1). */
async function accountScope(ctx: Context, id: string) {
  const account = isUuid(id) ? await rowOf(ctx.em, accountOrg.prepared({}, { id })) : undefined;
  return { orgPermission: `${account?.org_id ?? 'none'}:service_accounts:manage` };
}

async function keyScope(ctx: Context, id: string) {
  const key = isUuid(id) ? await rowOf(ctx.em, keyOwner.prepared({}, { id })) : undefined;
  // A service account may rotate its own keys (the service checks the rest).
  if (ctx.serviceAccount && key?.service_account_id === ctx.serviceAccount.id) return true;
  return { orgPermission: `${key?.org_id ?? 'none'}:service_accounts:manage` };
}


const CreatedServiceAccountKey = builder.objectRef<{ key: ServiceAccountKey; secret: string }>('CreatedServiceAccountKey').implement({
  description: 'A new key and its secret. The secret is shown only here, once.',
  fields: (t) => ({
    key: t.field({ type: ServiceAccountKeyRef, resolve: (v) => v.key }),
    secret: t.exposeString('secret', { description: 'Send as `Authorization: Bearer <secret>`, or as client_secret to POST /oauth/token.' }),
  }),
});

const CreateServiceAccountInput = builder.inputType('CreateServiceAccountInput', {
  fields: (t) => ({
    organizationId: t.globalID({ required: true, for: [OrganizationRef] }),
    name: t.string({ required: true }),
    description: t.string(),
    roleIds: t.globalIDList({ required: true, for: [RoleRef] }),
  }),
});

const CreateServiceAccountKeyInput = builder.inputType('CreateServiceAccountKeyInput', {
  fields: (t) => ({
    serviceAccountId: t.globalID({ required: true, for: [ServiceAccountRef] }),
    name: t.string({ required: true }),
    expiresInDays: t.int({ description: 'Days until it expires (1 to 366); omit for no expiry.' }),
  }),
});

const MANAGE_ERRORS = [ValidationError, GrantCeilingError, PolicyError, NotFoundError];

builder.mutationField('createServiceAccount', (t) =>
  t.field({
    type: ServiceAccountRef,
    description: 'R23: a service account of the organization with roles you could grant a member (R3); never a role holding org:own.',
    errors: { types: [...MANAGE_ERRORS, LimitExceededError, ConflictError] },
    authScopes: (_r, { input }) => ({ orgPermission: `${input.organizationId.id}:service_accounts:manage` }),
    args: { input: t.arg({ type: CreateServiceAccountInput, required: true }) },
    // Each answers the entity the unit of work wrote (its roles and keys are read when asked, after the commit).
    resolve: (_r, { input }, ctx) =>
      accounts.createServiceAccount(ctx.em, ctx, { orgId: input.organizationId.id, name: input.name, description: input.description ?? '', roleIds: input.roleIds.map((r) => r.id) }),
  }),
);

builder.mutationField('setServiceAccountRoles', (t) =>
  t.field({
    type: ServiceAccountRef,
    description: 'Replaces the role set. You must be able to grant every role added and every role taken away (R3).',
    errors: { types: MANAGE_ERRORS },
    authScopes: (_r, args, ctx) => accountScope(ctx, args.serviceAccountId.id),
    args: { serviceAccountId: t.arg.globalID({ required: true, for: [ServiceAccountRef] }), roleIds: t.arg.globalIDList({ required: true, for: [RoleRef] }) },
    resolve: (_r, args, ctx) => accounts.setServiceAccountRoles(ctx.em, ctx, args.serviceAccountId.id, args.roleIds.map((r) => r.id)),
  }),
);

builder.mutationField('setServiceAccountStatus', (t) =>
  t.field({
    type: ServiceAccountRef,
    description: 'Disable (every key and access token stops on its next request) or enable.',
    errors: { types: MANAGE_ERRORS },
    authScopes: (_r, args, ctx) => accountScope(ctx, args.serviceAccountId.id),
    args: { serviceAccountId: t.arg.globalID({ required: true, for: [ServiceAccountRef] }), status: t.arg({ type: ServiceAccountStatusEnum, required: true }) },
    resolve: (_r, args, ctx) => accounts.setServiceAccountStatus(ctx.em, ctx, args.serviceAccountId.id, args.status),
  }),
);

builder.mutationField('deleteServiceAccount', (t) =>
  t.field({
    type: DeletedPayload,
    errors: { types: MANAGE_ERRORS },
    authScopes: (_r, args, ctx) => accountScope(ctx, args.serviceAccountId.id),
    args: { serviceAccountId: t.arg.globalID({ required: true, for: [ServiceAccountRef] }) },
    resolve: async (_r, args, ctx) => {
      const id = await accounts.deleteServiceAccount(ctx.em, ctx, args.serviceAccountId.id);
      return { deletedId: encodeGlobalID('ServiceAccount', id) };
    },
  }),
);

builder.mutationField('createServiceAccountKey', (t) =>
  t.field({
    type: CreatedServiceAccountKey,
    description: 'A new API key (several may be live, for rotation). The account’s roles must be within your own (R3).',
    errors: { types: [...MANAGE_ERRORS, LimitExceededError] },
    authScopes: (_r, { input }, ctx) => accountScope(ctx, input.serviceAccountId.id),
    args: { input: t.arg({ type: CreateServiceAccountKeyInput, required: true }) },
    resolve: (_r, { input }, ctx) => accounts.createServiceAccountKey(ctx.em, ctx, input.serviceAccountId.id, { name: input.name, expiresInDays: input.expiresInDays ?? null }),
  }),
);

builder.mutationField('rotateServiceAccountKey', (t) =>
  t.field({
    type: CreatedServiceAccountKey,
    description: 'Issues a replacement key; the old one keeps working for overlapHours (default 24, 0 stops it now).',
    errors: { types: [...MANAGE_ERRORS, LimitExceededError, ConflictError] },
    authScopes: (_r, args, ctx) => keyScope(ctx, args.keyId.id),
    args: { keyId: t.arg.globalID({ required: true, for: [ServiceAccountKeyRef] }), overlapHours: t.arg.int({ defaultValue: 24 }) },
    resolve: (_r, args, ctx) => accounts.rotateServiceAccountKey(ctx.em, ctx, args.keyId.id, args.overlapHours ?? 24),
  }),
);

builder.mutationField('revokeServiceAccountKey', (t) =>
  t.field({
    type: ServiceAccountKeyRef,
    description: 'Revokes a key at once (its next request fails).',
    errors: { types: [NotFoundError, PolicyError] },
    authScopes: (_r, args, ctx) => keyScope(ctx, args.keyId.id),
    args: { keyId: t.arg.globalID({ required: true, for: [ServiceAccountKeyRef] }) },
    resolve: (_r, args, ctx) => accounts.revokeServiceAccountKey(ctx.em, ctx, args.keyId.id),
  }),
);

builder.queryField('serviceAccounts', (t) =>
  t.field({
    type: [ServiceAccountRef],
    description: 'The organization’s service accounts, by name (service_accounts:manage).',
    authScopes: (_r, args) => ({ orgPermission: `${args.organizationId.id}:service_accounts:manage` }),
    args: { organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }) },
    resolve: (_r, args, ctx) => serviceAccountsOf(ctx.em, ctx, args.organizationId.id),
  }),
);

const CurrentServiceAccount = builder.objectRef<{ id: string; name: string; organizationId: string; permissions: string[] }>('CurrentServiceAccount').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    organizationId: t.exposeID('organizationId'),
    permissions: t.exposeStringList('permissions'),
  }),
});

builder.queryField('currentServiceAccount', (t) =>
  t.field({
    type: CurrentServiceAccount,
    nullable: true,
    description: 'For a service account calling with a key or access token: itself and its current permissions. Null otherwise.',
    resolve: (_r, _a, ctx) => ctx.serviceAccount && { id: encodeGlobalID('ServiceAccount', ctx.serviceAccount.id), name: ctx.serviceAccount.name, organizationId: encodeGlobalID('Organization', ctx.serviceAccount.orgId), permissions: [...ctx.serviceAccount.permissions].sort() },
  }),
);
