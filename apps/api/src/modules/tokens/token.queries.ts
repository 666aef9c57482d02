import type { Context } from '../../context.ts';
import { onlyUuids } from '../../ids.ts';
import { orgsWhere } from '../visibility.ts';
import { PersonalAccessToken } from './personal-access-token.entity.ts';

/** R1: a token is visible to its owner, and to members:update holders of its organization. */
export async function visibleTokens(ctx: Context, requested: readonly string[]): Promise<PersonalAccessToken[]> {
  const ids = onlyUuids(requested);
  if (!ctx.user || ctx.user.mustChangePassword || ids.length === 0) return [];
  const rows = await ctx.em.find(PersonalAccessToken, { id: ids });
  const managers = await orgsWhere(ctx, 'members:update');
  return rows.filter((t) => t.userId === ctx.user!.id || managers === 'all' || managers.includes(t.orgId));
}

/** The caller's own tokens, newest first, optionally in one organization (at most the per-member limit each). */
export async function ownTokens(ctx: Context, orgId: string | undefined): Promise<PersonalAccessToken[]> {
  if (!ctx.user) return [];
  return ctx.em.find(
    PersonalAccessToken,
    { userId: ctx.user.id, ...(orgId ? { orgId } : {}) },
    { orderBy: { createdAt: 'desc', id: 'asc' }, limit: 500 },
  );
}
