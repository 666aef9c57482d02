import DataLoader from 'dataloader';
import { membershipView, organizationView, roleView, type MembershipView, type OrganizationView, type RoleView, type UserView } from './views.ts';
import { placeholders } from '../ids.ts';
import { row as sqlRow, statement } from '../db/sql.ts';
import type { Em } from '../db/orm.ts';
import { User } from '../modules/users/user.entity.ts';
import { Organization } from '../modules/organizations/organization.entity.ts';
import { Role } from '../modules/roles/role.entity.ts';
import { Membership } from '../modules/memberships/membership.entity.ts';

/** The signed-in user's memberships as the principal statement already read them (context.ts). */
export interface PreloadedMemberships {
  userId: string;
  rows: readonly { membership_row: Record<string, unknown>; org_row: Record<string, unknown>; roles: Record<string, unknown>[] | null }[];
}

const ORGANIZATION_BY_SLUG = statement('organization_by_slug', `select id, slug, name, status, created_at from organization where slug = $1`);

/** Batch loaders for relations: one query per relation per request, whatever the page size. */
export function createLoaders(em: Em, preloaded?: PreloadedMemberships) {
  const byId = <T extends { id: string }>(rows: readonly T[], ids: readonly string[]) => {
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  };
  const loaders = {
    user: new DataLoader<string, UserView | User | null>(async (ids) => byId(await em.find(User, { id: [...ids] }), ids)),
    organization: new DataLoader<string, OrganizationView | Organization | null>(async (ids) =>
      byId(await em.find(Organization, { id: [...ids] }), ids),
    ),
    role: new DataLoader<string, RoleView | Role | null>(async (ids) => byId(await em.find(Role, { id: [...ids] }), ids)),
    membership: new DataLoader<string, MembershipView | Membership | null>(async (ids) =>
      byId(await em.find(Membership, { id: [...ids] }), ids),
    ),
    /** Roles of each membership, ordered as the preset lists them. */
    rolesOfMembership: new DataLoader<string, (RoleView | Role)[]>(async (membershipIds) => {
      // One statement: the links and the roles they point to, in the preset's order.
      const rows = await em.execute<({ membership_id: string } & Record<string, unknown>)[]>(
        `select mr.membership_id, r.* from membership_role mr join role r on r.id = mr.role_id
          where mr.membership_id in (${placeholders(membershipIds)}) order by r.position, r.name`,
        [...membershipIds],
      );
      const byMembership = new Map<string, Role[]>();
      for (const { membership_id, ...row } of rows) {
        const list = byMembership.get(membership_id) ?? [];
        list.push(em.map(Role, row));
        byMembership.set(membership_id, list);
      }
      return membershipIds.map((id) => byMembership.get(id) ?? []);
    }),
    /** Memberships of each user. */
    membershipsOfUser: new DataLoader<string, (MembershipView | Membership)[]>(async (userIds) => {
      const others = userIds.filter((id) => id !== preloaded?.userId);
      const rows = others.length ? await em.find(Membership, { user: [...others] }, { orderBy: { createdAt: 'asc' } }) : [];
      return userIds.map((id) => (id === preloaded?.userId ? ownMemberships(preloaded) : rows.filter((m) => m.user.id === id)));
    }),
    /**
     * An organization by slug: one of the viewer's own is already in the principal's rows (read in
     * the same statement, so as current as the grants deciding R1); any other costs one statement.
     */
    async organizationBySlug(slug: string): Promise<OrganizationView | null> {
      const own = preloaded?.rows.find((row) => row.org_row.slug === slug);
      if (own) {
        ownMemberships(preloaded!);
        return loaders.organization.load(String(own.org_row.id));
      }
      const found = await sqlRow<Record<string, unknown>>(em, ORGANIZATION_BY_SLUG, [slug]);
      if (!found) return null;
      const organization = organizationView(found);
      loaders.organization.prime(organization.id, organization);
      return organization;
    },
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

  /** The viewer's memberships from the principal's rows; their organizations and roles primed too. */
  function ownMemberships(own: PreloadedMemberships): MembershipView[] {
    const list = own.rows.map((row) => {
      const membership = membershipView(row.membership_row);
      const organization = organizationView(row.org_row);
      loaders.organization.prime(organization.id, organization);
      loaders.membership.prime(membership.id, membership);
      loaders.rolesOfMembership.prime(membership.id, (row.roles ?? []).map(roleView));
      return membership;
    });
    return list.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }
  return loaders;
}

export type Loaders = ReturnType<typeof createLoaders>;
