import type { Em } from '../../db/orm.ts';
import { Params, row, rows } from '../../db/sql.ts';
import { Invitation, type InvitationStatus } from './invitation.entity.ts';
import { likePattern, toPage, type Page, type PageRequest } from '../../graphql/pagination.ts';

/** SQL for each shown status: a PENDING row past its expiry shows as EXPIRED. */
const STATUS_SQL: Record<InvitationStatus, string> = {
  PENDING: `(i.status = 'PENDING' and i.expires_at > now())`,
  EXPIRED: `(i.status = 'EXPIRED' or (i.status = 'PENDING' and i.expires_at <= now()))`,
  ACCEPTED: `i.status = 'ACCEPTED'`,
  REVOKED: `i.status = 'REVOKED'`,
};

/** Which invitations a list shows: by status, and by part of the invited address. */
export interface InvitationFilter {
  statuses?: readonly InvitationStatus[] | null;
  search?: string | null;
}

function filterSql(orgId: string, filter: InvitationFilter) {
  const params = new Params();
  const where = [`i.org_id = ${params.add(orgId)}`];
  if (filter.statuses?.length) where.push(`(${[...new Set(filter.statuses)].map((s) => STATUS_SQL[s]).join(' or ')})`);
  if (filter.search?.trim()) where.push(`lower(i.email) like ${params.add(likePattern(filter.search))}`);
  return { where, params };
}

/** An org's invitations, newest first, one keyset page in one statement. */
export async function listInvitations(
  em: Em,
  orgId: string,
  filter: InvitationFilter,
  page: PageRequest,
): Promise<Page<Invitation>> {
  const { where, params } = filterSql(orgId, filter);
  if (page.after) {
    where.push(`(i.created_at, i.id) < (${params.add(page.after[0])}::timestamptz, ${params.add(page.after[1])}::uuid)`);
  }
  const found = await rows<Record<string, unknown>>(
    em,
    `select i.*, i.created_at::text as sort_key from invitation i
      where ${where.join(' and ')}
      order by i.created_at desc, i.id desc
      limit ${params.add(page.first + 1)}`,
    params.values,
  );
  const keys = new Map<string, unknown>();
  const invitations = found.map(({ sort_key, ...row }) => {
    const entity = em.map(Invitation, row);
    keys.set(entity.id, sort_key);
    return entity;
  });
  return toPage(invitations, page, (inv) => [keys.get(inv.id), inv.id]);
}

export async function countInvitations(em: Em, orgId: string, filter: InvitationFilter): Promise<number> {
  const { where, params } = filterSql(orgId, filter);
  const counted = await row<{ n: number }>(em, `select count(*)::int as n from invitation i where ${where.join(' and ')}`, params.values);
  return Number(counted?.n ?? 0);
}
