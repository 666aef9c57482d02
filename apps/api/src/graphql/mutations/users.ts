import { clearAllDataLoaders } from '@pothos/plugin-dataloader';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../builder.ts';
import { OrganizationRef } from '../types/organization.ts';
import { UserRef, UserStatusEnum } from '../types/user.ts';
import { User } from '../../modules/users/user.entity.ts';
import * as users from '../../modules/users/user.service.ts';
import { AuthError, ConflictError, InvalidEmailTokenError, LastOwnerError, NotFoundError, PolicyError, TooManyAttemptsError, ValidationError } from '../../errors.ts';
import * as emails from '../../modules/users/email.service.ts';
import type { Context } from '../../context.ts';
import { personOf } from '../../acting.ts';

/**
 * The account as the service's unit of work wrote it: the entity the identity map now holds, so
 * nothing is cleared or read again. The loader's copy from before the write goes, and the actor's
 * memberships when the account is their own.
 */
function writtenUser(ctx: Context, user: User): User {
  if (user.id === ctx.user?.id) ctx.forgetMemberships();
  // The per-request caches of the Pothos loaders too; the identity map stays.
  clearAllDataLoaders(ctx);
  return user;
}

export const DeletedPayload = builder.objectRef<{ deletedId: string }>('DeletedPayload').implement({
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
    description:
      'Basic info. By the user, a platform admin, or an admin of every organization the user belongs to. A new email takes effect only once ' +
      'its holder follows the confirmation link sent to it (R20; see pendingEmail); your own email changes through requestEmailChange.',
    errors: { types: [ValidationError, NotFoundError, ConflictError, PolicyError] },
    authScopes: { member: true },
    args: { input: t.arg({ type: UpdateUserInput, required: true }) },
    resolve: async (_r, { input }, ctx) =>
      writtenUser(ctx, await users.updateUser(ctx.em, ctx, input.userId.id, { email: input.email, firstName: input.firstName, lastName: input.lastName })),
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
      const id = await users.deleteUser(ctx.em, ctx, args.userId.id, args.organizationId?.id ?? null);
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
    resolve: async (_r, args, ctx) => writtenUser(ctx, await users.setUserStatus(ctx.em, ctx, args.userId.id, args.status)),
  }),
);

builder.mutationField('requestEmailChange', (t) =>
  t.field({
    type: UserRef,
    description:
      'R20: change your own email. Needs your current password; a confirmation link goes to the new address and your current ' +
      'address is told. Nothing changes until the link is followed (see pendingEmail).',
    errors: { types: [ValidationError, ConflictError, TooManyAttemptsError] },
    authScopes: { member: true },
    args: {
      currentPassword: t.arg.string({ required: true }),
      newEmail: t.arg.string({ required: true }),
    },
    resolve: async (_r, args, ctx) => {
      return writtenUser(ctx, await emails.requestEmailChange(ctx.app, ctx.em, ctx.actor, personOf(ctx).id, args.currentPassword, args.newEmail));
    },
  }),
);

builder.mutationField('requestEmailVerification', (t) =>
  t.field({
    type: UserRef,
    description: 'R20: sends a link that proves your current address (accounts created by an administrator start unproven).',
    authScopes: { member: true },
    resolve: async (_r, _args, ctx) => {
      return writtenUser(ctx, await emails.requestEmailVerification(ctx.app, ctx.em, ctx.actor, personOf(ctx).id));
    },
  }),
);

builder.mutationField('confirmEmail', (t) =>
  t.field({
    type: UserRef,
    description: 'R20: follows an email confirmation link (public: the token is the proof). Verifies the address, or completes a change.',
    errors: { types: [ValidationError, InvalidEmailTokenError, ConflictError] },
    args: { token: t.arg.string({ required: true }) },
    resolve: async (_r, args, ctx) => {
      // A signed-in account with a pending forced password change may not change anything else (R7).
      if (ctx.user?.mustChangePassword) throw new AuthError('PASSWORD_CHANGE_REQUIRED', 'Change your temporary password to continue');
      const user = await emails.confirmEmail(ctx.app, ctx.em, ctx.actor, args.token);
      ctx.afterWrite();
      return user;
    },
  }),
);
