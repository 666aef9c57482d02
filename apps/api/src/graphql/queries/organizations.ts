import { builder } from '../builder.ts';
import { OrganizationRef } from '../types/organization.ts';
import { UserRef } from '../types/user.ts';
import { Organization } from '../../modules/organizations/organization.entity.ts';
import { User } from '../../modules/users/user.entity.ts';
import { likePattern, pageArgs, toPage, type Cursor } from '../pagination.ts';
import { visibleOrganization } from '../../modules/visibility.ts';
import { ownMemberships } from '../own-memberships.ts';
import { OrganizationView } from '../views.ts';
import { sql } from 'kysely';
import { builder as sqlBuilder, rowOf, rowsOf, ShapeCache } from '../../db/kysely.ts';
import type { Em } from '../../db/orm.ts';

const ORGANIZATION_BY_SLUG = new ShapeCache((_: object, v: { slug: string }) =>
  sqlBuilder.selectFrom('organization').select(['id', 'slug', 'name', 'status', 'created_at']).where('slug', '=', v.slug),
);

async function organizationBySlug(em: Em, slug: string): Promise<OrganizationView | null> {
  const found = await rowOf(em, ORGANIZATION_BY_SLUG.prepared({}, { slug }));
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

const searched = (search: string | null | undefined) => (search?.trim() ? likePattern(search) : undefined);

/** Organizations by lower(name), id; a search matches the name or the slug. */
function organizationPage(search: string | null | undefined, first: number, after: Cursor | undefined) {
  const pattern = searched(search);
  return sqlBuilder
    .selectFrom('organization')
    .selectAll()
    .$if(pattern !== undefined, (qb) => qb.where((eb) => eb.or([eb(eb.fn<string>('lower', ['name']), 'like', pattern!), eb('slug', 'like', pattern!)])))
    .$if(after !== undefined, (qb) =>
      qb.where((eb) => eb(eb.tuple(eb.fn<string>('lower', ['name']), eb.ref('id')), '>', eb.tuple(after![0]!, eb.cast<string>(eb.val(after![1]), 'uuid')))),
    )
    .orderBy((eb) => eb.fn('lower', ['name']))
    .orderBy('id')
    .limit(first + 1);
}

/** Accounts by email, id; a search matches lower(first_name || ' ' || last_name || ' ' || email). */
function userPage(search: string | null | undefined, first: number, after: Cursor | undefined) {
  const pattern = searched(search);
  return sqlBuilder
    .selectFrom('user')
    .selectAll()
    .$if(pattern !== undefined, (qb) =>
      qb.where((eb) => {
        const space = sql.lit(' ');
        const text = eb(eb(eb(eb('first_name', '||', space), '||', eb.ref('last_name')), '||', space), '||', eb.ref('email'));
        return eb(eb.fn<string>('lower', [text]), 'like', pattern!);
      }),
    )
    .$if(after !== undefined, (qb) => qb.where((eb) => eb(eb.refTuple('email', 'id'), '>', eb.tuple(after![0]!, eb.cast<string>(eb.val(after![1]), 'uuid')))))
    .orderBy('email')
    .orderBy('id')
    .limit(first + 1);
}

builder.queryField('organizations', (t) =>
  t.connection({
    type: OrganizationRef,
    authScopes: { platformAdmin: true },
    description: 'Every organization (platform admins, R15), by name.',
    args: { search: t.arg.string() },
    resolve: async (_root, args, ctx) => {
      const page = pageArgs(args, { list: 'organizations', sort: 'text', id: 'uuid' });
      const rows = await rowsOf(ctx.em, organizationPage(args.search, page.first, page.after));
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
      const rows = await rowsOf(ctx.em, userPage(args.search, page.first, page.after));
      const users = rows.map((r) => ctx.em.map(User, r));
      return toPage(users, page, (u) => [u.email, u.id]);
    },
  }),
);
