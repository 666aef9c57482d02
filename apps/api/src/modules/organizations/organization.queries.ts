import type { Context } from '../../context.ts';
import { Organization } from './organization.entity.ts';
import { onlyUuids } from '../../ids.ts';

/** Organizations among `ids` the actor may read (R1). */
export async function visibleOrganizations(ctx: Context, requested: string[]): Promise<Organization[]> {
  const ids = onlyUuids(requested);
  if (!ctx.user || ids.length === 0) return [];
  const readable = await ctx.orgIdsWith('org:read');
  const allowed = readable === 'all' ? ids : ids.filter((id) => readable.includes(id));
  return allowed.length ? ctx.em.find(Organization, { id: allowed }) : [];
}
