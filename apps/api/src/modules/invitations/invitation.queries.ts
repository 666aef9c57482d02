import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Em } from '../../db/orm.ts';
import { builder, rowOf, rowsOf, ShapeCache, type DB } from '../../db/kysely.ts';
import { Invitation, type InvitationStatus } from './invitation.entity.ts';
import { likePattern, toPage, type Page, type PageRequest } from '../../graphql/pagination.ts';

type Invitations = ExpressionBuilder<DB & { i: DB['invitation'] }, 'i'>;

/**
 * Each shown status as terms: a PENDING row past its expiry shows as EXPIRED. The statuses are
 * literals of the statement's shape, not parameters, so a plan can use the partial index
 * `where status = 'PENDING'`.
 */
const STATUS_TERMS: Record<InvitationStatus, (eb: Invitations) => Expression<SqlBool>> = {
  PENDING: (eb) => eb.and([eb('i.status', '=', sql.lit('PENDING')), eb('i.expires_at', '>', sql<Date>`now()`)]),
  EXPIRED: (eb) => eb.or([eb('i.status', '=', sql.lit('EXPIRED')), eb.and([eb('i.status', '=', sql.lit('PENDING')), eb('i.expires_at', '<=', sql<Date>`now()`)])]),
  ACCEPTED: (eb) => eb('i.status', '=', sql.lit('ACCEPTED')),
  REVOKED: (eb) => eb('i.status', '=', sql.lit('REVOKED')),
};

/** Which invitations a list shows: by status, and by part of the invited address. */
export interface InvitationFilter {
  statuses?: readonly InvitationStatus[] | null;
  search?: string | null;
}

/** What decides the text of a filtered read (db/kysely.ts ShapeCache): the statuses, sorted, and whether there is a search. */
interface FilterShape {
  statuses: string;
  search: boolean;
}

interface FilterValues {
  orgId: string;
  pattern: string;
}

function filterOf(orgId: string, filter: InvitationFilter): { shape: FilterShape; values: FilterValues } {
  const search = filter.search?.trim() ? filter.search : undefined;
  return {
    shape: { statuses: [...new Set(filter.statuses ?? [])].sort().join(','), search: search !== undefined },
    values: { orgId, pattern: search === undefined ? '' : likePattern(search) },
  };
}

function filterTerms(eb: Invitations, shape: FilterShape, v: FilterValues): Expression<SqlBool> {
  const terms: Expression<SqlBool>[] = [eb('i.org_id', '=', v.orgId)];
  if (shape.statuses) terms.push(eb.or(shape.statuses.split(',').map((s) => STATUS_TERMS[s as InvitationStatus](eb))));
  if (shape.search) terms.push(eb(eb.fn<string>('lower', ['i.email']), 'like', v.pattern));
  return eb.and(terms);
}

const matching = (shape: FilterShape, v: FilterValues) => builder.selectFrom('invitation as i').where((eb) => filterTerms(eb, shape, v));

/** Newest first, keyset on (created_at, id) (index org_id, created_at, id). */
const pages = new ShapeCache((shape: FilterShape & { after: boolean }, v: FilterValues & { afterKey: string | null; afterId: string; limit: number }) =>
  matching(shape, v)
    .selectAll('i')
    // The cursor keeps the timestamp's full precision as PostgreSQL prints it.
    .select((eb) => eb.cast<string>('i.created_at', 'text').as('sort_key'))
    .$if(shape.after, (qb) =>
      qb.where((eb) => eb(eb.refTuple('i.created_at', 'i.id'), '<', eb.tuple(eb.cast<Date>(eb.val(v.afterKey), 'timestamptz'), eb.cast<string>(eb.val(v.afterId), 'uuid')))),
    )
    .orderBy('i.created_at', 'desc')
    .orderBy('i.id', 'desc')
    .limit(v.limit),
);

const counts = new ShapeCache((shape: FilterShape, v: FilterValues) => matching(shape, v).select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n')));

/** An org's invitations, newest first, one keyset page in one statement. */
export async function listInvitations(
  em: Em,
  orgId: string,
  filter: InvitationFilter,
  page: PageRequest,
): Promise<Page<Invitation>> {
  const { shape, values } = filterOf(orgId, filter);
  const query = pages.prepared(
    { ...shape, after: page.after !== undefined },
    { ...values, afterKey: page.after?.[0] ?? null, afterId: page.after?.[1] ?? '', limit: page.first + 1 },
  );
  const found = await rowsOf(em, query);
  const keys = new Map<string, unknown>();
  const invitations = found.map(({ sort_key, ...row }) => {
    const entity = em.map(Invitation, row);
    keys.set(entity.id, sort_key);
    return entity;
  });
  return toPage(invitations, page, (inv) => [keys.get(inv.id), inv.id]);
}

export async function countInvitations(em: Em, orgId: string, filter: InvitationFilter): Promise<number> {
  const { shape, values } = filterOf(orgId, filter);
  const counted = await rowOf(em, counts.prepared(shape, values));
  return Number(counted?.n ?? 0);
}
