import { builder } from '../builder.ts';
import { isView, type UserView } from '../views.ts';
import { displayName, User, UserStatus } from '../../modules/users/user.entity.ts';
import { MembershipRef } from './membership.ts';
import { pendingEmailOf } from '../../modules/users/email.service.ts';
import { visibleMembershipsOf, visibleUsers } from '../../modules/visibility.ts';

export const UserStatusEnum = builder.enumType('UserStatus', { values: UserStatus });

/** A global account. Visible to itself, platform admins, and members:read holders of an org it belongs to (R1). */
export const UserRef = builder.loadableNodeRef<UserView, string>('User', {
  id: { resolve: (user) => user.id },
  load: (ids: string[], ctx) => visibleUsers(ctx, ids),
  sort: (user) => user.id,
});

UserRef.implement({
  isTypeOf: (value) => value instanceof User || isView(value, 'User'),
  fields: (t) => ({
    email: t.exposeString('email'),
    emailVerified: t.boolean({
      description: 'R20: the holder proved this address (invitation or confirmation link). Only proven addresses are ever matched.',
      resolve: (u) => u.emailVerifiedAt != null,
    }),
    pendingEmail: t.string({
      nullable: true,
      description: 'An address waiting for confirmation from its holder (R20); shown to the account holder and platform admins only.',
      resolve: (u, _args, ctx) => (ctx.user && (ctx.user.id === u.id || ctx.user.isPlatformAdmin) ? pendingEmailOf(ctx.em, u.id) : null),
    }),
    firstName: t.exposeString('firstName'),
    lastName: t.exposeString('lastName'),
    displayName: t.string({ resolve: (u) => displayName(u) }),
    authProvider: t.exposeString('authProvider'),
    status: t.field({ type: UserStatusEnum, resolve: (u) => u.status }),
    isPlatformAdmin: t.exposeBoolean('isPlatformAdmin'),
    mustChangePassword: t.exposeBoolean('mustChangePassword'),
    createdAt: t.field({ type: 'DateTime', resolve: (u) => u.createdAt }),
    lastLoginAt: t.field({ type: 'DateTime', nullable: true, resolve: (u) => u.lastLoginAt ?? null }),
    memberships: t.field({
      type: [MembershipRef],
      description: 'Memberships in organizations where you may read members (all of them for yourself and platform admins).',
      // R1: an admin of org A sees this person's membership in A, never that they also belong to B.
      resolve: async (user, _args, ctx) => visibleMembershipsOf(ctx, user.id, await ctx.loaders.membershipsOfUser.load(user.id)),
    }),
  }),
});
