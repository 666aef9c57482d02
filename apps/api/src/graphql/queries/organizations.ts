import { builder } from '../builder.ts';
import { OrganizationRef } from '../types/organization.ts';
import { UserRef } from '../types/user.ts';
import { Organization } from '../../modules/organizations/organization.entity.ts';
import { User } from '../../modules/users/user.entity.ts';
import { likePattern, pageArgs, toPage } from '../pagination.ts';
import { visibleOrganization } from '../../modules/visibility.ts';
import { ownMemberships } from '../own-memberships.ts';
import { OrganizationView } from '../views.ts';
import { row, statement } from '../../db/sql.ts';
import type { Em } from '../../db/orm.ts';

const ORGANIZATION_BY_SLUG = statement('organization_by_slug', `select id, slug, name, status, created_at from organization where slug = $1`);

async function organizationBySlug(em: Em, slug: string): Promise<OrganizationView | null> {
  const found = await row<Record<string, unknown>>(em, ORGANIZATION_BY_SLUG, [slug]);
  return found ? new OrganizationView(found) : null;
}

builder.queryField('organization', (t) =>
  t.field({
    type: OrganizationRef,
    nullable: true,
    authScopes: { member: true },
    description: 'An organization by slug; null when it does not exist or you cannot see it (R1).',
    args: { slug: t.arg.string({ required: true }) },
    resolve: async (_root, { slug }, ctx) => {
      // One of the viewer's own organizations is in the principal's rows (as current as the grants
      // deciding R1); any other costs one statement.
      const own = ownMemberships(ctx)
        .map((m) => m.organization)
        .find((o): o is OrganizationView => o instanceof OrganizationView && o.slug === slug);
      return visibleOrganization(ctx, own ?? (await organizationBySlug(ctx.em, slug)));
    },
  }),
);

builder.queryField('organizations', (t) =>
  t.connection({
    type: OrganizationRef,
    authScopes: { platformAdmin: true },
    description: 'Every organization (platform admins, R15), by name.',
    args: { search: t.arg.string() },
    resolve: async (_root, args, ctx) => {
      const page = pageArgs(args, { list: 'organizations', sort: 'text', id: 'uuid' });
      const { first, after } = page;
      const where: string[] = [];
      const params: unknown[] = [];
      if (args.search?.trim()) {
        where.push(`(lower(name) like ? or slug like ?)`);
        params.push(likePattern(args.search), likePattern(args.search));
      }
      if (after) {
        where.push(`(lower(name), id) > (?, ?::uuid)`);
        params.push(after[0], after[1]);
      }
      const rows = await ctx.em.execute<Record<string, unknown>[]>(
        `select * from organization ${where.length ? `where ${where.join(' and ')}` : ''} order by lower(name), id limit ${first + 1}`,
        params,
      );
      const orgs = rows.map((r) => ctx.em.map(Organization, r));
      return toPage(orgs, page, (o) => [o.name.toLowerCase(), o.id]);
    },
  }),
);

builder.queryField('users', (t) =>
  t.connection({
    type: UserRef,
    authScopes: { platformAdmin: true },
    description: 'Every account (platform admins, R15), by email.',
    args: { search: t.arg.string() },
    resolve: async (_root, args, ctx) => {
      const page = pageArgs(args, { list: 'users', sort: 'text', id: 'uuid' });
      const { first, after } = page;
      const where: string[] = [];
      const params: unknown[] = [];
      if (args.search?.trim()) {
        where.push(`lower(first_name || ' ' || last_name || ' ' || email) like ?`);
        params.push(likePattern(args.search));
      }
      if (after) {
        where.push(`(email, id) > (?, ?::uuid)`);
        params.push(after[0], after[1]);
      }
      const rows = await ctx.em.execute<Record<string, unknown>[]>(
        `select * from "user" ${where.length ? `where ${where.join(' and ')}` : ''} order by email, id limit ${first + 1}`,
        params,
      );
      const users = rows.map((r) => ctx.em.map(User, r));
      return toPage(users, page, (u) => [u.email, u.id]);
    },
  }),
);
