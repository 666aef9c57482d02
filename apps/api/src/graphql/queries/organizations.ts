import { builder } from '../builder.ts';
import { OrganizationRef } from '../types/organization.ts';
import { UserRef } from '../types/user.ts';
import { Organization } from '../../modules/organizations/organization.entity.ts';
import { User } from '../../modules/users/user.entity.ts';
import { likePattern, pageArgs, toPage } from '../pagination.ts';
import { visibleOrganization } from '../../modules/visibility.ts';

builder.queryField('organization', (t) =>
  t.field({
    type: OrganizationRef,
    nullable: true,
    authScopes: { member: true },
    description: 'An organization by slug; null when it does not exist or you cannot see it (R1).',
    args: { slug: t.arg.string({ required: true }) },
    resolve: async (_root, { slug }, ctx) => {
      return visibleOrganization(ctx, await ctx.loaders.organizationBySlug(slug));
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
