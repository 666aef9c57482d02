import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import type { Em } from '../../db/orm.ts';
import { jsonColumn, type Statement } from '../../db/sql.ts';
import { anyOf, builder, type DB, type Prepared, replicaRowOf, replicaRowsOf, rowOf, ShapeCache } from '../../db/kysely.ts';
import { MembershipView, RoleView, UserView, roleViewJson, userViewJson, type OrganizationView } from '../../graphql/views.ts';
import { likePattern, toPage, type Page, type PageRequest } from '../../graphql/pagination.ts';
import { onlyUuids } from '../../ids.ts';

export type MemberSortField = 'NAME' | 'EMAIL' | 'CREATED_AT';

export interface MemberFilter {
  search?: string | null;
  roleIds?: string[] | null;
  status?: 'ACTIVE' | 'DISABLED' | null;
}

/**
 * Each order is a column of membership next to org_id, with an index (org_id, key, id), so every
 * keyset page is an index range read, however large the organization (issue 14). sort_name and
 * sort_email are the user's lower(first_name || ' ' || last_name || ' ' || email) and email, kept
 * by the database's own triggers (migration 20261124054000_membership_sort_keys): the order and the
 * cursors are the same as when the page sorted by the user's columns.
 */
const SORT_COLUMN = {
  NAME: 'm.sort_name',
  EMAIL: 'm.sort_email',
  CREATED_AT: 'm.created_at',
} as const satisfies Record<MemberSortField, `m.${keyof DB['membership']}`>;

/** What decides a filter's text (db/kysely.ts ShapeCache); its values are in `FilterValues`. */
interface FilterShape {
  status: boolean;
  search: boolean;
  /** No role filter, a filter naming no valid id (matches nothing), or some ids. */
  roles: 'any' | 'nothing' | 'some';
}

interface FilterValues {
  orgId: string;
  status: string | null | undefined;
  pattern: string;
  roleIds: string[];
}

function filterOf(orgId: string, filter: MemberFilter): { shape: FilterShape; values: FilterValues } {
  const search = filter.search?.trim() ? filter.search : undefined;
  const roleIds = filter.roleIds?.length ? onlyUuids(filter.roleIds) : [];
  return {
    shape: { status: Boolean(filter.status), search: search !== undefined, roles: !filter.roleIds?.length ? 'any' : roleIds.length === 0 ? 'nothing' : 'some' },
    values: { orgId, status: filter.status, pattern: search === undefined ? '' : likePattern(search), roleIds },
  };
}

type Members = ExpressionBuilder<DB & { m: DB['membership'] }, 'm'>;
type MembersWithUsers = ExpressionBuilder<DB & { m: DB['membership']; u: DB['user'] }, 'm' | 'u'>;

/** The filter's terms on membership alone (the search, on the user, is `searchTerm`). */
function memberTerms(eb: Members, shape: FilterShape, v: FilterValues): Expression<SqlBool> {
  const terms: Expression<SqlBool>[] = [eb('m.org_id', '=', v.orgId)];
  if (shape.status) terms.push(eb('m.status', '=', v.status as 'ACTIVE' | 'DISABLED'));
  if (shape.roles === 'nothing') terms.push(sql<SqlBool>`false`);
  if (shape.roles === 'some') {
    terms.push(eb.exists(eb.selectFrom('membership_role as mr').select(sql.lit(1).as('one')).whereRef('mr.membership_id', '=', 'm.id').where('mr.role_id', '=', anyOf(eb, v.roleIds))));
  }
  return eb.and(terms);
}

/**
 * The search: this exact expression is the one of the trigram index on "user" (user_search_trgm_idx),
 * so the search reads that index. The separators are literals of the expression, not parameters.
 */
function searchTerm(eb: MembersWithUsers, pattern: string): Expression<SqlBool> {
  const space = sql.lit(' ');
  const text = eb(eb(eb(eb('u.first_name', '||', space), '||', eb.ref('u.last_name')), '||', space), '||', eb.ref('u.email'));
  return eb(eb.fn<string>('lower', [text]), 'like', pattern);
}

/**
 * The members matching a filter, as a query to select from. Only a search reads the user's names:
 * without one, the page and the count read membership alone (PostgreSQL cannot drop an inner join
 * by itself, and the join is what made the first page by name read every member of the organization).
 */
function matching(shape: FilterShape, v: FilterValues) {
  return builder
    .selectFrom('membership as m')
    .where((eb) => memberTerms(eb, shape, v))
    .$if(shape.search, (qb) => qb.innerJoin('user as u', 'u.id', 'm.user_id').where((eb) => searchTerm(eb, v.pattern)));
}

const countOf = (shape: FilterShape, v: FilterValues) => matching(shape, v).select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n'));

const counts = new ShapeCache(countOf);

/** Plain views, not entities: a page renders a hundred objects and hydrating entities costs more than the SQL (graphql/views.ts). */
export interface MemberPage extends Page<MembershipView> {
  /** The number of members matching the filter, when it was asked for. */
  total: number | undefined;
}

export type MemberOrder = { field: MemberSortField; direction: 'ASC' | 'DESC' };

/** The view columns as JSON objects (graphql/views.ts): SQL without values, the same for every page. */
const USER_ROW = sql.raw<object>(userViewJson('u'));
const ROLE_ROWS_AGG = sql.raw<object[]>(`json_agg(${roleViewJson('r')} order by r.position, r.name)`);

interface PageShape extends FilterShape {
  field: MemberSortField;
  direction: 'ASC' | 'DESC';
  after: boolean;
  total: boolean;
}

interface PageValues extends FilterValues {
  afterKey: string | null;
  afterId: string;
  limit: number;
}

function memberPageQuery(shape: PageShape, v: PageValues) {
  const sort = SORT_COLUMN[shape.field];
  const direction = shape.direction === 'ASC' ? 'asc' : 'desc';
  // The page is chosen on narrow rows; only its own accounts are then read whole (carrying whole
  // account rows through the sort of a 10,000-member org more than doubled its time).
  const pageRows = matching(shape, v)
    .select(['m.id', 'm.org_id', 'm.user_id', 'm.status', 'm.added_by_id', 'm.created_at'])
    .select((eb) => eb.ref(sort).as('sort_key'))
    .$if(shape.after, (qb) =>
      qb.where((eb) => {
        // The cursor's sort value comes as text: a timestamp is cast, as the column's index needs.
        const key = shape.field === 'CREATED_AT' ? eb.cast<string | Date>(eb.val(v.afterKey), 'timestamptz') : eb.val<string | Date>(v.afterKey!);
        return eb(eb.refTuple(sort, 'm.id'), shape.direction === 'ASC' ? '>' : '<', eb.tuple(key, eb.cast<string>(eb.val(v.afterId), 'uuid')));
      }),
    )
    .orderBy(sort, direction)
    .orderBy('m.id', direction)
    .limit(v.limit);
  return builder
    .with('page', () => pageRows)
    .selectFrom('page')
    .innerJoin('user as u', 'u.id', 'page.user_id')
    .selectAll('page')
    .select((eb) => [
      USER_ROW.as('user_row'),
      eb.fn
        .coalesce(
          eb.selectFrom('membership_role as mr').innerJoin('role as r', 'r.id', 'mr.role_id').whereRef('mr.membership_id', '=', 'page.id').select(ROLE_ROWS_AGG.as('agg')),
          sql.lit('[]'),
        )
        .as('role_rows'),
    ])
    // The total counts the filter without the cursor; it is computed once for the statement (InitPlan).
    .$if(shape.total, (qb) => qb.select(countOf(shape, v).as('total')))
    .orderBy('page.sort_key', direction)
    .orderBy('page.id', direction);
}

const pages = new ShapeCache(memberPageQuery);

function memberPage(orgId: string, filter: MemberFilter, order: MemberOrder, page: PageRequest, withTotal: boolean) {
  const { shape, values } = filterOf(orgId, filter);
  return pages.prepared(
    { ...shape, field: order.field, direction: order.direction, after: page.after !== undefined, total: withTotal },
    { ...values, afterKey: page.after?.[0] ?? null, afterId: page.after?.[1] ?? '', limit: page.first + 1 },
  );
}

/**
 * The statement of one members page and its bound parameters (listMembers runs it; the tests
 * EXPLAIN it). The page is chosen on membership alone, by an index range read of
 * (org_id, sort key, id) from the cursor on; only its own accounts and roles are then read.
 */
export function memberPageStatement(orgId: string, filter: MemberFilter, order: MemberOrder, page: PageRequest, withTotal = false): { statement: Statement; values: unknown[] } {
  const { statement, values } = memberPage(orgId, filter, order, page, withTotal);
  return { statement, values };
}

/**
 * One keyset page of an org's members, with their accounts, their roles and (if asked) the total,
 * in one statement whatever the page size.
 */
export async function listMembers(em: Em, organization: OrganizationView, filter: MemberFilter, order: MemberOrder, page: PageRequest, withTotal = false): Promise<MemberPage> {
  const orgId = organization.id;
  // A list decides nothing: a read replica may answer it (db/replicas.ts).
  const found = await replicaRowsOf(em, memberPage(orgId, filter, order, page, withTotal));
  const keys = new Map<string, unknown>();
  // Each membership carries the account and roles the statement read, and its organization.
  const members = found.map(({ sort_key, user_row, role_rows, total: _total, ...columns }) => {
    const user = new UserView(jsonColumn<object>(user_row));
    const roles = jsonColumn<object[]>(role_rows).map((r) => new RoleView(r));
    const membership = new MembershipView(columns, { organization, user, roles });
    keys.set(membership.id, sort_key instanceof Date ? sort_key.toISOString() : sort_key);
    return membership;
  });
  const counted = withTotal ? (found.length > 0 ? Number(found[0]!.total) : await countMembers(em, orgId, filter)) : undefined;
  return { ...toPage(members, page, (m) => [keys.get(m.id), m.id]), total: counted };
}

export async function countMembers(em: Em, orgId: string, filter: MemberFilter): Promise<number> {
  const { shape, values } = filterOf(orgId, filter);
  const found = await replicaRowOf(em, counts.prepared(shape, values));
  return Number(found?.n ?? 0);
}

const orgOfMembership = new ShapeCache((_: object, v: { membershipId: string }) => builder.selectFrom('membership').select('org_id').where('id', '=', v.membershipId));

/**
 * The organization of a membership, from the primary: what a mutation addressed by membership id
 * checks its permission in (the service reads the membership again under the lock). A column, not an
 * entity: nothing else of the row is used.
 */
export async function orgIdOfMembership(em: Em, membershipId: string): Promise<string | undefined> {
  return (await rowOf(em, orgOfMembership.prepared({}, { membershipId })))?.org_id;
}
