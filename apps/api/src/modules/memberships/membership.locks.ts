import { effectivePermissions, isOwnerRole, PERMISSION_KEYS } from '@gatehouse/permissions';
import type { Em } from '../../db/orm.ts';
import { NotFoundError } from '../../errors.ts';
import { placeholders } from '../../ids.ts';

/**
 * Reads that rule checks depend on. They run as SQL inside the service's transaction after the org
 * row is locked, so they see the latest committed state (never a cached entity).
 */

export interface LockedOrg {
  id: string;
  slug: string;
  name: string;
  status: 'ACTIVE' | 'DISABLED';
}

export interface RoleRow {
  id: string;
  key: string;
  name: string;
  permissions: string[];
  builtin: boolean;
}

export interface MembershipRow {
  id: string;
  org_id: string;
  user_id: string;
  status: 'ACTIVE' | 'DISABLED';
  email: string;
  user_status: 'ACTIVE' | 'DISABLED';
}

/** R5: serializes every change that could affect an org's owners. */
export async function lockOrganization(tx: Em, orgId: string): Promise<LockedOrg> {
  const rows = await tx.execute<LockedOrg[]>(`select id, slug, name, status from organization where id = ? for update`, [orgId]);
  if (!rows[0]) throw new NotFoundError('Organization');
  return rows[0];
}

export async function findMembership(tx: Em, membershipId: string): Promise<MembershipRow | undefined> {
  const rows = await tx.execute<MembershipRow[]>(
    `select m.id, m.org_id, m.user_id, m.status, u.email, u.status as user_status
       from membership m join "user" u on u.id = m.user_id where m.id = ?`,
    [membershipId],
  );
  return rows[0];
}

export async function findMembershipOf(tx: Em, orgId: string, userId: string): Promise<MembershipRow | undefined> {
  const rows = await tx.execute<MembershipRow[]>(
    `select m.id, m.org_id, m.user_id, m.status, u.email, u.status as user_status
       from membership m join "user" u on u.id = m.user_id where m.org_id = ? and m.user_id = ?`,
    [orgId, userId],
  );
  return rows[0];
}

export async function rolesOfMembership(tx: Em, membershipId: string): Promise<RoleRow[]> {
  return tx.execute<RoleRow[]>(
    `select r.id, r.key, r.name, r.permissions, r.builtin from membership_role mr join role r on r.id = mr.role_id
      where mr.membership_id = ? order by r.position, r.name`,
    [membershipId],
  );
}

/** Roles of the org with the given ids; ids that are not roles of this org are reported by index. */
export async function rolesInOrg(tx: Em, orgId: string, roleIds: readonly string[]): Promise<{ roles: RoleRow[]; unknown: number[] }> {
  const valid = roleIds.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  const rows = valid.length
    ? await tx.execute<RoleRow[]>(
        `select id, key, name, permissions, builtin from role where org_id = ? and id in (${placeholders(valid)})`,
        [orgId, ...valid],
      )
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const unknown = roleIds.flatMap((id, i) => (byId.has(id) ? [] : [i]));
  return { roles: [...new Set(roleIds)].flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])), unknown };
}

/** The actor's permissions in the org, read after the lock (platform admins hold every permission). */
export async function permissionsAfterLock(tx: Em, orgId: string, user: { id: string; isPlatformAdmin: boolean }): Promise<ReadonlySet<string>> {
  if (user.isPlatformAdmin) return new Set(PERMISSION_KEYS);
  const rows = await tx.execute<{ permissions: string[] }[]>(
    `select r.permissions from membership m
       join organization o on o.id = m.org_id
       join membership_role mr on mr.membership_id = m.id
       join role r on r.id = mr.role_id
      where m.org_id = ? and m.user_id = ? and m.status = 'ACTIVE' and o.status = 'ACTIVE'`,
    [orgId, user.id],
  );
  return effectivePermissions(rows);
}

/** Active memberships of active users that hold org:own through any role (R5). */
export async function activeOwnerMembershipIds(tx: Em, orgId: string): Promise<string[]> {
  const rows = await tx.execute<{ id: string; permissions: string[] }[]>(
    `select m.id, r.permissions from membership m
       join "user" u on u.id = m.user_id
       join membership_role mr on mr.membership_id = m.id
       join role r on r.id = mr.role_id
      where m.org_id = ? and m.status = 'ACTIVE' and u.status = 'ACTIVE'
        and ('org:own' = any(r.permissions) or 'org:*' = any(r.permissions) or '*' = any(r.permissions))`,
    [orgId],
  );
  return [...new Set(rows.filter((r) => isOwnerRole(r)).map((r) => r.id))];
}

export async function replaceMembershipRoles(tx: Em, membershipId: string, roleIds: readonly string[]): Promise<void> {
  await tx.execute(`delete from membership_role where membership_id = ?`, [membershipId]);
  if (roleIds.length) {
    await tx.execute(
      `insert into membership_role (membership_id, role_id) values ${roleIds.map(() => '(?, ?)').join(', ')}`,
      roleIds.flatMap((id) => [membershipId, id]),
    );
  }
}

export async function insertMembership(
  tx: Em,
  input: { orgId: string; userId: string; roleIds: readonly string[]; addedById: string | null },
): Promise<string> {
  const id = crypto.randomUUID();
  await tx.execute(`insert into membership (id, org_id, user_id, status, added_by_id) values (?, ?, ?, 'ACTIVE', ?)`, [
    id,
    input.orgId,
    input.userId,
    input.addedById,
  ]);
  await replaceMembershipRoles(tx, id, input.roleIds);
  return id;
}
