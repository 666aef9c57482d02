import {
  PERMISSION_KEYS,
  canRenameResource,
  effectivePermissions,
  checkResourceGrantChange,
  describeResourceGrantProblem,
  findResourceType,
  permissionOf,
  permissionsOnResource,
  renamePermissionOf,
  resourceRolePermissions,
  type Preset,
  type ResourceGrantProblem,
  type ResourceTypeDef,
} from '@gatehouse/permissions';
import { inTransaction, type Acting } from '../../acting.ts';
import type { Em } from '../../db/orm.ts';
import { AuthError, GrantCeilingError, NotFoundError, ResourceRoleCapError, SelfRoleChangeError, ValidationError } from '../../errors.ts';
import { sql, type Expression, type ExpressionBuilder, type Selectable, type SqlBool } from 'kysely';
import { ACTIVE, anyOf, builder, type DB, rowOf as firstRowOf, rowsOf, ShapeCache } from '../../db/kysely.ts';
import { Resource, ResourceGrant } from './resource.entity.ts';
import { Organization } from '../organizations/organization.entity.ts';
import { Membership } from '../memberships/membership.entity.ts';
import { User } from '../users/user.entity.ts';
import { isUuid, NO_ID } from '../../ids.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { findMembership, lockOrganization, permissionsAfterLock, type RuleActor } from '../memberships/membership.locks.ts';
import { credentialOf, restrictToCredential } from '../tokens/credential.ts';

export const RESOURCE_NAME_MAX = 100;

export type ResourceRow = Selectable<DB['resource']>;

export type ResourceGrantRow = Selectable<DB['resource_grant']>;


const resourceById = new ShapeCache((_: object, v: { id: string }) => builder.selectFrom('resource').selectAll().where('id', '=', v.id));

/** The resource's row locked `for update` (lockResource): nothing deletes or renames it before the transaction ends. */
const lockedResourceById = new ShapeCache((_: object, v: { id: string }) => builder.selectFrom('resource').selectAll().where('id', '=', v.id).forUpdate());

const grantsOfResource = new ShapeCache((_: object, v: { resourceId: string }) =>
  builder.selectFrom('resource_grant').selectAll().where('resource_id', '=', v.resourceId).orderBy('created_at').orderBy('membership_id'),
);

/** One member's grant on one resource. */
const grantOf = new ShapeCache((_: object, v: { resourceId: string; membershipId: string }) =>
  builder.selectFrom('resource_grant').selectAll().where('resource_id', '=', v.resourceId).where('membership_id', '=', v.membershipId),
);

const grantRoleKey = new ShapeCache((_: object, v: { resourceId: string; membershipId: string }) =>
  builder.selectFrom('resource_grant').select('role_key').where('resource_id', '=', v.resourceId).where('membership_id', '=', v.membershipId),
);

/** The active membership of an active user in an active org: a row per role (one with null role columns when it has none). */
const standingRows = new ShapeCache((_: object, v: { orgId: string; userId: string }) =>
  builder
    .selectFrom('membership as m')
    .innerJoin('user as u', 'u.id', 'm.user_id')
    .innerJoin('organization as o', 'o.id', 'm.org_id')
    .leftJoin('membership_role as mr', 'mr.membership_id', 'm.id')
    .leftJoin('role as r', 'r.id', 'mr.role_id')
    .select(['m.id as membership_id', 'r.key', 'r.permissions'])
    .where('m.org_id', '=', v.orgId)
    .where('m.user_id', '=', v.userId)
    .where('m.status', '=', ACTIVE)
    .where('u.status', '=', ACTIVE)
    .where('o.status', '=', ACTIVE),
);

/** The org role keys of a membership (the target's cap in a grant change). */
const roleKeysOfMembership = new ShapeCache((_: object, v: { membershipId: string }) =>
  builder.selectFrom('membership_role as mr').innerJoin('role as r', 'r.id', 'mr.role_id').select('r.key').where('mr.membership_id', '=', v.membershipId),
);

export function resourceType(preset: Preset, type: string): ResourceTypeDef | undefined {
  return findResourceType(preset, type);
}

/** Org permission namespace of a resource type (project → projects); unknown types fall back to `<type>s`. */
export function permissionPrefixOf(preset: Preset, type: string): string {
  return resourceType(preset, type)?.permissionPrefix ?? `${type}s`;
}

export async function findResource(em: Em, resourceId: string): Promise<ResourceRow | undefined> {
  if (!isUuid(resourceId)) return undefined;
  return firstRowOf(em, resourceById.prepared({}, { id: resourceId }));
}

export async function grantsOf(em: Em, resourceId: string): Promise<ResourceGrantRow[]> {
  return rowsOf(em, grantsOfResource.prepared({}, { resourceId }));
}

// ---------------------------------------------------------------- who holds what (R2: read per request)

/** A user's standing in one org, for resource rules: org permissions, org role keys (for the cap), membership. */
export interface OrgStanding {
  orgId: string;
  /** Null for a service account (R23): no membership, so no resource role and no creator role. */
  userId: string | null;
  membershipId: string | null;
  orgPerms: ReadonlySet<string>;
  orgRoleKeys: string[];
  isPlatformAdmin: boolean;
}

/**
 * Reads the standing inside or outside a transaction. Only an active membership of an active user in
 * an active org counts (permissionsAfterLock); a personal access token keeps to its subset (R23).
 */
export async function standingIn(em: Em, orgId: string, user: RuleActor): Promise<OrgStanding> {
  // A service account holds its own roles, not a membership's: permissionsAfterLock knows them (R23).
  if (credentialOf(user)?.kind === 'serviceAccount') {
    return { orgId, userId: user.id, membershipId: null, orgPerms: await permissionsAfterLock(em, orgId, user), orgRoleKeys: [], isPlatformAdmin: false };
  }
  // One statement: the membership with its roles' keys and permissions (org permissions and the cap's keys).
  // An actor without an id is no member: the nil UUID matches no row, as a bound null did.
  const roleRows = isUuid(orgId) ? await rowsOf(em, standingRows.prepared({}, { orgId, userId: user.id ?? NO_ID })) : [];
  // As permissionsAfterLock: a platform admin holds the catalog; a personal access token keeps to its subset (R23).
  const held = effectivePermissions(roleRows.flatMap((r) => (r.permissions ? [{ permissions: r.permissions }] : [])));
  const orgPerms = !isUuid(orgId)
    ? new Set<string>()
    : user.isPlatformAdmin
      ? new Set<string>(PERMISSION_KEYS)
      : (restrictToCredential(credentialOf(user), orgId, held) ?? new Set<string>());
  return {
    orgId,
    userId: user.id,
    membershipId: roleRows[0]?.membership_id ?? null,
    orgPerms,
    orgRoleKeys: roleRows.flatMap((r) => (r.key ? [r.key] : [])),
    isPlatformAdmin: user.isPlatformAdmin,
  };
}

/** Resource roles a standing holds on one resource: its grant and, for the creator, the creator role. */
function heldRoleKeys(standing: OrgStanding, def: ResourceTypeDef, resource: ResourceRow, grantRoleKey: string | undefined): string[] {
  const keys: string[] = [];
  if (resource.created_by_id === standing.userId && def.creatorRoleKey && standing.membershipId) keys.push(def.creatorRoleKey);
  if (grantRoleKey && standing.membershipId) keys.push(grantRoleKey);
  return keys;
}

async function grantRoleKeyOf(em: Em, resourceId: string, membershipId: string | null): Promise<string | undefined> {
  if (!membershipId) return undefined;
  return (await firstRowOf(em, grantRoleKey.prepared({}, { resourceId, membershipId })))?.role_key;
}

/** Everything the standing holds on one resource: org permissions ∪ capped resource-role permissions (R19). */
export async function permissionsOn(em: Em, standing: OrgStanding, resource: ResourceRow, preset: Preset, user: object): Promise<ReadonlySet<string>> {
  const def = resourceType(preset, resource.type);
  if (!def || resource.org_id !== standing.orgId) return new Set();
  const held = heldRoleKeys(standing, def, resource, await grantRoleKeyOf(em, resource.id, standing.membershipId));
  const perms = permissionsOnResource(standing.orgPerms, { def, orgRoleKeys: standing.orgRoleKeys, roleKeys: held });
  return restrictToCredential(credentialOf(user), standing.orgId, perms) ?? new Set();
}

/**
 * Permissions a user holds on one resource through resource roles only (capped by their org roles).
 * Used by `can(resourceId:)`, which adds the org permissions itself.
 */
export async function resourcePermissions(em: Em, orgId: string, userId: string | null, resourceId: string, preset: Preset): Promise<Set<string>> {
  if (!isUuid(orgId) || !isUuid(resourceId)) return new Set();
  const resource = await findResource(em, resourceId);
  if (!resource || resource.org_id !== orgId) return new Set();
  const def = resourceType(preset, resource.type);
  if (!def) return new Set();
  const standing = await standingIn(em, orgId, { id: userId, isPlatformAdmin: false });
  if (!standing.membershipId) return new Set();
  const held = heldRoleKeys(standing, def, resource, await grantRoleKeyOf(em, resource.id, standing.membershipId));
  return resourceRolePermissions({ def, orgRoleKeys: standing.orgRoleKeys, roleKeys: held });
}

/** A resource as listed for one viewer: the row and the role their membership was granted on it. */
export interface VisibleResourceRow extends ResourceRow {
  grant_role: string | null;
  /** `type` and `name` joined: the keyset's sort value. */
  sort_key: string;
}

/** Which rows of one type a standing may read: the type, and unless it is read whole, who may read. */
interface ReadablePlan {
  type: string;
  /** The creator reads their own (the creator role gives read after the cap). */
  creator: string | null;
  /** Grant roles that give read after the cap. */
  grantKeys: string[];
  whole: boolean;
}

/**
 * Which rows of one type a standing may read: every row when the org role holds `<prefix>:read`, else
 * the rows they created (when the creator role gives read after the cap) or were granted a role that
 * gives read after the cap; undefined when none. Computed from the pure rules, so the list agrees
 * with `permissionsOn` row by row (R1, R19).
 */
function readablePlan(standing: OrgStanding, def: ResourceTypeDef): ReadablePlan | undefined {
  const read = permissionOf(def, 'read');
  if (standing.orgPerms.has(read)) return { type: def.key, creator: null, grantKeys: [], whole: true };
  if (!standing.membershipId) return undefined;
  const gives = (roleKey: string) => resourceRolePermissions({ def, orgRoleKeys: standing.orgRoleKeys, roleKeys: [roleKey] }).has(read);
  const creator = def.creatorRoleKey && gives(def.creatorRoleKey) ? standing.userId : null;
  const grantKeys = def.roles.map((r) => r.key).filter(gives);
  return creator !== null || grantKeys.length ? { type: def.key, creator, grantKeys, whole: false } : undefined;
}

type Listed = ExpressionBuilder<DB & { r: DB['resource']; g: DB['resource_grant'] }, 'r' | 'g'>;

/** A plan as terms over `r` (resource) and `g` (the standing's grant on it). */
function readableTerm(eb: Listed, plan: ReadablePlan): Expression<SqlBool> {
  const type = eb('r.type', '=', plan.type);
  if (plan.whole) return type;
  const either: Expression<SqlBool>[] = [];
  if (plan.creator !== null) either.push(eb('r.created_by_id', '=', plan.creator));
  if (plan.grantKeys.length) either.push(eb('g.role_key', '=', anyOf(eb, plan.grantKeys, 'text')));
  return eb.and([type, eb.or(either)]);
}


/** The plans of the types asked for that the standing may read anything of. */
function readablePlans(standing: OrgStanding, preset: Preset, type: string | null | undefined): ReadablePlan[] {
  if (standing.orgPerms.size === 0) return [];
  return preset.policy.resourceTypes.filter((d) => !type || d.key === type).flatMap((d) => readablePlan(standing, d) ?? []);
}

/** The org's resources the plans let the standing read, each with the standing's grant on it (`g`). */
function visibleFrom(standing: OrgStanding, plans: ReadablePlan[]) {
  return builder
    .selectFrom('resource as r')
    .leftJoin('resource_grant as g', (join) => join.onRef('g.resource_id', '=', 'r.id').on('g.membership_id', '=', standing.membershipId ?? NO_ID))
    .where('r.org_id', '=', standing.orgId)
    .where((eb) => eb.or(plans.map((plan) => readableTerm(eb, plan))));
}

/**
 * R1 within the org, one page: the resources of the standing's org it may read, ordered by type, name
 * and id (keyset `after`), with the viewer's grant on each, in one statement. Types whose
 * `<prefix>:read` the org role holds come whole; of the others only those the user created or was
 * granted (OEC's restricted developers, Spaces' Editors and Operators), with the cap applied.
 */
export async function visibleResourcePage(
  em: Em,
  standing: OrgStanding,
  preset: Preset,
  options: { type?: string | null; first?: number; after?: [string | null, string] } = {},
): Promise<VisibleResourceRow[]> {
  const plans = readablePlans(standing, preset, options.type);
  if (plans.length === 0) return [];
  // The cursor's sort value is the type and the name joined by a newline.
  const sort = options.after?.[0] ?? '';
  const cut = sort.indexOf('\n');
  const query = visibleFrom(standing, plans)
    .selectAll('r')
    .select((eb) => ['g.role_key as grant_role', eb(eb('r.type', '||', sql<string>`chr(10)`), '||', eb.ref('r.name')).as('sort_key')])
    .$if(options.after !== undefined, (qb) =>
      qb.where((eb) =>
        eb(eb.refTuple('r.type', 'r.name', 'r.id'), '>', eb.tuple(cut < 0 ? sort : sort.slice(0, cut), cut < 0 ? '' : sort.slice(cut + 1), eb.cast<string>(eb.val(options.after![1]), 'uuid'))),
      ),
    )
    .orderBy('r.type')
    .orderBy('r.name')
    .orderBy('r.id')
    .$if(options.first !== undefined, (qb) => qb.limit(options.first! + 1))
    .$castTo<VisibleResourceRow>();
  return rowsOf(em, query);
}

/** Every resource of the org the standing may read (the plain list; see visibleResourcePage). */
export async function visibleResources(em: Em, standing: OrgStanding, preset: Preset, type?: string | null): Promise<VisibleResourceRow[]> {
  return visibleResourcePage(em, standing, preset, { type });
}

/** How many resources the standing may read (the connection's totalCount). */
export async function countVisibleResources(em: Em, standing: OrgStanding, preset: Preset, type?: string | null): Promise<number> {
  const plans = readablePlans(standing, preset, type);
  if (plans.length === 0) return 0;
  const counted = await firstRowOf(em, visibleFrom(standing, plans).select((eb) => eb.fn.countAll<string | number>().as('n')));
  return Number(counted?.n ?? 0);
}

/**
 * What the viewer holds on a listed resource, from the row's joined grant: no further statement
 * (org permissions ∪ capped resource roles, within a token's subset, as in `permissionsOn`).
 */
export function permissionsOnListed(standing: OrgStanding, listed: VisibleResourceRow, preset: Preset, user: object): ReadonlySet<string> {
  const def = resourceType(preset, listed.type);
  if (!def || listed.org_id !== standing.orgId) return new Set();
  const held = heldRoleKeys(standing, def, listed, listed.grant_role ?? undefined);
  const perms = permissionsOnResource(standing.orgPerms, { def, orgRoleKeys: standing.orgRoleKeys, roleKeys: held });
  return restrictToCredential(credentialOf(user), standing.orgId, perms) ?? new Set();
}

/** A resource the user may read, or undefined (a foreign or unreadable one answers as non-existent, R1). */
export async function readableResource(em: Em, acting: Acting, resourceId: string): Promise<{ resource: ResourceRow; def: ResourceTypeDef; perms: ReadonlySet<string> } | undefined> {
  const resource = await findResource(em, resourceId);
  if (!resource || !acting.user) return undefined;
  const def = resourceType(acting.app.preset, resource.type);
  if (!def) return undefined;
  const standing = await standingIn(em, resource.org_id, acting.user);
  const perms = await permissionsOn(em, standing, resource, acting.app.preset, acting.user);
  return perms.has(permissionOf(def, 'read')) ? { resource, def, perms } : undefined;
}

// ---------------------------------------------------------------- members of a resource

export interface ResourceMemberRow extends ResourceGrantRow {
  sort_key: string;
}

/** One page of a resource's grants, ordered by the grantee's email (keyset: email, membership id). */
export async function listResourceMembers(em: Em, resourceId: string, first: number, after: [string | null, string] | undefined): Promise<ResourceMemberRow[]> {
  const query = builder
    .selectFrom('resource_grant as g')
    .innerJoin('membership as m', 'm.id', 'g.membership_id')
    .innerJoin('user as u', 'u.id', 'm.user_id')
    .selectAll('g')
    .select((eb) => eb.fn<string>('lower', ['u.email']).as('sort_key'))
    .where('g.resource_id', '=', resourceId)
    .$if(after !== undefined, (qb) =>
      qb.where((eb) => eb(eb.tuple(eb.fn<string>('lower', ['u.email']), eb.ref('m.id')), '>', eb.tuple(after![0] ?? '', eb.cast<string>(eb.val(after![1]), 'uuid')))),
    )
    .orderBy((eb) => eb.fn('lower', ['u.email']))
    .orderBy('m.id')
    .limit(first + 1)
    .$castTo<ResourceMemberRow>();
  return rowsOf(em, query);
}

export async function countResourceMembers(em: Em, resourceId: string): Promise<number> {
  const counted = await firstRowOf(em, builder.selectFrom('resource_grant').select((eb) => eb.fn.countAll<string | number>().as('n')).where('resource_id', '=', resourceId));
  return Number(counted?.n ?? 0);
}

// ---------------------------------------------------------------- writes

export async function createResource(em: Em, acting: Acting, orgId: string, type: string, name: string): Promise<ResourceRow> {
  const user = acting.user!;
  const def = resourceType(acting.app.preset, type);
  if (!def) {
    const known = acting.app.preset.policy.resourceTypes.map((t) => t.key);
    throw ValidationError.field('type', known.length ? `Type must be one of: ${known.join(', ')}` : 'This platform has no resource types');
  }
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > RESOURCE_NAME_MAX) throw ValidationError.field('name', `Name must be 1 to ${RESOURCE_NAME_MAX} characters`);
  return inTransaction(em, acting, async (tx) => {
    if (!isUuid(orgId)) throw new NotFoundError('Organization');
    await lockOrganization(tx, orgId);
    const perms = await permissionsAfterLock(tx, orgId, user);
    if (perms.size === 0) throw new NotFoundError('Organization'); // R1
    if (!perms.has(permissionOf(def, 'create'))) throw new AuthError('FORBIDDEN', `You may not create a ${def.name.toLowerCase()} (${permissionOf(def, 'create')})`);
    const resource = tx.create(Resource, {
      id: crypto.randomUUID(),
      organization: tx.getReference(Organization, orgId),
      type,
      name: trimmed,
      createdBy: user.id ? tx.getReference(User, user.id) : null,
    });
    recordAudit(tx, acting.actor, { orgId, action: 'resource.created', target: { type: 'Resource', id: resource.id, label: trimmed }, after: { type, name: trimmed, creatorRole: def.creatorRoleKey ?? null } });
    return rowOf(resource);
  });
}

/** The row shape the GraphQL type and the rules read, from the entity the unit of work wrote. */
function rowOf(resource: Resource): ResourceRow {
  return { id: resource.id, org_id: resource.organization.id, type: resource.type, name: resource.name, created_by_id: resource.createdBy?.id ?? null, created_at: resource.createdAt };
}

interface LockedResource {
  resource: ResourceRow;
  /** The same row as the unit of work's entity: changes to it are written when the transaction flushes. */
  entity: Resource;
  def: ResourceTypeDef;
  standing: OrgStanding;
  perms: ReadonlySet<string>;
}

/**
 * Locks the resource's org, then the resource row itself (`for update`: nothing deletes or renames it
 * before this transaction ends), and reads the actor's standing (R5-style serialization).
 */
async function lockResource(acting: Acting, tx: Em, resourceId: string): Promise<LockedResource> {
  const user = acting.user!;
  const found = await findResource(tx, resourceId);
  if (!found) throw new NotFoundError('Resource');
  await lockOrganization(tx, found.org_id);
  const resource = await firstRowOf(tx, lockedResourceById.prepared({}, { id: resourceId }));
  const def = resource && resourceType(acting.app.preset, resource.type);
  if (!resource || !def) throw new NotFoundError('Resource');
  const standing = await standingIn(tx, resource.org_id, user);
  const perms = await permissionsOn(tx, standing, resource, acting.app.preset, user);
  // R1: who cannot read the resource learns nothing about it, not even that it exists.
  if (!perms.has(permissionOf(def, 'read'))) throw new NotFoundError('Resource');
  return { resource, entity: tx.map(Resource, { ...resource }), def, standing, perms };
}

/** Deletes a resource and its grants; needs `<prefix>:delete` on it (org role or resource role). */
export async function deleteResource(em: Em, acting: Acting, resourceId: string): Promise<ResourceRow> {
  return inTransaction(em, acting, async (tx) => {
    const { resource, entity, def, perms } = await lockResource(acting, tx, resourceId);
    if (!perms.has(permissionOf(def, 'delete'))) throw new AuthError('FORBIDDEN', `You may not delete this ${def.name.toLowerCase()} (${permissionOf(def, 'delete')})`);
    const grants = await grantsOf(tx, resource.id);
    // Its grants (and invitations' grants on it) go with it: the foreign keys cascade.
    tx.remove(entity);
    recordAudit(tx, acting.actor, {
      orgId: resource.org_id,
      action: 'resource.deleted',
      target: { type: 'Resource', id: resource.id, label: resource.name },
      before: { type: resource.type, name: resource.name, grants: grants.map((g) => ({ membershipId: g.membership_id, roleKey: g.role_key })) },
    });
    return resource;
  });
}

/**
 * Renames a resource; needs the type's rename permission on it (`projects:update`; Spaces:
 * `spaces:assign`). Names are not unique: two projects may share one, as before. Audited.
 */
export async function renameResource(em: Em, acting: Acting, resourceId: string, name: string): Promise<ResourceRow> {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > RESOURCE_NAME_MAX) throw ValidationError.field('name', `Name must be 1 to ${RESOURCE_NAME_MAX} characters`);
  return inTransaction(em, acting, async (tx) => {
    const { resource, entity, def, perms } = await lockResource(acting, tx, resourceId);
    if (!canRenameResource(def, perms)) throw new AuthError('FORBIDDEN', `You may not rename this ${def.name.toLowerCase()} (${renamePermissionOf(def)})`);
    if (resource.name === trimmed) return resource;
    entity.name = trimmed;
    recordAudit(tx, acting.actor, {
      orgId: resource.org_id,
      action: 'resource.renamed',
      target: { type: 'Resource', id: resource.id, label: trimmed },
      before: { name: resource.name },
      after: { name: trimmed },
    });
    return rowOf(entity);
  });
}

/** Turns the pure rule's problems into the API's typed errors (first problem wins, R1 first). */
export function throwGrantProblems(problems: ResourceGrantProblem[], def: ResourceTypeDef): void {
  const problem = problems[0];
  if (!problem) return;
  switch (problem.code) {
    case 'NOT_ALLOWED':
      throw new AuthError('FORBIDDEN', describeResourceGrantProblem(problem, def));
    case 'SELF_ROLE_CHANGE':
      if (problem.reason === 'NOT_ALLOWED') throw new AuthError('FORBIDDEN', describeResourceGrantProblem(problem, def));
      throw new SelfRoleChangeError(describeResourceGrantProblem(problem, def), problem.reason);
    case 'UNKNOWN_ROLE':
      throw ValidationError.field('roleKey', describeResourceGrantProblem(problem, def));
    case 'GRANT_CEILING':
      throw new GrantCeilingError(problem.roleKeys, false);
    case 'ORG_ROLE_CAP':
      throw new ResourceRoleCapError(describeResourceGrantProblem(problem, def), problem.roleKey, problem.allowedRoleKeys);
  }
}

interface GrantScene extends LockedResource {
  target: NonNullable<Awaited<ReturnType<typeof findMembership>>>;
  targetOrgRoleKeys: string[];
  current: string | null;
  /** The target's grant on the resource as the unit of work's entity, locked; undefined when there is none. */
  grant: ResourceGrant | undefined;
}

async function prepareGrantChange(acting: Acting, tx: Em, resourceId: string, membershipId: string): Promise<GrantScene> {
  const locked = await lockResource(acting, tx, resourceId);
  const target = isUuid(membershipId) ? await findMembership(tx, membershipId) : undefined;
  if (!target || target.org_id !== locked.resource.org_id) throw new NotFoundError('Membership');
  const targetOrgRoleKeys = (await rowsOf(tx, roleKeysOfMembership.prepared({}, { membershipId: target.id }))).map((r) => r.key);
  // Every writer of resource_grant holds the org lock, so this row stays as read until the commit.
  const found = await firstRowOf(tx, grantOf.prepared({}, { resourceId: locked.resource.id, membershipId: target.id }));
  const grant = found ? tx.map(ResourceGrant, { ...found }) : undefined;
  return { ...locked, target, targetOrgRoleKeys, current: found?.role_key ?? null, grant };
}

function check(acting: Acting, scene: GrantScene, nextRoleKey: string | null): void {
  throwGrantProblems(
    checkResourceGrantChange({
      def: scene.def,
      actorUserId: acting.user!.id,
      targetUserId: scene.target.user_id,
      actorOrgPerms: scene.standing.orgPerms,
      actorPermsOnResource: scene.perms,
      targetOrgRoleKeys: scene.targetOrgRoleKeys,
      currentRoleKey: scene.current,
      nextRoleKey,
    }),
    scene.def,
  );
}

/** Adds a member of the org to a resource, or changes their role there (R3, R4, R19). */
export async function grantResourceRole(em: Em, acting: Acting, resourceId: string, membershipId: string, roleKey: string): Promise<ResourceRow> {
  return inTransaction(em, acting, async (tx) => {
    const scene = await prepareGrantChange(acting, tx, resourceId, membershipId);
    check(acting, scene, roleKey);
    const { resource, target, current, grant } = scene;
    // The grant read under the org lock decides: change it, or add one (no upsert needed).
    if (grant) tx.assign(grant, { roleKey, grantedById: acting.user!.id });
    else {
      tx.create(ResourceGrant, {
        resource: scene.entity,
        membership: tx.getReference(Membership, target.id),
        organization: tx.getReference(Organization, resource.org_id),
        roleKey,
        grantedById: acting.user!.id,
      });
    }
    recordAudit(tx, acting.actor, {
      orgId: resource.org_id,
      action: 'resource.role_granted',
      target: { type: 'Membership', id: target.id, label: target.email },
      before: current ? { resourceId: resource.id, roleKey: current } : null,
      after: { resourceId: resource.id, resource: resource.name, roleKey },
    });
    return resource;
  });
}

/** Removes a member from a resource (their grant; the implicit creator role cannot be revoked). */
export async function revokeResourceRole(em: Em, acting: Acting, resourceId: string, membershipId: string): Promise<ResourceRow> {
  return inTransaction(em, acting, async (tx) => {
    const scene = await prepareGrantChange(acting, tx, resourceId, membershipId);
    if (!scene.grant) {
      // Still say no to whoever may not manage the members before saying there is nothing to remove.
      check(acting, { ...scene, current: null }, null);
      throw new NotFoundError('Resource grant');
    }
    check(acting, scene, null);
    const { resource, target, current } = scene;
    tx.remove(scene.grant);
    recordAudit(tx, acting.actor, {
      orgId: resource.org_id,
      action: 'resource.role_revoked',
      target: { type: 'Membership', id: target.id, label: target.email },
      before: { resourceId: resource.id, resource: resource.name, roleKey: current },
    });
    return resource;
  });
}
