import type { Em } from '../../db/orm.ts';
import { jsonColumn, row, statement } from '../../db/sql.ts';
import { Membership } from './membership.entity.ts';
import { MembershipView, OrganizationView, RoleView, UserView, roleViewJson, userViewJson } from '../../graphql/views.ts';
import { ACTOR_ROLES_IN_ORG_OF_M, actorPermissions, UUID, type MembershipRow, type RoleRow, type RuleActor } from './membership.locks.ts';
import { serviceAccountPermissionsAfterLock } from '../service-accounts/service-account.principal.ts';

/**
 * setMemberRoles' reads and write, the hot path of issue 10. The same two statements under the same
 * locks as lockMembershipOf (R5, R22), but what they read becomes plain views (graphql/views.ts), not
 * entities: the answer is only rendered, and hydrating the organization, the account, the membership
 * and its roles as entities cost more than the statements themselves. The write goes through the
 * unit of work with the membership and its role links only (membershipForWrite).
 */

/** R5: the membership's organization, locked; its columns as the organization view shows them. */
const lockOrgOfMembership = statement(
  'lock_org_view_of_membership',
  `select o.id, o.slug, o.name, o.status, o.created_at from organization o
    where o.id = (select m.org_id from membership m where m.id = $1) for update of o`,
);

/**
 * Read after the org lock, the membership row locked too (an account deletion cascades to it without
 * the org lock): the membership, its account, its roles in the preset's order, the roles of the org
 * with the ids in $3 (the new set; roles change only under the org lock) and the actor's role
 * permissions in the org.
 */
const membershipUnderLock = statement(
  'membership_view_under_lock',
  `select m.id, m.org_id, m.user_id, m.status, m.added_by_id, m.created_at, u.email, u.status as user_status, ${userViewJson('u')} as user_row,
          coalesce((select json_agg(${roleViewJson('r')} order by r.position, r.name)
                      from membership_role mr join role r on r.id = mr.role_id where mr.membership_id = m.id), '[]') as roles,
          coalesce((select json_agg(${roleViewJson('r')}) from role r where r.org_id = m.org_id and r.id = any($3::uuid[])), '[]') as requested_roles,
          ${ACTOR_ROLES_IN_ORG_OF_M} as actor_roles
     from membership m join "user" u on u.id = m.user_id where m.id = $1
      for no key update of m`,
);

type RoleColumns = RoleRow & { org_id: string; description: string; position: number };

export interface MembershipForRoleChange {
  membership: MembershipColumns;
  /** Its roles, in the preset's order. */
  roles: RoleColumns[];
  /** The roles asked for that are roles of its org (see pickRoles). */
  requestedRoles: RoleColumns[];
  actorPerms: ReadonlySet<string>;
  /** The membership as read under the lock, with the given roles: the mutation's answer. */
  withRoles(roles: readonly RoleColumns[]): MembershipView;
}

export type MembershipColumns = MembershipRow & { added_by_id: string | null; created_at: Date | string };

/**
 * Locks the organization of a membership, then reads the membership with its roles and the actor's
 * permissions there (two statements, the second seeing every change committed before the lock).
 */
export async function lockMembershipForRoleChange(
  tx: Em,
  membershipId: string,
  user: RuleActor,
  requestedRoleIds: readonly string[],
): Promise<MembershipForRoleChange | undefined> {
  const org = await row<Record<string, unknown> & { id: string }>(tx, lockOrgOfMembership, [membershipId]);
  if (!org) return undefined;
  const found = await row<MembershipColumns & { user_row: object | string; roles: RoleColumns[] | string; requested_roles: RoleColumns[] | string; actor_roles: { permissions: string[] }[] | string }>(
    tx,
    membershipUnderLock,
    [membershipId, user.id, requestedRoleIds.filter((id) => UUID.test(id))],
  );
  if (!found) return undefined;
  const { user_row, roles, requested_roles, actor_roles, ...membership } = found;
  const account = new UserView(jsonColumn<object>(user_row));
  const organization = new OrganizationView(org);
  return {
    membership,
    roles: jsonColumn(roles),
    requestedRoles: jsonColumn(requested_roles),
    actorPerms: (await serviceAccountPermissionsAfterLock(tx, org.id, user)) ?? actorPermissions(jsonColumn(actor_roles), org.id, user),
    withRoles: (next) => new MembershipView(membership, { organization, user: account, roles: inPresetOrder(next).map((r) => new RoleView(r)) }),
  };
}

/** The order the roles of a membership are shown in (as rolesOf in graphql/types/membership.ts). */
function inPresetOrder(roles: readonly RoleColumns[]): RoleColumns[] {
  return [...roles].sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
}

/**
 * The membership as read under the lock, in the unit of work with its current role links as
 * references: enough for the flush to write the difference of a new role set, without hydrating the
 * organization, the account or the roles (the answer is the view of withRoles).
 */
export function membershipForWrite(tx: Em, membership: MembershipColumns, current: readonly RoleRow[]): Membership {
  return tx.map(Membership, {
    id: membership.id,
    org_id: membership.org_id,
    user_id: membership.user_id,
    status: membership.status,
    added_by_id: membership.added_by_id,
    created_at: membership.created_at,
    roles: current.map((r) => r.id),
  });
}
