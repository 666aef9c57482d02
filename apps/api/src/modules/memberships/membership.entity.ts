import { defineEntity, p } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity.ts';
import { User } from '../users/user.entity.ts';
import { Role } from '../roles/role.entity.ts';

export const MembershipStatus = ['ACTIVE', 'DISABLED'] as const;
export type MembershipStatus = (typeof MembershipStatus)[number];

export const MembershipSchema = defineEntity({
  name: 'Membership',
  tableName: 'membership',
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).fieldName('org_id'),
    user: () => p.manyToOne(User).fieldName('user_id'),
    status: p.string().$type<MembershipStatus>().default('ACTIVE'),
    /** Role links cascade from the membership; edits replace the whole set. */
    roles: () =>
      p.manyToMany(Role).pivotTable('membership_role').joinColumn('membership_id').inverseJoinColumn('role_id'),
    addedById: p.uuid().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    /**
     * The members list's sort keys, copied from the user by the database itself (triggers of
     * migration 20261124054000_membership_sort_keys): lower(first_name || ' ' || last_name || ' ' ||
     * email), and email. Whatever the ORM writes here is replaced by the trigger; never read from
     * the entity (lazy), only by membership.queries.ts.
     */
    sortName: p.text().default('').lazy(),
    sortEmail: p.text().default('').lazy(),
  },
});

export class Membership extends MembershipSchema.class {}
MembershipSchema.setClass(Membership);
