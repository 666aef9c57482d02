import type { Context } from '../context.ts';
import { jsonColumn } from '../db/sql.ts';
import { MembershipView, OrganizationView, RoleView } from './views.ts';

const cache = new WeakMap<Context['principal'] & object, MembershipView[]>();

/**
 * The signed-in user's own memberships as the principal statement read them (context.ts): with
 * their organizations and roles, as current as the grants deciding R1 and R2, and no statement more.
 * Empty for anyone else (service accounts, tokens read their grants elsewhere).
 */
export function ownMemberships(ctx: Context): MembershipView[] {
  const principal = ctx.principal;
  if (!principal?.grantRows) return [];
  let list = cache.get(principal);
  if (!list) {
    list = principal.grantRows
      .map(
        (row) =>
          new MembershipView(row.membership_row, {
            organization: new OrganizationView(row.org_row),
            user: principal.user,
            roles: (jsonColumn<object[] | null>(row.roles) ?? []).map((role) => new RoleView(role)),
          }),
      )
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    cache.set(principal, list);
  }
  return list;
}
