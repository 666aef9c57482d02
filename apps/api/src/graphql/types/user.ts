import { builder } from '../builder.ts';
import { displayName, User, UserStatus } from '../../modules/users/user.entity.ts';
import { MembershipRef } from './membership.ts';
import { visibleUsers } from '../../modules/users/user.queries.ts';

export const UserStatusEnum = builder.enumType('UserStatus', { values: UserStatus });

/** A global account. Visible to itself, platform admins, and members:read holders of an org it belongs to (R1). */
export const UserRef = builder.loadableNodeRef<User, string>('User', {
  id: { resolve: (user) => user.id },
  load: (ids: string[], ctx) => visibleUsers(ctx, ids),
  sort: (user) => user.id,
});

UserRef.implement({
  isTypeOf: (value) => value instanceof User,
  fields: (t) => ({
    email: t.exposeString('email'),
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
      resolve: async (user, _args, ctx) => {
        const all = await ctx.loaders.membershipsOfUser.load(user.id);
        if (ctx.user?.id === user.id) return all;
        const readable = await ctx.orgIdsWith('members:read');
        return readable === 'all' ? all : all.filter((m) => readable.includes(m.organization.id));
      },
    }),
  }),
});
