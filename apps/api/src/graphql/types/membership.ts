import { builder } from '../builder.ts';
import { Membership, MembershipStatus } from '../../modules/memberships/membership.entity.ts';
import { OrganizationRef } from './organization.ts';
import { UserRef } from './user.ts';
import { RoleRef } from './role.ts';
import { onlyUuids } from '../../ids.ts';

export const MembershipStatusEnum = builder.enumType('MembershipStatus', { values: MembershipStatus });

/** Visible to the member and to members:read holders in its org. */
export const MembershipRef = builder.loadableNodeRef<Membership, string>('Membership', {
  id: { resolve: (m) => m.id },
  load: async (ids: string[], ctx) => {
    const rows = await ctx.em.find(Membership, { id: onlyUuids(ids) });
    const readable = await ctx.orgIdsWith('members:read');
    return rows.filter((m) => readable === 'all' || readable.includes(m.organization.id) || m.user.id === ctx.user?.id);
  },
  sort: (m) => m.id,
});

MembershipRef.implement({
  isTypeOf: (value) => value instanceof Membership,
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
      resolve: (m, _a, ctx) => (m.addedById ? ctx.loaders.user.load(m.addedById) : null),
    }),
  }),
});
