import { builder } from '../builder.ts';
import { MembershipView, partOf, RoleView } from '../views.ts';
import { Membership, MembershipStatus } from '../../modules/memberships/membership.entity.ts';
import { OrganizationRef } from './organization.ts';
import { UserRef } from './user.ts';
import { RoleRef } from './role.ts';
import type { Role } from '../../modules/roles/role.entity.ts';
import type { Em } from '../../db/orm.ts';
import { visibleMemberships } from '../../modules/visibility.ts';
import { Organization } from '../../modules/organizations/organization.entity.ts';
import { User } from '../../modules/users/user.entity.ts';

export const MembershipStatusEnum = builder.enumType('MembershipStatus', { values: MembershipStatus });

/**
 * Visible to the member and to members:read holders in its org (R1, modules/visibility.ts). Its user
 * and organization are part of it; whoever else it names (addedBy) is checked on its own.
 */
export const MembershipRef = builder.loadableNodeRef<MembershipView | Membership, string>('Membership', {
  id: { resolve: (m) => m.id },
  load: (ids: string[], ctx) => visibleMemberships(ctx, ids),
  sort: (m) => m.id,
});

MembershipRef.implement({
  isTypeOf: (value) => value instanceof Membership || value instanceof MembershipView,
  fields: (t) => ({
    status: t.field({ type: MembershipStatusEnum, resolve: (m) => m.status }),
    createdAt: t.field({ type: 'DateTime', resolve: (m) => m.createdAt }),
    // Its organization and account are part of it (R1): what it carries, else the ORM's batched load.
    organization: t.field({ type: OrganizationRef, resolve: (m, _a, ctx) => partOf(ctx.em, Organization, m.organization) as Promise<Organization> }),
    user: t.field({ type: UserRef, resolve: (m, _a, ctx) => partOf(ctx.em, User, m.user) as Promise<User> }),
    roles: t.field({ type: [RoleRef], resolve: (m, _a, ctx) => rolesOf(ctx.em, m) }),
    addedBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'Who added the member; null when that account is gone or is no one you can see (R1).',
      // An id: the User type's loader answers it, null for anyone the reader cannot see.
      resolve: (m) => m.addedById ?? null,
    }),
  }),
});

/** A membership's roles in the preset's order: those its statement read, else its collection, loaded in batches by the ORM. */
async function rolesOf(em: Em, m: MembershipView | Membership): Promise<readonly (RoleView | Role)[]> {
  if (m instanceof MembershipView) {
    if (m.roles) return m.roles;
    return rolesOf(em, em.getReference(Membership, m.id));
  }
  const roles = await m.roles.load({ dataloader: true });
  return [...roles].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
}
