import type { Context } from '../../context.ts';
import { isUuid, onlyUuids } from '../../ids.ts';
import { rows } from '../../db/sql.ts';
import { orgsWhere } from '../visibility.ts';
import { Role } from '../roles/role.entity.ts';
import { ServiceAccount, ServiceAccountKey } from './service-account.entity.ts';

const within = (orgs: string[] | 'all', orgId: string) => orgs === 'all' || orgs.includes(orgId);

/** R1: service accounts and their keys are visible to service_accounts:manage holders of their organization. */
export async function visibleServiceAccounts(ctx: Context, requested: readonly string[]): Promise<ServiceAccount[]> {
  const ids = onlyUuids(requested);
  if (ids.length === 0) return [];
  const managers = await orgsWhere(ctx, 'service_accounts:manage');
  if (managers !== 'all' && managers.length === 0) return [];
  return (await ctx.em.find(ServiceAccount, { id: ids })).filter((s) => within(managers, s.orgId));
}

export async function visibleServiceAccountKeys(ctx: Context, requested: readonly string[]): Promise<ServiceAccountKey[]> {
  const ids = onlyUuids(requested);
  if (ids.length === 0) return [];
  const managers = await orgsWhere(ctx, 'service_accounts:manage');
  if (managers !== 'all' && managers.length === 0) return [];
  return (await ctx.em.find(ServiceAccountKey, { id: ids })).filter((k) => within(managers, k.orgId));
}

/** An organization's service accounts by name (at most SERVICE_ACCOUNT_LIMIT, so no paging needed). */
export async function serviceAccountsOf(ctx: Context, orgId: string): Promise<ServiceAccount[]> {
  if (!isUuid(orgId) || !(await ctx.can(orgId, 'service_accounts:manage'))) return [];
  return ctx.em.find(ServiceAccount, { orgId }, { orderBy: { name: 'asc', id: 'asc' } });
}

export async function rolesOfServiceAccount(ctx: Context, id: string): Promise<Role[]> {
  const held = await rows<{ role_id: string }>(ctx.em, `select role_id from service_account_role where service_account_id = $1`, [id]);
  return held.length ? ctx.em.find(Role, { id: held.map((r) => r.role_id) }, { orderBy: { position: 'asc', name: 'asc' } }) : [];
}

export async function keysOfServiceAccount(ctx: Context, id: string): Promise<ServiceAccountKey[]> {
  return ctx.em.find(ServiceAccountKey, { serviceAccountId: id }, { orderBy: { createdAt: 'desc', id: 'asc' } });
}
