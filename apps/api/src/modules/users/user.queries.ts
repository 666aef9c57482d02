import type { Context } from '../../context.ts';
import { User } from './user.entity.ts';
import { onlyUuids, placeholders } from '../../ids.ts';

/** Users among `ids` the actor may see (R1): themselves, or members of an org where they hold members:read. */
export async function visibleUsers(ctx: Context, requested: string[]): Promise<User[]> {
  const ids = onlyUuids(requested);
  if (!ctx.user || ids.length === 0) return [];
  const orgIds = await ctx.orgIdsWith('members:read');
  if (orgIds === 'all') return ctx.em.find(User, { id: ids });
  const rows = await ctx.em.execute(
    `select u.* from "user" u
      where u.id in (${placeholders(ids)})
        and (u.id = ? ${orgIds.length ? `or exists (select 1 from membership m where m.user_id = u.id and m.org_id in (${placeholders(orgIds)}))` : ''})`,
    [...ids, ctx.user.id, ...orgIds],
  );
  return rows.map((row) => ctx.em.map(User, row));
}
