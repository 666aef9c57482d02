import { inTransaction, type Acting } from '../../acting.ts';
import type { Em } from '../../db/orm.ts';
import { AuthError, ConflictError, LimitExceededError, NotFoundError, ValidationError } from '../../errors.ts';
import { isUuid } from '../../ids.ts';
import { sql, type Selectable } from 'kysely';
import { builder, rowOf, rowsOf, ShapeCache, type DB } from '../../db/kysely.ts';
import { Role } from '../roles/role.entity.ts';
import { ServiceAccountRole } from './service-account-role.entity.ts';
import { generateCredential } from '../../auth/api-key.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { lockOrganization, permissionsAfterLock, rolesInOrg, type RoleRow, ROLE_ROW_COLUMNS } from '../memberships/membership.locks.ts';
import { requirePermission } from '../memberships/rule-errors.ts';
import { credentialOf } from '../tokens/credential.ts';
import {
  checkServiceAccountRoles,
  ROTATION_MAX_HOURS,
  SERVICE_ACCOUNT_KEY_LIMIT,
  SERVICE_ACCOUNT_LIMIT,
  validateExpiry,
  validateName,
} from './service-account.rules.ts';
import { ServiceAccount, ServiceAccountKey, type ServiceAccountStatus } from './service-account.entity.ts';

/**
 * Service accounts (R23): each change is one transaction that locks the organization row, re-reads
 * the actor's permissions after the lock (R2), applies the grant ceiling (R3) and writes its audit
 * event (R13). Only people signed in with a session manage them.
 */

const accountById = new ShapeCache((_: object, v: { id: string }) =>
  builder.selectFrom('service_account').select(['id', 'org_id', 'name', 'description', 'status']).where('id', '=', v.id),
);

type AccountRow = Pick<Selectable<DB['service_account']>, 'id' | 'org_id' | 'name' | 'description' | 'status'>;

function requireSession(acting: Acting) {
  if (!acting.user || credentialOf(acting.user)) throw new AuthError('FORBIDDEN', 'Sign in as a person to manage service accounts');
  return acting.user;
}

/** Locks the org, checks service_accounts:manage, answers the actor's permissions there. */
async function managerPerms(acting: Acting, tx: Em, orgId: string): Promise<ReadonlySet<string>> {
  await lockOrganization(tx, orgId);
  const perms = await permissionsAfterLock(tx, orgId, requireSession(acting));
  requirePermission(perms, 'service_accounts:manage');
  return perms;
}

/** The account, visible only to service_accounts:manage holders of its org: anything else is NotFound (R1). */
async function findAccount(acting: Acting, tx: Em, id: string): Promise<AccountRow> {
  if (!isUuid(id)) throw new NotFoundError('ServiceAccount');
  const found = await rowOf(tx, accountById.prepared({}, { id }));
  const itself = found !== undefined && acting.serviceAccount?.id === found.id;
  if (!found || !(itself || (await acting.can(found.org_id, 'service_accounts:manage')))) throw new NotFoundError('ServiceAccount');
  return found;
}

const rolesOfAccountQuery = new ShapeCache((_: object, v: { id: string }) =>
  builder
    .selectFrom('service_account_role as sr')
    .innerJoin('role as r', 'r.id', 'sr.role_id')
    .select(ROLE_ROW_COLUMNS)
    .where('sr.service_account_id', '=', v.id)
    .orderBy('r.position')
    .orderBy('r.name'),
);

async function rolesOfAccount(tx: Em, id: string): Promise<RoleRow[]> {
  return rowsOf(tx, rolesOfAccountQuery.prepared({}, { id }));
}

async function resolveRoles(tx: Em, orgId: string, roleIds: readonly string[], field: string[]): Promise<RoleRow[]> {
  if (roleIds.length === 0) throw ValidationError.field(field, 'Choose at least one role');
  const { roles, unknown } = await rolesInOrg(tx, orgId, roleIds);
  if (unknown.length) throw new ValidationError(unknown.map((i) => ({ path: [...field, String(i)], message: 'Not a role of this organization' })));
  return roles;
}

/** Links the roles added and unlinks the ones taken away; the unit of work writes them when the transaction flushes. */
function setRoles(tx: Em, account: ServiceAccount, current: readonly RoleRow[], next: readonly RoleRow[]) {
  const kept = new Set(next.map((r) => r.id));
  const had = new Set(current.map((r) => r.id));
  for (const r of current) if (!kept.has(r.id)) tx.remove(tx.getReference(ServiceAccountRole, [account.id, r.id]));
  for (const r of next) if (!had.has(r.id)) tx.create(ServiceAccountRole, { serviceAccount: account, role: tx.getReference(Role, r.id) });
}

const lockedAccount = new ShapeCache((_: object, v: { id: string }) => builder.selectFrom('service_account').selectAll().where('id', '=', v.id).forUpdate());

/**
 * The account row locked `for update` after its org's lock, as the unit of work's entity: a
 * concurrent delete either committed before (NotFoundError here) or waits for this transaction.
 */
async function lockAccount(tx: Em, id: string): Promise<ServiceAccount> {
  const found = await rowOf(tx, lockedAccount.prepared({}, { id }));
  if (!found) throw new NotFoundError('ServiceAccount');
  return tx.map(ServiceAccount, found);
}

const lockedKey = new ShapeCache((_: object, v: { id: string }) =>
  builder
    .selectFrom('service_account_key')
    .selectAll()
    .select(sql<Date | string>`now()`.as('db_now'))
    .where('id', '=', v.id)
    .forUpdate(),
);

/** The key row locked `for update` after its org's lock (see lockAccount), with the transaction's now(). */

async function lockKey(tx: Em, id: string): Promise<{ key: ServiceAccountKey; now: Date }> {
  const found = await rowOf(tx, lockedKey.prepared({}, { id }));
  if (!found) throw new NotFoundError('ServiceAccountKey');
  const { db_now, ...columns } = found;
  return { key: tx.map(ServiceAccountKey, columns), now: db_now instanceof Date ? db_now : new Date(db_now) };
}

const roleKeys = (roles: readonly RoleRow[]) => roles.map((r) => r.key);

export interface CreateServiceAccountInput {
  orgId: string;
  name: string;
  description: string;
  roleIds: readonly string[];
}

/** Whether the org has an account of this name (names are unique per org regardless of case). */
const nameTaken = new ShapeCache((_: object, v: { orgId: string; name: string }) =>
  builder
    .selectFrom('service_account')
    .select(sql.lit(1).as('one'))
    .where('org_id', '=', v.orgId)
    .where((eb) => eb(eb.fn<string>('lower', ['name']), '=', eb.fn<string>('lower', [eb.val(v.name)]))),
);

/** How many service accounts an org has (the limit is checked under the org's lock). */
const accountsOfOrg = (orgId: string) =>
  builder.selectFrom('service_account').select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n')).where('org_id', '=', orgId);

export async function createServiceAccount(em: Em, acting: Acting, input: CreateServiceAccountInput): Promise<ServiceAccount> {
  if (!isUuid(input.orgId)) throw new NotFoundError('Organization');
  return inTransaction(em, acting, async (tx) => {
    const perms = await managerPerms(acting, tx, input.orgId);
    const name = validateName(input.name, ['input', 'name']);
    const roles = await resolveRoles(tx, input.orgId, input.roleIds, ['input', 'roleIds']);
    checkServiceAccountRoles(perms, roles);
    const count = (await rowOf(tx, accountsOfOrg(input.orgId)))!.n;
    if (count >= SERVICE_ACCOUNT_LIMIT) throw new LimitExceededError(`At most ${SERVICE_ACCOUNT_LIMIT} service accounts per organization`, SERVICE_ACCOUNT_LIMIT);
    const taken = await rowsOf(tx, nameTaken.prepared({}, { orgId: input.orgId, name }));
    if (taken.length) throw new ConflictError('A service account with this name exists', ['input', 'name']);
    const account = tx.create(ServiceAccount, { id: crypto.randomUUID(), orgId: input.orgId, name, description: input.description.trim(), status: 'ACTIVE', createdById: acting.user!.id });
    setRoles(tx, account, [], roles);
    recordAudit(tx, acting.actor, {
      orgId: input.orgId,
      action: 'service_account.created',
      target: { type: 'ServiceAccount', id: account.id, label: name },
      after: { name, description: input.description.trim(), roles: roleKeys(roles) },
    });
    return account;
  });
}

/** Replaces the whole role set; the actor must be able to grant what is added and take away what is removed (R3). */
export async function setServiceAccountRoles(em: Em, acting: Acting, id: string, roleIds: readonly string[]): Promise<ServiceAccount> {
  return inTransaction(em, acting, async (tx) => {
    const account = await findAccount(acting, tx, id);
    const perms = await managerPerms(acting, tx, account.org_id);
    const locked = await lockAccount(tx, account.id);
    const current = await rolesOfAccount(tx, account.id);
    const next = await resolveRoles(tx, account.org_id, roleIds, ['roleIds']);
    const changed = [...next.filter((r) => !current.some((c) => c.id === r.id)), ...current.filter((c) => !next.some((r) => r.id === c.id))];
    checkServiceAccountRoles(perms, changed);
    if (changed.length === 0) return locked;
    setRoles(tx, locked, current, next);
    recordAudit(tx, acting.actor, {
      orgId: account.org_id,
      action: 'service_account.roles_changed',
      target: { type: 'ServiceAccount', id: account.id, label: account.name },
      before: { roles: roleKeys(current) },
      after: { roles: roleKeys(next), added: roleKeys(next.filter((r) => !current.some((c) => c.id === r.id))), removed: roleKeys(current.filter((c) => !next.some((r) => r.id === c.id))) },
    });
    return locked;
  });
}

/** Disabling stops every key and access token of the account on its next request (R2, R10). */
export async function setServiceAccountStatus(em: Em, acting: Acting, id: string, status: ServiceAccountStatus): Promise<ServiceAccount> {
  return inTransaction(em, acting, async (tx) => {
    const account = await findAccount(acting, tx, id);
    const perms = await managerPerms(acting, tx, account.org_id);
    const locked = await lockAccount(tx, account.id);
    checkServiceAccountRoles(perms, await rolesOfAccount(tx, account.id));
    const before = locked.status;
    if (before === status) return locked;
    locked.status = status;
    recordAudit(tx, acting.actor, {
      orgId: account.org_id,
      action: status === 'DISABLED' ? 'service_account.disabled' : 'service_account.enabled',
      target: { type: 'ServiceAccount', id: account.id, label: locked.name },
      before: { status: before },
      after: { status },
    });
    return locked;
  });
}

export async function deleteServiceAccount(em: Em, acting: Acting, id: string): Promise<string> {
  return inTransaction(em, acting, async (tx) => {
    const account = await findAccount(acting, tx, id);
    const perms = await managerPerms(acting, tx, account.org_id);
    const locked = await lockAccount(tx, account.id);
    const roles = await rolesOfAccount(tx, account.id);
    checkServiceAccountRoles(perms, roles);
    // Its keys and role links go with it: the foreign keys cascade.
    tx.remove(locked);
    recordAudit(tx, acting.actor, {
      orgId: account.org_id,
      action: 'service_account.deleted',
      target: { type: 'ServiceAccount', id: account.id, label: locked.name },
      before: { name: locked.name, roles: roleKeys(roles) },
    });
    return account.id;
  });
}

/** How many keys of an account are live: not revoked, not expired. */
const liveKeysOf = (accountId: string) =>
  builder
    .selectFrom('service_account_key')
    .select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n'))
    .where((eb) => eb.and([eb('service_account_id', '=', accountId), eb('revoked_at', 'is', null), eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)])]));

async function issueKey(acting: Acting, tx: Em, account: AccountRow, name: string, expiresAt: Date | null) {
  const live = (await rowOf(tx, liveKeysOf(account.id)))!.n;
  if (live >= SERVICE_ACCOUNT_KEY_LIMIT) throw new LimitExceededError(`At most ${SERVICE_ACCOUNT_KEY_LIMIT} live keys per service account`, SERVICE_ACCOUNT_KEY_LIMIT);
  const { secret, hash, hint } = generateCredential('serviceAccountKey');
  const key = tx.create(ServiceAccountKey, {
    id: crypto.randomUUID(), orgId: account.org_id, serviceAccountId: account.id, name, keyHash: hash, hint, expiresAt, createdById: acting.user?.id ?? null,
  });
  return { key, secret };
}

/** A new API key, shown once. Issuing hands out the account's power, so its roles must be within the actor's own (R3). */
export async function createServiceAccountKey(em: Em, acting: Acting, serviceAccountId: string, input: { name: string; expiresInDays: number | null }) {
  return inTransaction(em, acting, async (tx) => {
    const account = await findAccount(acting, tx, serviceAccountId);
    const perms = await managerPerms(acting, tx, account.org_id);
    checkServiceAccountRoles(perms, await rolesOfAccount(tx, account.id));
    const name = validateName(input.name, ['input', 'name']);
    const expiresAt = validateExpiry(input.expiresInDays, ['input', 'expiresInDays']);
    // An account deleted meanwhile fails the key's foreign key at the flush: NotFoundError (db/retry.ts).
    const key = await issueKey(acting, tx, account, name, expiresAt);
    recordAudit(tx, acting.actor, {
      orgId: account.org_id,
      action: 'service_account.key_created',
      target: { type: 'ServiceAccount', id: account.id, label: account.name },
      after: { keyId: key.key.id, name, expiresAt: expiresAt?.toISOString() ?? null },
    });
    return key;
  });
}

type KeyRow = Pick<Selectable<DB['service_account_key']>, 'id' | 'service_account_id' | 'name' | 'expires_at' | 'revoked_at' | 'created_at'>;

const keyById = new ShapeCache((_: object, v: { id: string }) =>
  builder.selectFrom('service_account_key').select(['id', 'service_account_id', 'name', 'expires_at', 'revoked_at', 'created_at']).where('id', '=', v.id),
);

async function findKey(acting: Acting, tx: Em, keyId: string): Promise<{ key: KeyRow; account: AccountRow }> {
  if (!isUuid(keyId)) throw new NotFoundError('ServiceAccountKey');
  const key = await rowOf(tx, keyById.prepared({}, { id: keyId }));
  if (!key) throw new NotFoundError('ServiceAccountKey');
  try {
    return { key, account: await findAccount(acting, tx, key.service_account_id) };
  } catch (error) {
    if (error instanceof NotFoundError) throw new NotFoundError('ServiceAccountKey');
    throw error;
  }
}

/**
 * Rotation with overlap: a new key now, and the old one keeps working for `overlapHours` (0: stops
 * now), so the service can switch without an outage.
 */
export async function rotateServiceAccountKey(em: Em, acting: Acting, keyId: string, overlapHours: number) {
  if (!Number.isInteger(overlapHours) || overlapHours < 0 || overlapHours > ROTATION_MAX_HOURS) {
    throw ValidationError.field(['overlapHours'], `Between 0 and ${ROTATION_MAX_HOURS} hours`);
  }
  return inTransaction(em, acting, async (tx) => {
    const { key, account } = await findKey(acting, tx, keyId);
    if (acting.serviceAccount) {
      // A service account rotates its own keys, nobody else's: no power changes hands.
      if (acting.serviceAccount.id !== account.id) throw new NotFoundError('ServiceAccountKey');
      await lockOrganization(tx, account.org_id);
    } else {
      checkServiceAccountRoles(await managerPerms(acting, tx, account.org_id), await rolesOfAccount(tx, account.id));
    }
    // Read again under the lock: a concurrent revoke or rotation may have won.
    const { key: old } = await lockKey(tx, key.id);
    const expiresAt = old.expiresAt ?? null;
    if (old.revokedAt || (expiresAt && expiresAt.getTime() <= Date.now())) throw new ConflictError('This key no longer works; create a new one', ['keyId']);
    const oldUntil = new Date(Date.now() + overlapHours * 3_600_000);
    const until = expiresAt && expiresAt < oldUntil ? expiresAt : oldUntil;
    old.expiresAt = until;
    // The new key gets the old one's lifetime from now: no expiry stays no expiry.
    const lifetime = expiresAt ? expiresAt.getTime() - old.createdAt.getTime() : null;
    const key2 = await issueKey(acting, tx, account, old.name, lifetime === null ? null : new Date(Date.now() + lifetime));
    recordAudit(tx, acting.actor, {
      orgId: account.org_id,
      action: 'service_account.key_rotated',
      target: { type: 'ServiceAccount', id: account.id, label: account.name },
      before: { keyId: old.id, expiresAt: expiresAt?.toISOString() ?? null },
      after: { keyId: key2.key.id, previousKeyExpiresAt: until.toISOString() },
    });
    return key2;
  });
}

/** Revoking a revoked key changes nothing (a concurrent revoke that won wrote the event). Answers the key as it now is. */
export async function revokeServiceAccountKey(em: Em, acting: Acting, keyId: string): Promise<ServiceAccountKey> {
  return inTransaction(em, acting, async (tx) => {
    const { key, account } = await findKey(acting, tx, keyId);
    await managerPerms(acting, tx, account.org_id);
    const { key: locked, now } = await lockKey(tx, key.id);
    if (!locked.revokedAt) {
      locked.revokedAt = now;
      recordAudit(tx, acting.actor, {
        orgId: account.org_id,
        action: 'service_account.key_revoked',
        target: { type: 'ServiceAccount', id: account.id, label: account.name },
        before: { keyId: key.id, name: key.name },
      });
    }
    return locked;
  });
}
