import { effectivePermissions } from '@gatehouse/permissions';
import type { Em } from '../../db/orm.ts';
import { hashCredential } from '../../auth/api-key.ts';
import { sql, type Expression } from 'kysely';
import { ACTIVE, builder, rowOf, rowsOf, ShapeCache } from '../../db/kysely.ts';
import { attachCredential, credentialOf } from '../tokens/credential.ts';

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

const sqlNow = sql<Date>`now()`;

/** The permission lists of an account's roles (the account's id in `account`), as one json column: PGlite may hand over its text. */
const rolePermissions = (account: Expression<string>) =>
  sql<string[][] | string>`coalesce(${builder
    .selectFrom('service_account_role as sr')
    .innerJoin('role as r', 'r.id', 'sr.role_id')
    .select((eb) => eb.fn.jsonAgg(eb.ref('r.permissions')).as('lists'))
    .where('sr.service_account_id', '=', account)}, '[]')`;

/**
 * The key lookup on every request records the use in the same statement (a writable CTE, at most
 * once a minute per key, or when the address changed); through the unit of work it would take a
 * read and a flush. `ip` is bound twice (the new address, and the comparison with the last one).
 */
const serviceAccountByKey = new ShapeCache((_: object, v: { keyHashHex: string; ip: string | null }) =>
  builder
    .with('hit', (db) =>
      db
        .selectFrom('service_account_key as k')
        .innerJoin('service_account as s', (join) => join.onRef('s.id', '=', 'k.service_account_id').on('s.status', '=', ACTIVE))
        .innerJoin('organization as o', (join) => join.onRef('o.id', '=', 's.org_id').on('o.status', '=', ACTIVE))
        .select(['k.id as key_id', 'k.last_used_at', 'k.last_used_ip', 's.id', 's.org_id', 's.name'])
        .where('k.key_hash', '=', sql<Buffer>`decode(${v.keyHashHex}, 'hex')`)
        .where('k.revoked_at', 'is', null)
        .where((eb) => eb.or([eb('k.expires_at', 'is', null), eb('k.expires_at', '>', sqlNow)])),
    )
    .with('touched', (db) =>
      db
        .updateTable('service_account_key')
        .set({ last_used_at: sqlNow, last_used_ip: v.ip })
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('hit')
            .select('key_id')
            .where((h) =>
              h.or([
                h('last_used_at', 'is', null),
                h('last_used_at', '<', sql<Date>`now() - interval '${sql.raw(LAST_USED_RESOLUTION)}'`),
                h('last_used_ip', 'is distinct from', v.ip),
              ]),
            ),
        ),
    )
    .selectFrom('hit')
    .select((eb) => ['hit.key_id', 'hit.id', 'hit.org_id', 'hit.name', rolePermissions(eb.ref('hit.id')).as('role_permissions')]),
);

const activeServiceAccount = new ShapeCache((_: object, v: { id: string }) =>
  builder
    .selectFrom('service_account as s')
    .innerJoin('organization as o', (join) => join.onRef('o.id', '=', 's.org_id').on('o.status', '=', ACTIVE))
    .select((eb) => ['s.id', 's.org_id', 's.name', rolePermissions(eb.ref('s.id')).as('role_permissions')])
    .where('s.id', '=', v.id)
    .where('s.status', '=', ACTIVE),
);

/**
 * An API key (already shape- and checksum-checked) to its service account and current permissions,
 * in one statement that also records the use. Revoked or expired key, disabled account or
 * organization: no principal.
 */
export async function authenticateServiceAccountKey(em: Em, secret: string, ip: string | undefined): Promise<ServicePrincipal | null> {
  const found = await rowOf(em, serviceAccountByKey.prepared({}, { keyHashHex: hashCredential(secret).toString('hex'), ip: ip?.slice(0, 64) ?? null }));
  if (!found) return null;
  return { serviceAccount: { id: found.id, orgId: found.org_id, name: found.name, keyId: found.key_id, permissions: permissionsOf(found.role_permissions) } };
}

/** The current permissions of an active service account in an active organization (client credentials). */
export async function loadServiceAccount(em: Em, serviceAccountId: string): Promise<ServiceAccountIdentity | null> {
  const found = await rowOf(em, activeServiceAccount.prepared({}, { id: serviceAccountId }));
  return found ? { id: found.id, orgId: found.org_id, name: found.name, keyId: null, permissions: permissionsOf(found.role_permissions) } : null;
}

function permissionsOf(value: string[][] | string): ReadonlySet<string> {
  const lists: string[][] = typeof value === 'string' ? JSON.parse(value) : value;
  return effectivePermissions(lists.map((permissions) => ({ permissions })));
}

/**
 * The user object a service account's request carries, so the organization's operations (members,
 * invitations, roles, settings) run for it exactly as for a member (R23): their rule checks read
 * the actor's permissions through the credential attached here. It is no person: its id is null,
 * so nothing it writes names a user (invitations' inviter, memberships' added-by stay empty), no
 * membership or session ever matches it, and it never carries platform-admin powers. The audit
 * actor is the service account itself (context.ts). Never stored, never handed to the ORM.
 */
export function serviceAccountStandIn(sa: ServiceAccountIdentity): ServiceAccountStandIn {
  const standIn = new ServiceAccountStandIn(sa.name);
  attachCredential(standIn, { kind: 'serviceAccount', id: sa.id, name: sa.name, orgId: sa.orgId, permissions: sa.permissions });
  return standIn;
}

/** A service account's stand-in: the user fields services read, with no id (it is no person). */
export class ServiceAccountStandIn {
  readonly id = null;
  readonly email = '';
  readonly emailVerifiedAt = null;
  readonly firstName: string;
  readonly lastName = '(service account)';
  readonly authProvider = 'service-account';
  readonly mustChangePassword = false;
  readonly status = 'ACTIVE';
  readonly isPlatformAdmin = false;
  readonly createdAt = new Date(0);
  readonly lastLoginAt = null;
  constructor(name: string) {
    this.firstName = name;
  }
}

const rolePermissionsOfAccount = new ShapeCache((_: object, v: { id: string; orgId: string }) =>
  builder
    .selectFrom('service_account as s')
    .innerJoin('organization as o', (join) => join.onRef('o.id', '=', 's.org_id').on('o.status', '=', ACTIVE))
    .innerJoin('service_account_role as sr', 'sr.service_account_id', 's.id')
    .innerJoin('role as r', 'r.id', 'sr.role_id')
    .select('r.permissions')
    .where('s.id', '=', v.id)
    .where('s.org_id', '=', v.orgId)
    .where('s.status', '=', ACTIVE),
);

/**
 * For rule checks after the organization row is locked (membership.locks.ts): when the actor is a
 * service account, its roles' permissions as committed now (R2), else undefined (not one).
 */
export async function serviceAccountPermissionsAfterLock(tx: Em, orgId: string, actor: object): Promise<ReadonlySet<string> | undefined> {
  const credential = credentialOf(actor);
  if (credential?.kind !== 'serviceAccount') return undefined;
  if (credential.orgId !== orgId) return new Set<string>();
  return effectivePermissions(await rowsOf(tx, rolePermissionsOfAccount.prepared({}, { id: credential.id, orgId })));
}
