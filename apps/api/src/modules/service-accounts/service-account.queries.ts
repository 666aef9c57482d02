import type { Em } from '../../db/orm.ts';
import { type Acting } from '../../acting.ts';
import { isUuid, onlyUuids } from '../../ids.ts';
import { builder, rowsOf, ShapeCache } from '../../db/kysely.ts';
import { orgsWhere } from '../visibility.ts';
import { Role } from '../roles/role.entity.ts';
import { ServiceAccount, ServiceAccountKey } from './service-account.entity.ts';

const within = (orgs: string[] | 'all', orgId: string) => orgs === 'all' || orgs.includes(orgId);

/** R1: service accounts and their keys are visible to service_accounts:manage holders of their organization. */
export async function visibleServiceAccounts(em: Em, acting: Acting, requested: readonly string[]): Promise<ServiceAccount[]> {
  const ids = onlyUuids(requested);
  if (ids.length === 0) return [];
  const managers = await orgsWhere(acting, 'service_accounts:manage');
  if (managers !== 'all' && managers.length === 0) return [];
  return (await em.find(ServiceAccount, { id: ids })).filter((s) => within(managers, s.orgId));
}

export async function visibleServiceAccountKeys(em: Em, acting: Acting, requested: readonly string[]): Promise<ServiceAccountKey[]> {
  const ids = onlyUuids(requested);
  if (ids.length === 0) return [];
  const managers = await orgsWhere(acting, 'service_accounts:manage');
  if (managers !== 'all' && managers.length === 0) return [];
  return (await em.find(ServiceAccountKey, { id: ids })).filter((k) => within(managers, k.orgId));
}

/** An organization's service accounts by name (at most SERVICE_ACCOUNT_LIMIT, so no paging needed). */
export async function serviceAccountsOf(em: Em, acting: Acting, orgId: string): Promise<ServiceAccount[]> {
  if (!isUuid(orgId) || !(await acting.can(orgId, 'service_accounts:manage'))) return [];
  return em.find(ServiceAccount, { orgId }, { orderBy: { name: 'asc', id: 'asc' } });
}

const roleIdsOf = new ShapeCache((_: object, v: { id: string }) =>
  builder.selectFrom('service_account_role').select('role_id').where('service_account_id', '=', v.id),
);

export async function rolesOfServiceAccount(em: Em, acting: Acting, id: string): Promise<Role[]> {
  const held = await rowsOf(em, roleIdsOf.prepared({}, { id }));
  return held.length ? em.find(Role, { id: held.map((r) => r.role_id) }, { orderBy: { position: 'asc', name: 'asc' } }) : [];
}

export async function keysOfServiceAccount(em: Em, acting: Acting, id: string): Promise<ServiceAccountKey[]> {
  return em.find(ServiceAccountKey, { serviceAccountId: id }, { orderBy: { createdAt: 'desc', id: 'asc' } });
}
