import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../builder.ts';
import { OrganizationRef } from '../types/organization.ts';
import { UserRef, UserStatusEnum } from '../types/user.ts';
import { User } from '../../modules/users/user.entity.ts';
import * as users from '../../modules/users/user.service.ts';
import { ConflictError, LastOwnerError, NotFoundError, PolicyError, ValidationError } from '../../errors.ts';
import type { Context } from '../../context.ts';

async function freshUser(ctx: Context, id: string): Promise<User> {
  ctx.afterWrite();
  return (await ctx.em.findOne(User, { id }))!;
}

export const DeletedPayload = builder.objectRef<{ deletedId: string }>('DeletedPayload').implement({
  isTypeOf: (v) => typeof v === 'object' && v !== null && 'deletedId' in v,
  fields: (t) => ({ deletedId: t.exposeID('deletedId', { description: 'The global id of what was deleted.' }) }),
});

const UpdateUserInput = builder.inputType('UpdateUserInput', {
  fields: (t) => ({
    userId: t.globalID({ required: true, for: [UserRef] }),
    email: t.string(),
    firstName: t.string(),
    lastName: t.string(),
  }),
});

builder.mutationField('updateUser', (t) =>
  t.field({
    type: UserRef,
    description: 'Basic info. By the user, a platform admin, or an admin of every organization the user belongs to.',
    errors: { types: [ValidationError, NotFoundError, ConflictError, PolicyError] },
    authScopes: { member: true },
    args: { input: t.arg({ type: UpdateUserInput, required: true }) },
    resolve: async (_r, { input }, ctx) =>
      freshUser(ctx, await users.updateUser(ctx, input.userId.id, { email: input.email, firstName: input.firstName, lastName: input.lastName })),
  }),
);

builder.mutationField('deleteUser', (t) =>
  t.field({
    type: DeletedPayload,
    description:
      'Erases the account from every organization (R9). Platform admins always; an org admin (members:remove) only when the user belongs to no other organization. Never the last owner (R5).',
    errors: { types: [NotFoundError, LastOwnerError, PolicyError] },
    authScopes: { member: true },
    args: {
      userId: t.arg.globalID({ required: true, for: [UserRef] }),
      organizationId: t.arg.globalID({ for: [OrganizationRef], description: 'The organization you act from (required unless platform admin).' }),
    },
    resolve: async (_r, args, ctx) => {
      const id = await users.deleteUser(ctx, args.userId.id, args.organizationId?.id ?? null);
      ctx.afterWrite();
      return { deletedId: encodeGlobalID('User', id) };
    },
  }),
);

builder.mutationField('setUserStatus', (t) =>
  t.field({
    type: UserRef,
    description: 'Platform admins disable (blocks everything, ends sessions) or enable an account (R10).',
    errors: { types: [NotFoundError, LastOwnerError, PolicyError] },
    authScopes: { platformAdmin: true },
    args: {
      userId: t.arg.globalID({ required: true, for: [UserRef] }),
      status: t.arg({ type: UserStatusEnum, required: true }),
    },
    resolve: async (_r, args, ctx) => freshUser(ctx, await users.setUserStatus(ctx, args.userId.id, args.status)),
  }),
);
