import { builder } from '../builder.ts';
import { isView, type MembershipView } from '../views.ts';
import { Membership, MembershipStatus } from '../../modules/memberships/membership.entity.ts';
import { OrganizationRef } from './organization.ts';
import { UserRef } from './user.ts';
import { RoleRef } from './role.ts';
import { sight, visibleMemberships } from '../../modules/visibility.ts';

export const MembershipStatusEnum = builder.enumType('MembershipStatus', { values: MembershipStatus });

/**
 * Visible to the member and to members:read holders in its org (R1, modules/visibility.ts). Its user
 * and organization are part of it; whoever else it names (addedBy) is checked on its own.
 */
export const MembershipRef = builder.loadableNodeRef<MembershipView, string>('Membership', {
  id: { resolve: (m) => m.id },
  load: (ids: string[], ctx) => visibleMemberships(ctx, ids),
  sort: (m) => m.id,
});

MembershipRef.implement({
  isTypeOf: (value) => value instanceof Membership || isView(value, 'Membership'),
  fields: (t) => ({
    status: t.field({ type: MembershipStatusEnum, resolve: (m) => m.status }),
    createdAt: t.field({ type: 'DateTime', resolve: (m) => m.createdAt }),
    organization: t.field({
      type: OrganizationRef,
      resolve: async (m, _a, ctx) => (await ctx.loaders.organization.load(m.organization.id))!,
    }),
    user: t.field({ type: UserRef, resolve: async (m, _a, ctx) => (await ctx.loaders.user.load(m.user.id))! }),
    roles: t.field({ type: [RoleRef], resolve: (m, _a, ctx) => ctx.loaders.rolesOfMembership.load(m.id) }),
    addedBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who added the member; null when that account is gone or is no one you can see (R1).',
      resolve: (m, _a, ctx) => (m.addedById ? sight(ctx).user.load(m.addedById) : null),
    }),
  }),
});
