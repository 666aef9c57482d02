import type { Em } from '../../db/orm.ts';
import { jsonColumn, Params, row, shaped, statement as named, type Statement } from '../../db/sql.ts';
import { replicaRow, replicaRows } from '../../db/replicas.ts';
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
const SORT_SQL: Record<MemberSortField, string> = {
  NAME: `m.sort_name`,
  EMAIL: `m.sort_email`,
  CREATED_AT: `m.created_at`,
};

/** The search expression matches the trigram index on "user" exactly, so search uses the index. */
function filterSql(orgId: string, filter: MemberFilter, p: Params): string[] {
  const where = [`m.org_id = ${p.add(orgId)}`];
  if (filter.status) where.push(`m.status = ${p.add(filter.status)}`);
  if (filter.search?.trim()) where.push(`lower(u.first_name || ' ' || u.last_name || ' ' || u.email) like ${p.add(likePattern(filter.search))}`);
  if (filter.roleIds?.length) {
    const ids = onlyUuids(filter.roleIds);
    where.push(ids.length === 0 ? 'false' : `exists (select 1 from membership_role mr where mr.membership_id = m.id and mr.role_id = any(${p.add(ids)}::uuid[]))`);
  }
  return where;
}

/**
 * Only a search reads the user's names: without one, the page and the count read membership alone
 * (PostgreSQL cannot drop an inner join by itself, and the join is what made the first page by name
 * read every member of the organization).
 */
const countFrom = (filter: MemberFilter) => (filter.search?.trim() ? `membership m join "user" u on u.id = m.user_id` : `membership m`);

/** Plain views, not entities: a page renders a hundred objects and hydrating entities costs more than the SQL (graphql/views.ts). */
export interface MemberPage extends Page<MembershipView> {
  /** The number of members matching the filter, when it was asked for. */
  total: number | undefined;
}

export type MemberOrder = { field: MemberSortField; direction: 'ASC' | 'DESC' };

/**
 * The statement of one members page and its bound parameters (listMembers runs it; the tests
 * EXPLAIN it). The page is chosen on membership alone, by an index range read of
 * (org_id, sort key, id) from the cursor on; only its own accounts and roles are then read.
 */
export function memberPageStatement(orgId: string, filter: MemberFilter, order: MemberOrder, page: PageRequest, withTotal = false): { statement: Statement; values: unknown[] } {
  const sort = SORT_SQL[order.field];
  const p = new Params();
  const where = filterSql(orgId, filter, p);
  // The total counts the filter without the cursor; it is computed once for the statement (InitPlan).
  const total = withTotal ? `, (select count(*)::int from ${countFrom(filter)} where ${where.join(' and ')}) as total` : '';
  const cmp = order.direction === 'ASC' ? '>' : '<';
  if (page.after) {
    const cast = order.field === 'CREATED_AT' ? '::timestamptz' : '';
    where.push(`(${sort}, m.id) ${cmp} (${p.add(page.after[0])}${cast}, ${p.add(page.after[1])}::uuid)`);
  }
  const limit = p.add(page.first + 1);
  // The page is chosen on narrow rows; only its own accounts are then read whole (carrying whole
  // account rows through the sort of a 10,000-member org more than doubled its time).
  const statement = shaped(`with page as (
       select m.id, m.org_id, m.user_id, m.status, m.added_by_id, m.created_at, ${sort} as sort_key
         from ${countFrom(filter)}
        where ${where.join(' and ')}
        order by ${sort} ${order.direction}, m.id ${order.direction}
        limit ${limit}::int)
     select page.*, ${userViewJson('u')} as user_row,
            coalesce((select json_agg(${roleViewJson('r')} order by r.position, r.name)
                        from membership_role mr join role r on r.id = mr.role_id
                       where mr.membership_id = page.id), '[]') as role_rows${total}
       from page join "user" u on u.id = page.user_id
      order by page.sort_key ${order.direction}, page.id ${order.direction}`);
  return { statement, values: p.values };
}

/**
 * One keyset page of an org's members, with their accounts, their roles and (if asked) the total,
 * in one statement whatever the page size.
 */
export async function listMembers(em: Em, organization: OrganizationView, filter: MemberFilter, order: MemberOrder, page: PageRequest, withTotal = false): Promise<MemberPage> {
  const orgId = organization.id;
  const { statement, values } = memberPageStatement(orgId, filter, order, page, withTotal);
  // A list decides nothing: a read replica may answer it (db/replicas.ts).
  const found = await replicaRows<Record<string, unknown>>(em, statement, values);
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
  const p = new Params();
  const where = filterSql(orgId, filter, p);
  const found = await replicaRow<{ n: number }>(em, shaped(`select count(*)::int as n from ${countFrom(filter)} where ${where.join(' and ')}`), p.values);
  return Number(found?.n ?? 0);
}

const orgOfMembership = named('org_of_membership', `select org_id from membership where id = $1`);

/**
 * The organization of a membership, from the primary: what a mutation addressed by membership id
 * checks its permission in (the service reads the membership again under the lock). A column, not an
 * entity: nothing else of the row is used.
 */
export async function orgIdOfMembership(em: Em, membershipId: string): Promise<string | undefined> {
  return (await row<{ org_id: string }>(em, orgOfMembership, [membershipId]))?.org_id;
}
