import { checkGrant } from '@gatehouse/permissions';
import { type Acting } from '../../acting.ts';
import type { Em } from '../../db/orm.ts';
import { builder, rowOf, rowsOf, ShapeCache } from '../../db/kysely.ts';
import { AuthError, PolicyError } from '../../errors.ts';
import { permissionsAfterLock } from '../memberships/membership.locks.ts';

const platformAdminFlag = new ShapeCache((_: object, v: { userId: string }) => builder.selectFrom('user').select('is_platform_admin').where('id', '=', v.userId));

/** The permissions of each role the account holds, by organization (an org without roles: one row, permissions null). */
const rolePermissionsByOrg = new ShapeCache((_: object, v: { userId: string }) =>
  builder
    .selectFrom('membership as m')
    .leftJoin('membership_role as mr', 'mr.membership_id', 'm.id')
    .leftJoin('role as r', 'r.id', 'mr.role_id')
    .select(['m.org_id', 'r.permissions'])
    .where('m.user_id', '=', v.userId),
);

/**
 * Changing a global account (password reset, email, names) touches every org it belongs to, so an
 * org admin may do it only when they administer all of them within their grant ceiling (R3).
 */
export async function assertCanAdministerUser(tx: Em, acting: Acting, userId: string): Promise<void> {
  const actor = acting.user;
  if (!actor) throw new AuthError('UNAUTHENTICATED', 'Sign in to continue');
  if (actor.isPlatformAdmin || actor.id === userId) return;
  const target = await rowOf(tx, platformAdminFlag.prepared({}, { userId }));
  if (target?.is_platform_admin) throw new PolicyError('Only platform admins can change a platform admin account', 'OUTSIDE_AUTHORITY');
  const rows = await rowsOf(tx, rolePermissionsByOrg.prepared({}, { userId }));
  const byOrg = new Map<string, string[][]>();
  for (const row of rows) byOrg.set(row.org_id, [...(byOrg.get(row.org_id) ?? []), ...(row.permissions ? [row.permissions] : [])]);
  for (const [orgId, rolePerms] of byOrg) {
    const perms = await permissionsAfterLock(tx, orgId, actor);
    if (perms.has('members:read') && !perms.has('members:update')) throw new AuthError('FORBIDDEN', 'You do not have permission to do this');
    const ok = perms.has('members:update') && rolePerms.every((permissions) => checkGrant(perms, { permissions }).ok);
    if (!ok) throw new PolicyError('This person belongs to an organization you do not administer, or holds a role above yours', 'OUTSIDE_AUTHORITY');
  }
}
