import { builder } from '../builder.ts';
import { partOf, RoleView } from '../views.ts';
import { Organization } from '../../modules/organizations/organization.entity.ts';
import { anyOf, builder as sqlBuilder, rowsOf } from '../../db/kysely.ts';
import { Role } from '../../modules/roles/role.entity.ts';
import { OrganizationRef } from './organization.ts';
import { visibleRoles } from '../../modules/visibility.ts';

/** How many memberships hold each role: one statement for a batch of roles. */
const memberCounts = (roleIds: string[]) =>
  sqlBuilder
    .selectFrom('membership_role')
    .select((eb) => ['role_id', eb.cast<number>(eb.fn.countAll(), 'integer').as('n')])
    .where((eb) => eb('role_id', '=', anyOf(eb, roleIds)))
    .groupBy('role_id');

/** Visible to org:read holders of its org (R1, modules/visibility.ts); its organization is part of it. */
export const RoleRef = builder.loadableNodeRef<RoleView | Role, string>('Role', {
  id: { resolve: (role) => role.id },
  load: (ids: string[], ctx) => visibleRoles(ctx, ids),
  sort: (role) => role.id,
});

RoleRef.implement({
  isTypeOf: (value) => value instanceof Role || value instanceof RoleView,
  fields: (t) => ({
    key: t.exposeString('key'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    permissions: t.stringList({ resolve: (r) => [...r.permissions] }),
    builtin: t.exposeBoolean('builtin', { description: 'Built-in roles come from the preset and cannot be edited.' }),
    // Its organization is part of it (R1): the ORM's batched reference load.
    organization: t.field({ type: OrganizationRef, resolve: (r, _a, ctx) => partOf(ctx.em, Organization, r.organization) as Promise<Organization> }),
    memberCount: t.loadable({
      type: 'Int',
      description: 'How many members hold this role.',
      load: async (roleIds: string[], ctx) => {
        const found = await rowsOf(ctx.em, memberCounts(roleIds));
        const counts = new Map(found.map((r) => [r.role_id, Number(r.n)]));
        return roleIds.map((id) => counts.get(id) ?? 0);
      },
      resolve: (r) => r.id,
    }),
  }),
});
