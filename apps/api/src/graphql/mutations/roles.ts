import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../builder.ts';
import { OrganizationRef } from '../types/organization.ts';
import { RoleRef } from '../types/role.ts';
import { DeletedPayload } from './users.ts';
import { Role } from '../../modules/roles/role.entity.ts';
import * as roles from '../../modules/roles/role.service.ts';
import { GrantCeilingError, LimitExceededError, NotFoundError, PolicyError, RoleInUseError, ValidationError } from '../../errors.ts';
import type { Context } from '../../context.ts';
import { isUuid } from '../../ids.ts';
import { ErrorInterface } from '../types/errors.ts';

builder.objectType(RoleInUseError, {
  name: 'RoleInUseError',
  description: 'Members hold this role (R12); delete with force: true to take it from them.',
  interfaces: [ErrorInterface] as never,
  isTypeOf: (v) => v instanceof RoleInUseError,
  fields: (t) => ({ memberCount: t.exposeInt('memberCount') }),
});

/** The role as the service's unit of work wrote it (the identity map's entity): nothing cleared or read again. */
function writtenRole(ctx: Context, role: Role): Role {
  // Role permissions feed the actor's grants: read them again when next asked.
  ctx.forgetMemberships();
  // The per-request caches of the Pothos loaders too; the identity map stays.
  clearAllDataLoaders(ctx);
  return role;
}

async function roleScope(ctx: Context, roleId: string) {
  const role = isUuid(roleId) ? await ctx.em.findOne(Role, roleId) : null;
  return { orgPermission: `${role?.organization.id ?? 'none'}:roles:manage` };
}

const CreateRoleInput = builder.inputType('CreateRoleInput', {
  fields: (t) => ({
    organizationId: t.globalID({ required: true, for: [OrganizationRef] }),
    name: t.string({ required: true }),
    description: t.string(),
    permissions: t.stringList({ required: true, description: 'Keys from permissionCatalog; never org:own.' }),
  }),
});

const UpdateRoleInput = builder.inputType('UpdateRoleInput', {
  fields: (t) => ({
    roleId: t.globalID({ required: true, for: [RoleRef] }),
    name: t.string(),
    description: t.string(),
    permissions: t.stringList(),
  }),
});

builder.mutationField('createRole', (t) =>
  t.field({
    type: RoleRef,
    description: 'A custom role (R12): unique name, catalog permissions within your own, at most the preset limit.',
    errors: { types: [ValidationError, LimitExceededError, GrantCeilingError, NotFoundError] },
    authScopes: (_r, { input }) => ({ orgPermission: `${input.organizationId.id}:roles:manage` }),
    args: { input: t.arg({ type: CreateRoleInput, required: true }) },
    resolve: async (_r, { input }, ctx) =>
      writtenRole(ctx, await roles.createRole(ctx.em, ctx, input.organizationId.id, { name: input.name, description: input.description ?? '', permissions: input.permissions })),
  }),
);

builder.mutationField('updateRole', (t) =>
  t.field({
    type: RoleRef,
    errors: { types: [ValidationError, LimitExceededError, GrantCeilingError, NotFoundError, PolicyError] },
    authScopes: (_r, { input }, ctx) => roleScope(ctx, input.roleId.id),
    args: { input: t.arg({ type: UpdateRoleInput, required: true }) },
    resolve: async (_r, { input }, ctx) =>
      writtenRole(ctx, await roles.updateRole(ctx.em, ctx, input.roleId.id, { name: input.name, description: input.description, permissions: input.permissions })),
  }),
);

builder.mutationField('deleteRole', (t) =>
  t.field({
    type: DeletedPayload,
    description: 'Deletes a custom role. When members hold it, answers RoleInUseError with the count unless force is true.',
    errors: { types: [RoleInUseError, GrantCeilingError, NotFoundError, PolicyError] },
    authScopes: (_r, args, ctx) => roleScope(ctx, args.roleId.id),
    args: { roleId: t.arg.globalID({ required: true, for: [RoleRef] }), force: t.arg.boolean({ defaultValue: false }) },
    resolve: async (_r, args, ctx) => {
      const id = await roles.deleteRole(ctx.em, ctx, args.roleId.id, args.force ?? false);
      ctx.afterWrite();
      return { deletedId: encodeGlobalID('Role', id) };
    },
  }),
);
