import DataLoader from 'dataloader';
import { placeholders } from '../ids.ts';
import type { Em } from '../db/orm.ts';
import { User } from '../modules/users/user.entity.ts';
import { Organization } from '../modules/organizations/organization.entity.ts';
import { Role } from '../modules/roles/role.entity.ts';
import { Membership } from '../modules/memberships/membership.entity.ts';

/** Batch loaders for relations: one query per relation per request, whatever the page size. */
export function createLoaders(em: Em) {
  const byId = <T extends { id: string }>(rows: T[], ids: readonly string[]) => {
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  };
  return {
    user: new DataLoader<string, User | null>(async (ids) => byId(await em.find(User, { id: [...ids] }), ids)),
    organization: new DataLoader<string, Organization | null>(async (ids) =>
      byId(await em.find(Organization, { id: [...ids] }), ids),
    ),
    role: new DataLoader<string, Role | null>(async (ids) => byId(await em.find(Role, { id: [...ids] }), ids)),
    membership: new DataLoader<string, Membership | null>(async (ids) =>
      byId(await em.find(Membership, { id: [...ids] }), ids),
    ),
    /** Roles of each membership, ordered as the preset lists them. */
    rolesOfMembership: new DataLoader<string, Role[]>(async (membershipIds) => {
      const rows = await em.execute<{ membership_id: string; role_id: string }[]>(
        `select mr.membership_id, mr.role_id from membership_role mr where mr.membership_id in (${placeholders(membershipIds)})`,
        [...membershipIds],
      );
      const roles = rows.length ? await em.find(Role, { id: [...new Set(rows.map((r) => r.role_id))] }, { orderBy: { position: 'asc', name: 'asc' } }) : [];
      const roleById = new Map(roles.map((r) => [r.id, r]));
      return membershipIds.map((id) =>
        rows
          .filter((r) => r.membership_id === id)
          .map((r) => roleById.get(r.role_id)!)
          .sort((a, b) => a.position - b.position || a.name.localeCompare(b.name)),
      );
    }),
    /** Memberships of each user. */
    membershipsOfUser: new DataLoader<string, Membership[]>(async (userIds) => {
      const rows = await em.find(Membership, { user: [...userIds] }, { orderBy: { createdAt: 'asc' } });
      return userIds.map((id) => rows.filter((m) => m.user.id === id));
    }),
    /** How many members hold each role. */
    memberCountOfRole: new DataLoader<string, number>(async (roleIds) => {
      const rows = await em.execute<{ role_id: string; n: number }[]>(
        `select role_id, count(*)::int as n from membership_role where role_id in (${placeholders(roleIds)}) group by role_id`,
        [...roleIds],
      );
      const counts = new Map(rows.map((r) => [r.role_id, Number(r.n)]));
      return roleIds.map((id) => counts.get(id) ?? 0);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
