import { isUuid } from '../../ids.ts';
import { User } from '../../modules/users/user.entity.ts';
import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../builder.ts';
import { OrganizationRef, OrganizationStatusEnum } from '../types/organization.ts';
import { UserRef } from '../types/user.ts';
import { DeletedPayload } from './users.ts';
import { Organization } from '../../modules/organizations/organization.entity.ts';
import * as orgs from '../../modules/organizations/organization.service.ts';
import { createOrganizationAsViewer, mayCreateOrganization } from '../../modules/organizations/organization.creation.ts';
import { ConflictError, LimitExceededError, NotFoundError, ValidationError } from '../../errors.ts';
import type { Context } from '../../context.ts';

/**
 * The organization as the service's unit of work wrote it: the entity the identity map now holds, so
 * nothing is cleared or read again. What the request cached before the write goes: the loader's copy
 * and the actor's memberships, which carry organization rows (and, after a creation, a new membership).
 */
function writtenOrg(ctx: Context, org: Organization): Organization {
  ctx.forgetMemberships();
  // The per-request caches of the Pothos loaders too; the identity map stays.
  clearAllDataLoaders(ctx);
  return org;
}

const CreateOrganizationInput = builder.inputType('CreateOrganizationInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    slug: t.string({ description: 'Defaults to one made from the name.' }),
    ownerUserId: t.globalID({ for: [UserRef], description: 'Gets the top role of the preset.' }),
  }),
});

builder.mutationField('createOrganization', (t) =>
  t.field({
    type: OrganizationRef,
    description:
      'Creates an organization with the built-in roles of the active preset (R15). Who may: configuration ORGANIZATION_CREATION ' +
      '(platform admins only by default; any signed-in account; or holders of a named permission, e.g. Spaces admins). ' +
      'The creator gets the top role; only platform admins name another owner. Audited. Who is not a platform admin may own at most ' +
      'ORGANIZATION_CREATION_LIMIT organizations (default 10): beyond, LimitExceededError.',
    errors: { types: [ValidationError, ConflictError, NotFoundError, LimitExceededError] },
    authScopes: { member: true },
    args: { input: t.arg({ type: CreateOrganizationInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      if (ctx.user?.isPlatformAdmin && input.ownerUserId && !(isUuid(input.ownerUserId.id) && (await ctx.em.findOne(User, input.ownerUserId.id)))) {
        throw new NotFoundError('User');
      }
      return writtenOrg(ctx, await createOrganizationAsViewer(ctx.em, ctx, { name: input.name, slug: input.slug, ownerUserId: input.ownerUserId?.id ?? null }));
    },
  }),
);

const UpdateOrganizationInput = builder.inputType('UpdateOrganizationInput', {
  fields: (t) => ({
    organizationId: t.globalID({ required: true, for: [OrganizationRef] }),
    name: t.string(),
    slug: t.string(),
  }),
});

builder.mutationField('updateOrganization', (t) =>
  t.field({
    type: OrganizationRef,
    errors: { types: [ValidationError, ConflictError, NotFoundError] },
    authScopes: (_r, { input }) => ({ orgPermission: `${input.organizationId.id}:org:update` }),
    args: { input: t.arg({ type: UpdateOrganizationInput, required: true }) },
    resolve: async (_r, { input }, ctx) =>
      writtenOrg(ctx, await orgs.updateOrganization(ctx.em, ctx, input.organizationId.id, { name: input.name, slug: input.slug })),
  }),
);

builder.mutationField('setOrganizationStatus', (t) =>
  t.field({
    type: OrganizationRef,
    description: 'Platform admins enable or disable an organization (R10); members of a disabled one are blocked.',
    errors: { types: [NotFoundError] },
    authScopes: { platformAdmin: true },
    args: {
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      status: t.arg({ type: OrganizationStatusEnum, required: true }),
    },
    resolve: async (_r, args, ctx) => writtenOrg(ctx, await orgs.setOrganizationStatus(ctx.em, ctx, args.organizationId.id, args.status)),
  }),
);

builder.mutationField('deleteOrganization', (t) =>
  t.field({
    type: DeletedPayload,
    description: 'Deletes the organization, its memberships and roles (org:delete). Accounts stay.',
    errors: { types: [ValidationError, NotFoundError] },
    authScopes: (_r, args) => ({ orgPermission: `${args.organizationId.id}:org:delete` }),
    args: {
      organizationId: t.arg.globalID({ required: true, for: [OrganizationRef] }),
      confirmSlug: t.arg.string({ required: true, description: "The organization's slug, typed to confirm." }),
    },
    resolve: async (_r, args, ctx) => {
      const id = await orgs.deleteOrganization(ctx.em, ctx, args.organizationId.id, args.confirmSlug);
      ctx.afterWrite();
      return { deletedId: encodeGlobalID('Organization', id) };
    },
  }),
);

builder.queryField('viewerCanCreateOrganization', (t) =>
  t.boolean({
    description: 'Whether you may create an organization under the configured ORGANIZATION_CREATION policy (false when signed out).',
    resolve: (_r, _a, ctx) => mayCreateOrganization(ctx),
  }),
);
