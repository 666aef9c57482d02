import { effectivePermissions } from '@gatehouse/permissions';
import type { Em } from '../../db/orm.ts';
import { hashCredential } from '../../auth/api-key.ts';

/**
 * A request made by a service account (R23): an API key or a client-credentials access token.
 * Its permissions are its roles' in its one organization, read in the authenticating statement
 * of every request (R2): a role change or a disable applies to the very next request.
 */
export interface ServiceAccountIdentity {
  id: string;
  orgId: string;
  name: string;
  /** The API key used, or null for a client-credentials access token. */
  keyId: string | null;
  permissions: ReadonlySet<string>;
}

/** What authenticate() answers for a service account (a user principal has a session instead). */
export interface ServicePrincipal {
  serviceAccount: ServiceAccountIdentity;
}

export function isServicePrincipal(value: object | null): value is ServicePrincipal {
  return value !== null && 'serviceAccount' in value;
}

export function serviceAccountPermissionsIn(sa: ServiceAccountIdentity, orgId: string): ReadonlySet<string> | undefined {
  return sa.orgId === orgId ? sa.permissions : undefined;
}

export function serviceAccountOrgIdsWith(sa: ServiceAccountIdentity, permission: string): string[] {
  return sa.permissions.has(permission) ? [sa.orgId] : [];
}

/** The audit log names the service account itself as the actor (R13, R23). */
export function serviceAccountLabel(sa: Pick<ServiceAccountIdentity, 'id' | 'name'>): string {
  return `service account "${sa.name}" (${sa.id})`;
}

/** Writes of last_used_at/ip are spaced out, unless the address changed. */
const LAST_USED_RESOLUTION = '1 minute';

interface Row {
  key_id: string;
  id: string;
  org_id: string;
  name: string;
  role_permissions: string[][] | string;
}

/**
 * An API key (already shape- and checksum-checked) to its service account and current permissions,
 * in one statement that also records the use. Revoked or expired key, disabled account or
 * organization: no principal.
 */
export async function authenticateServiceAccountKey(em: Em, secret: string, ip: string | undefined): Promise<ServicePrincipal | null> {
  const rows = await em.execute<Row[]>(
    `with hit as (
       select k.id as key_id, k.last_used_at, k.last_used_ip, s.id, s.org_id, s.name
         from service_account_key k
         join service_account s on s.id = k.service_account_id and s.status = 'ACTIVE'
         join organization o on o.id = s.org_id and o.status = 'ACTIVE'
        where k.key_hash = decode(?, 'hex') and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())
     ), touched as (
       update service_account_key set last_used_at = now(), last_used_ip = ?
        where id in (select key_id from hit
                      where last_used_at is null or last_used_at < now() - interval '${LAST_USED_RESOLUTION}'
                         or last_used_ip is distinct from ?)
     )
     select hit.key_id, hit.id, hit.org_id, hit.name,
            coalesce((select json_agg(r.permissions) from service_account_role sr join role r on r.id = sr.role_id
                       where sr.service_account_id = hit.id), '[]') as role_permissions
       from hit`,
    [hashCredential(secret).toString('hex'), ip?.slice(0, 64) ?? null, ip?.slice(0, 64) ?? null],
  );
  const row = rows[0];
  if (!row) return null;
  return { serviceAccount: { id: row.id, orgId: row.org_id, name: row.name, keyId: row.key_id, permissions: permissionsOf(row.role_permissions) } };
}

/** The current permissions of an active service account in an active organization (client credentials). */
export async function loadServiceAccount(em: Em, serviceAccountId: string): Promise<ServiceAccountIdentity | null> {
  const rows = await em.execute<Omit<Row, 'key_id'>[]>(
    `select s.id, s.org_id, s.name,
            coalesce((select json_agg(r.permissions) from service_account_role sr join role r on r.id = sr.role_id
                       where sr.service_account_id = s.id), '[]') as role_permissions
       from service_account s join organization o on o.id = s.org_id and o.status = 'ACTIVE'
      where s.id = ? and s.status = 'ACTIVE'`,
    [serviceAccountId],
  );
  const row = rows[0];
  return row ? { id: row.id, orgId: row.org_id, name: row.name, keyId: null, permissions: permissionsOf(row.role_permissions) } : null;
}

function permissionsOf(value: string[][] | string): ReadonlySet<string> {
  const lists: string[][] = typeof value === 'string' ? JSON.parse(value) : value;
  return effectivePermissions(lists.map((permissions) => ({ permissions })));
}
