import { effectivePermissions, isOwnerRole, PERMISSION_KEYS } from '@gatehouse/permissions';
import { LockMode } from '@mikro-orm/core';
import type { Em } from '../../db/orm.ts';
import { Organization } from '../organizations/organization.entity.ts';
import { User } from '../users/user.entity.ts';
import { Role } from '../roles/role.entity.ts';
import { Membership } from './membership.entity.ts';
import { NotFoundError } from '../../errors.ts';
import { jsonColumn, row, statement } from '../../db/sql.ts';
import { sql, type ExpressionBuilder } from 'kysely';
import { ACTIVE, anyOf, builder, rowOf, rowsOf, ShapeCache, type DB } from '../../db/kysely.ts';
import { NO_ID } from '../../ids.ts';

import { credentialOf, restrictToCredential } from '../tokens/credential.ts';
import { serviceAccountPermissionsAfterLock } from '../service-accounts/service-account.principal.ts';

/**
 * Reads that rule checks depend on. They run as SQL inside the service's transaction after the org
 * row is locked, so they see the latest committed state (never a cached entity).
 */

/**
 * Whose permissions a rule check reads: a person, or a service account's stand-in (R23), whose null
 * id matches no membership row (its permissions come from its roles, through its credential).
 */
export interface RuleActor {
  id: string | null;
  isPlatformAdmin: boolean;
}

export interface LockedOrg {
  id: string;
  slug: string;
  name: string;
  status: 'ACTIVE' | 'DISABLED';
}

export interface RoleRow {
  id: string;
  key: string;
  name: string;
  permissions: string[];
  builtin: boolean;
}

/** The columns of a `RoleRow`, from a role aliased `r`. */
export const ROLE_ROW_COLUMNS = ['r.id', 'r.key', 'r.name', 'r.permissions', 'r.builtin'] as const;

export interface MembershipRow {
  id: string;
  org_id: string;
  user_id: string;
  status: 'ACTIVE' | 'DISABLED';
  email: string;
  user_status: 'ACTIVE' | 'DISABLED';
}

/** R5: serializes every change that could affect an org's owners. */
export async function lockOrganization(tx: Em, orgId: string): Promise<Organization> {
  // The ORM's pessimistic lock (select … for update), refreshed so the entity the unit of work
  // holds from here on is the row as it is under the lock, not an earlier read of this request.
  const org = await tx.findOne(Organization, { id: orgId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  if (!org) throw new NotFoundError('Organization');
  return org;
}

/** A membership with its account's address and status; the two shapes: by id, or by organization and account. */
const membershipWithAccount = new ShapeCache((shape: { by: 'id' | 'orgAndUser' }, v: { id: string; orgId: string; userId: string }) =>
  builder
    .selectFrom('membership as m')
    .innerJoin('user as u', 'u.id', 'm.user_id')
    .select(['m.id', 'm.org_id', 'm.user_id', 'm.status', 'u.email', 'u.status as user_status'])
    .$if(shape.by === 'id', (qb) => qb.where('m.id', '=', v.id))
    .$if(shape.by === 'orgAndUser', (qb) => qb.where('m.org_id', '=', v.orgId).where('m.user_id', '=', v.userId)),
);

export function findMembership(tx: Em, membershipId: string): Promise<MembershipRow | undefined> {
  return rowOf(tx, membershipWithAccount.prepared({ by: 'id' }, { id: membershipId, orgId: '', userId: '' }));
}

export function findMembershipOf(tx: Em, orgId: string, userId: string): Promise<MembershipRow | undefined> {
  return rowOf(tx, membershipWithAccount.prepared({ by: 'orgAndUser' }, { id: '', orgId, userId }));
}

/** A membership's roles, in the organization's role order. */
const rolesOfMembershipQuery = new ShapeCache((_: object, v: { membershipId: string }) =>
  builder
    .selectFrom('membership_role as mr')
    .innerJoin('role as r', 'r.id', 'mr.role_id')
    .select(ROLE_ROW_COLUMNS)
    .where('mr.membership_id', '=', v.membershipId)
    .orderBy('r.position')
    .orderBy('r.name'),
);

export function rolesOfMembership(tx: Em, membershipId: string): Promise<RoleRow[]> {
  return rowsOf(tx, rolesOfMembershipQuery.prepared({}, { membershipId }));
}

/** Whole role rows of an organization among the given ids: one text for any number of ids. */
const rolesByIdInOrg = new ShapeCache((_: object, v: { orgId: string; ids: readonly string[] }) =>
  builder.selectFrom('role').selectAll().where('org_id', '=', v.orgId).where((eb) => eb('id', '=', anyOf(eb, v.ids))),
);

/** Roles of the org with the given ids (whole rows); ids that are not roles of this org are reported by index. */
export async function rolesInOrg(tx: Em, orgId: string, roleIds: readonly string[]): Promise<{ roles: RoleRow[]; unknown: number[] }> {
  const valid = roleIds.filter((id) => UUID.test(id));
  return pickRoles(roleIds, valid.length ? await rowsOf(tx, rolesByIdInOrg.prepared({}, { orgId, ids: valid })) : []);
}

/**
 * An active member's membership in an active organization, one row per role (a membership without
 * roles: one row, permissions null). Read after the lock by rule checks and token creation (R2).
 */
const activeMembershipRolesQuery = new ShapeCache((_: object, v: { orgId: string; userId: string }) =>
  builder
    .selectFrom('membership as m')
    .innerJoin('organization as o', 'o.id', 'm.org_id')
    .leftJoin('membership_role as mr', 'mr.membership_id', 'm.id')
    .leftJoin('role as r', 'r.id', 'mr.role_id')
    .select(['m.id', 'r.permissions'])
    .where('m.org_id', '=', v.orgId)
    .where('m.user_id', '=', v.userId)
    .where('m.status', '=', ACTIVE)
    .where('o.status', '=', ACTIVE),
);

export function activeMembershipRoles(tx: Em, orgId: string, userId: string | null) {
  return rowsOf(tx, activeMembershipRolesQuery.prepared({}, { orgId, userId: userId ?? NO_ID }));
}

/** The rows of `activeMembershipRoles` that carry a role. */
export const withRole = <R extends { permissions: string[] | null }>(row: R): row is R & { permissions: string[] } => row.permissions !== null;

/** The actor's permissions in the org, read after the lock (platform admins hold every permission). */
export async function permissionsAfterLock(tx: Em, orgId: string, user: RuleActor): Promise<ReadonlySet<string>> {
  if (user.isPlatformAdmin) return actorPermissions([], orgId, user);
  // A service account (R23) holds its own roles, not a membership's.
  const asServiceAccount = await serviceAccountPermissionsAfterLock(tx, orgId, user);
  if (asServiceAccount) return asServiceAccount;
  const rows = (await activeMembershipRoles(tx, orgId, user.id)).filter(withRole);
  return actorPermissions(rows, orgId, user);
}

/** The actor's permissions from the permission lists of their roles in the org. */
export function actorPermissions(rows: readonly { permissions: string[] }[], orgId: string, user: RuleActor): ReadonlySet<string> {
  if (user.isPlatformAdmin) return new Set(PERMISSION_KEYS);
  // A personal access token acts with at most its subset (R23), in rule checks as in scopes.
  return restrictToCredential(credentialOf(user), orgId, effectivePermissions(rows)) ?? new Set<string>();
}

/**
 * The permission lists of the actor's roles (user $2) in the organization of the membership `m`,
 * while both are active: what the statements read under the lock to decide with (actorPermissions).
 */
export const ACTOR_ROLES_IN_ORG_OF_M = `coalesce((select json_agg(json_build_object('permissions', r.permissions))
                      from membership am
                      join organization o on o.id = am.org_id
                      join membership_role mr on mr.membership_id = am.id
                      join role r on r.id = mr.role_id
                     where am.org_id = m.org_id and am.user_id = $2 and am.status = 'ACTIVE' and o.status = 'ACTIVE'), '[]')`;

const lockOrgOfMembership = statement(
  'lock_org_of_membership',
  `select o.id, o.slug, o.name, o.status, to_jsonb(o) as org_row from organization o
    where o.id = (select m.org_id from membership m where m.id = $1) for update of o`,
);

/**
 * The membership (its row locked too: an account deletion cascades to memberships without taking the
 * organization's lock, and must not remove the row between this read and the unit of work's write),
 * its account, its roles and the actor's role permissions in its org, read after the lock. (A role
 * change reads the same with views instead of entities: membership.role-change.ts.)
 */
const membershipUnderLock = statement(
  'membership_under_lock',
  `select m.id, m.org_id, m.user_id, m.status, u.email, u.status as user_status, to_jsonb(m) as membership_row, to_jsonb(u) as user_row,
          coalesce((select json_agg(to_jsonb(r) order by r.position, r.name)
                      from membership_role mr join role r on r.id = mr.role_id where mr.membership_id = m.id), '[]') as roles,
          ${ACTOR_ROLES_IN_ORG_OF_M} as actor_roles
     from membership m join "user" u on u.id = m.user_id where m.id = $1
      for no key update of m`,
);

export interface LockedMembership {
  org: LockedOrg;
  membership: MembershipRow;
  /**
   * The same membership as an entity of the transaction's unit of work, with its roles (whole role
   * entities): changes made to it are written at flush, and the identity map holds it as written.
   */
  entity: Membership;
  /** The rows as stored under the lock (membership, its organization and account), for the response. */
  membershipRow: Record<string, unknown>;
  orgRow: Record<string, unknown>;
  userRow: Record<string, unknown>;
  /** Its roles, in the preset's order. */
  roles: RoleRow[];
  actorPerms: ReadonlySet<string>;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * R5: locks the organization of a membership, then reads the membership with its roles and the
 * actor's permissions there: two statements, the second seeing every change committed before the
 * lock.
 */
export async function lockMembershipOf(
  tx: Em,
  membershipId: string,
  user: RuleActor,
): Promise<LockedMembership | undefined> {
  const locked = await row<LockedOrg & { org_row: Record<string, unknown> | string }>(tx, lockOrgOfMembership, [membershipId]);
  if (!locked) return undefined;
  const { org_row, ...org } = locked;
  const found = await row<MembershipRow & { membership_row: Record<string, unknown> | string; user_row: Record<string, unknown> | string; roles: (RoleRow & Record<string, unknown>)[] | string; actor_roles: { permissions: string[] }[] | string }>(
    tx,
    membershipUnderLock,
    [membershipId, user.id],
  );
  if (!found) return undefined;
  const { membership_row, user_row, roles: roleRows, actor_roles, ...membership } = found;
  const membershipRow = jsonColumn<Record<string, unknown>>(membership_row);
  const orgRow = jsonColumn<Record<string, unknown>>(org_row);
  const roles = jsonColumn<(RoleRow & Record<string, unknown>)[]>(roleRows);
  // Into the unit of work as read under the lock (em.map refreshes what the identity map held).
  tx.map(Organization, orgRow);
  tx.map(User, jsonColumn(user_row));
  const entity = tx.map(Membership, { ...membershipRow, roles: roles.map((r) => tx.map(Role, r)) });
  return {
    org,
    membership,
    entity,
    membershipRow,
    orgRow,
    userRow: jsonColumn(user_row),
    roles,
    actorPerms: (await serviceAccountPermissionsAfterLock(tx, org.id, user)) ?? actorPermissions(jsonColumn(actor_roles), org.id, user),
  };
}

/** The roles named by `roleIds` among `found` (the org's roles with those ids), in request order without repeats; unknown ids by index. */
export function pickRoles<R extends RoleRow>(roleIds: readonly string[], found: readonly R[]): { roles: R[]; unknown: number[] } {
  const byId = new Map(found.map((r) => [r.id, r]));
  const unknown = roleIds.flatMap((id, i) => (byId.has(id) ? [] : [i]));
  return { roles: [...new Set(roleIds)].flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])), unknown };
}

/** Role `r` holds org:own, directly or through `org:*` / `*` (what isOwnerRole checks): narrows the rows read, isOwnerRole decides. */
export const holdsOrgOwn = (eb: ExpressionBuilder<DB & { r: DB['role'] }, 'r'>) =>
  eb.or((['org:own', 'org:*', '*'] as const).map((key) => eb(sql.lit<string>(key), '=', eb.fn<string>('any', ['r.permissions']))));

const ownerCandidates = new ShapeCache((_: object, v: { orgId: string }) =>
  builder
    .selectFrom('membership as m')
    .innerJoin('user as u', 'u.id', 'm.user_id')
    .innerJoin('membership_role as mr', 'mr.membership_id', 'm.id')
    .innerJoin('role as r', 'r.id', 'mr.role_id')
    .select(['m.id', 'r.permissions'])
    .where('m.org_id', '=', v.orgId)
    .where('m.status', '=', ACTIVE)
    .where('u.status', '=', ACTIVE)
    .where(holdsOrgOwn),
);

/** Active memberships of active users that hold org:own through any role (R5). */
export async function activeOwnerMembershipIds(tx: Em, orgId: string): Promise<string[]> {
  const rows = await rowsOf(tx, ownerCandidates.prepared({}, { orgId }));
  return [...new Set(rows.filter((r) => isOwnerRole(r)).map((r) => r.id))];
}

/**
 * A new active membership with the given roles (rows read in this transaction), in the unit of work:
 * written at the next flush, with its role links as one multi-row insert.
 */
export function createMembership(
  tx: Em,
  input: { orgId: string; userId: string; roles: readonly RoleRow[]; addedById: string | null },
): Membership {
  return tx.create(Membership, {
    id: crypto.randomUUID(),
    organization: tx.getReference(Organization, input.orgId),
    user: tx.getReference(User, input.userId),
    status: 'ACTIVE',
    addedById: input.addedById,
    roles: input.roles.map((r) => tx.map(Role, { ...r })),
  });
}

/**
 * createMembership for callers that go on reading the membership's roles with SQL in the same
 * transaction (an invitation's resource grants are capped by them, R19): flushed at once.
 */
export async function insertMembership(
  tx: Em,
  input: { orgId: string; userId: string; roleIds: readonly string[]; addedById: string | null },
): Promise<string> {
  const membership = tx.create(Membership, {
    id: crypto.randomUUID(),
    organization: tx.getReference(Organization, input.orgId),
    user: tx.getReference(User, input.userId),
    status: 'ACTIVE',
    addedById: input.addedById,
    roles: input.roleIds.map((id) => tx.getReference(Role, id)),
  });
  await tx.flush();
  return membership.id;
}
