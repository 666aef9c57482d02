import type { Em } from '../../db/orm.ts';
import { type Acting } from '../../acting.ts';
import { onlyUuids } from '../../ids.ts';
import { orgsWhere } from '../visibility.ts';
import { PersonalAccessToken } from './personal-access-token.entity.ts';

/** R1: a token is visible to its owner, and to members:update holders of its organization. */
export async function visibleTokens(em: Em, acting: Acting, requested: readonly string[]): Promise<PersonalAccessToken[]> {
  const ids = onlyUuids(requested);
  if (!acting.user || acting.user.mustChangePassword || ids.length === 0) return [];
  const rows = await em.find(PersonalAccessToken, { id: ids });
  const managers = await orgsWhere(acting, 'members:update');
  return rows.filter((t) => t.userId === acting.user!.id || managers === 'all' || managers.includes(t.orgId));
}

/** The caller's own tokens, newest first, optionally in one organization (at most the per-member limit each). */
export async function ownTokens(em: Em, acting: Acting, orgId: string | undefined): Promise<PersonalAccessToken[]> {
  if (!acting.user) return [];
  return em.find(
    PersonalAccessToken,
    { userId: acting.user.id, ...(orgId ? { orgId } : {}) },
    { orderBy: { createdAt: 'desc', id: 'asc' }, limit: 500 },
  );
}
