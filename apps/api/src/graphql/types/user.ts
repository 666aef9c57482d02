import { builder } from '../builder.ts';
import { MembershipView, UserView } from '../views.ts';
import { Membership } from '../../modules/memberships/membership.entity.ts';
import { ownMemberships } from '../own-memberships.ts';
import type { Context } from '../../context.ts';
import { displayName, User, UserStatus } from '../../modules/users/user.entity.ts';
import { MembershipRef } from './membership.ts';
import { pendingEmailOf } from '../../modules/users/email.service.ts';
import { visibleMembershipsOf, visibleUsers } from '../../modules/visibility.ts';

export const UserStatusEnum = builder.enumType('UserStatus', { values: UserStatus });

/** A global account. Visible to itself, platform admins, and members:read holders of an org it belongs to (R1). */
export const UserRef = builder.loadableNodeRef<UserView | User, string>('User', {
  id: { resolve: (user) => user.id },
  load: (ids: string[], ctx) => visibleUsers(ctx, ids),
  sort: (user) => user.id,
});

UserRef.implement({
  isTypeOf: (value) => value instanceof User || value instanceof UserView,
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
    memberships: t.loadableList({
      type: MembershipRef,
      description: 'Memberships in organizations where you may read members (all of them for yourself and platform admins).',
      load: (userIds: string[], ctx) => membershipsOfUsers(ctx, userIds),
      resolve: (user) => user.id,
    }),
  }),
});

/**
 * Each user's memberships, oldest first, as far as the reader may see them (R1: an admin of org A
 * sees this person's membership in A, never that they also belong to B). The viewer's own come
 * from the principal statement; the others' in one statement.
 */
async function membershipsOfUsers(ctx: Context, userIds: readonly string[]): Promise<(MembershipView | Membership)[][]> {
  const own = ctx.principal?.grantRows ? ctx.user?.id : undefined;
  const others = userIds.filter((id) => id !== own);
  const found = others.length ? await ctx.em.find(Membership, { user: others }, { orderBy: { createdAt: 'asc' } }) : [];
  return Promise.all(
    userIds.map((id) => visibleMembershipsOf<MembershipView | Membership>(ctx, id, id === own ? ownMemberships(ctx) : found.filter((m) => m.user.id === id))),
  );
}
