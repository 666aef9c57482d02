import {
  checkResourceGrantChange,
  describeResourceGrantProblem,
  findResourceType,
  permissionOf,
  permissionsOnResource,
  resourceRolePermissions,
  type Preset,
  type ResourceGrantProblem,
  type ResourceTypeDef,
} from '@gatehouse/permissions';
import type { Context } from '../../context.ts';
import type { Em } from '../../db/orm.ts';
import { AuthError, GrantCeilingError, NotFoundError, ResourceRoleCapError, SelfRoleChangeError, ValidationError } from '../../errors.ts';
import { isUuid } from '../../ids.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { findMembership, lockOrganization, permissionsAfterLock } from '../memberships/membership.locks.ts';
import { credentialOf, restrictToCredential } from '../tokens/credential.ts';

export const RESOURCE_NAME_MAX = 100;

export interface ResourceRow {
  id: string;
  org_id: string;
  type: string;
  name: string;
  created_by_id: string | null;
  created_at: Date;
}

export interface ResourceGrantRow {
  resource_id: string;
  membership_id: string;
  role_key: string;
  granted_by_id: string | null;
  created_at: Date;
}

export function resourceType(preset: Preset, type: string): ResourceTypeDef | undefined {
  return findResourceType(preset, type);
}

/** Org permission namespace of a resource type (project → projects); unknown types fall back to `<type>s`. */
export function permissionPrefixOf(preset: Preset, type: string): string {
  return resourceType(preset, type)?.permissionPrefix ?? `${type}s`;
}

export async function findResource(em: Em, resourceId: string): Promise<ResourceRow | undefined> {
  if (!isUuid(resourceId)) return undefined;
  return (await em.execute<ResourceRow[]>(`select * from resource where id = ?`, [resourceId]))[0];
}

export async function grantsOf(em: Em, resourceId: string): Promise<ResourceGrantRow[]> {
  return em.execute<ResourceGrantRow[]>(`select * from resource_grant where resource_id = ? order by created_at, membership_id`, [resourceId]);
}

// ---------------------------------------------------------------- who holds what (R2: read per request)

/** A user's standing in one org, for resource rules: org permissions, org role keys (for the cap), membership. */
export interface OrgStanding {
  orgId: string;
  userId: string;
  membershipId: string | null;
  orgPerms: ReadonlySet<string>;
  orgRoleKeys: string[];
  isPlatformAdmin: boolean;
}

/**
 * Reads the standing inside or outside a transaction. Only an active membership of an active user in
 * an active org counts (permissionsAfterLock); a personal access token keeps to its subset (R23).
 */
export async function standingIn(em: Em, orgId: string, user: { id: string; isPlatformAdmin: boolean }): Promise<OrgStanding> {
  const orgPerms = isUuid(orgId) ? await permissionsAfterLock(em, orgId, user) : new Set<string>();
  const rows = isUuid(orgId)
    ? await em.execute<{ membership_id: string; key: string }[]>(
        `select m.id as membership_id, r.key from membership m
           join "user" u on u.id = m.user_id
           join organization o on o.id = m.org_id
           left join membership_role mr on mr.membership_id = m.id
           left join role r on r.id = mr.role_id
          where m.org_id = ? and m.user_id = ? and m.status = 'ACTIVE' and u.status = 'ACTIVE' and o.status = 'ACTIVE'`,
        [orgId, user.id],
      )
    : [];
  return {
    orgId,
    userId: user.id,
    membershipId: rows[0]?.membership_id ?? null,
    orgPerms,
    orgRoleKeys: rows.flatMap((r) => (r.key ? [r.key] : [])),
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
  return (await em.execute<{ role_key: string }[]>(`select role_key from resource_grant where resource_id = ? and membership_id = ?`, [resourceId, membershipId]))[0]?.role_key;
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
export async function resourcePermissions(em: Em, orgId: string, userId: string, resourceId: string, preset: Preset): Promise<Set<string>> {
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

/**
 * R1 within the org: the resources of `orgId` the user may read. Types whose `<prefix>:read` the org
 * role holds come whole; of the others only those the user created or was granted (OEC's
 * restricted developers, Spaces' Editors and Operators), each checked with the cap.
 */
export async function visibleResources(em: Em, standing: OrgStanding, preset: Preset, type?: string | null): Promise<ResourceRow[]> {
  if (standing.orgPerms.size === 0) return [];
  const defs = preset.policy.resourceTypes.filter((d) => !type || d.key === type);
  if (defs.length === 0) return [];
  const readAll = defs.filter((d) => standing.orgPerms.has(permissionOf(d, 'read'))).map((d) => d.key);
  const typeKeys = defs.map((d) => d.key);
  const rows = await em.execute<(ResourceRow & { grant_role: string | null })[]>(
    `select r.*, g.role_key as grant_role from resource r
       left join resource_grant g on g.resource_id = r.id and g.membership_id = ?
      where r.org_id = ? and r.type in (${typeKeys.map(() => '?').join(', ')})
        and (${readAll.length ? `r.type in (${readAll.map(() => '?').join(', ')}) or ` : ''}r.created_by_id = ? or g.membership_id is not null)
      order by r.type, r.name, r.id`,
    [standing.membershipId ?? '00000000-0000-0000-0000-000000000000', standing.orgId, ...typeKeys, ...readAll, standing.userId],
  );
  return rows.filter((row) => {
    const def = defs.find((d) => d.key === row.type)!;
    const held = heldRoleKeys(standing, def, row, row.grant_role ?? undefined);
    return permissionsOnResource(standing.orgPerms, { def, orgRoleKeys: standing.orgRoleKeys, roleKeys: held }).has(permissionOf(def, 'read'));
  }).map(({ grant_role: _g, ...row }) => row);
}

/** A resource the user may read, or undefined (a foreign or unreadable one answers as non-existent, R1). */
export async function readableResource(ctx: Context, resourceId: string): Promise<{ resource: ResourceRow; def: ResourceTypeDef; perms: ReadonlySet<string> } | undefined> {
  const resource = await findResource(ctx.em, resourceId);
  if (!resource || !ctx.user) return undefined;
  const def = resourceType(ctx.app.preset, resource.type);
  if (!def) return undefined;
  const standing = await standingIn(ctx.em, resource.org_id, ctx.user);
  const perms = await permissionsOn(ctx.em, standing, resource, ctx.app.preset, ctx.user);
  return perms.has(permissionOf(def, 'read')) ? { resource, def, perms } : undefined;
}

// ---------------------------------------------------------------- members of a resource

export interface ResourceMemberRow extends ResourceGrantRow {
  sort_key: string;
}

/** One page of a resource's grants, ordered by the grantee's email (keyset: email, membership id). */
export async function listResourceMembers(em: Em, resourceId: string, first: number, after: [string | null, string] | undefined): Promise<ResourceMemberRow[]> {
  const params: unknown[] = [resourceId];
  let keyset = '';
  if (after) {
    keyset = ` and (lower(u.email), m.id) > (?, ?)`;
    params.push(after[0] ?? '', after[1]);
  }
  params.push(first + 1);
  return em.execute<ResourceMemberRow[]>(
    `select g.*, lower(u.email) as sort_key from resource_grant g
       join membership m on m.id = g.membership_id
       join "user" u on u.id = m.user_id
      where g.resource_id = ?${keyset}
      order by lower(u.email), m.id limit ?`,
    params,
  );
}

export async function countResourceMembers(em: Em, resourceId: string): Promise<number> {
  const rows = await em.execute<{ n: string | number }[]>(`select count(*) as n from resource_grant where resource_id = ?`, [resourceId]);
  return Number(rows[0]?.n ?? 0);
}

// ---------------------------------------------------------------- writes

export async function createResource(ctx: Context, orgId: string, type: string, name: string): Promise<string> {
  const user = ctx.user!;
  const def = resourceType(ctx.app.preset, type);
  if (!def) {
    const known = ctx.app.preset.policy.resourceTypes.map((t) => t.key);
    throw ValidationError.field('type', known.length ? `Type must be one of: ${known.join(', ')}` : 'This platform has no resource types');
  }
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > RESOURCE_NAME_MAX) throw ValidationError.field('name', `Name must be 1 to ${RESOURCE_NAME_MAX} characters`);
  return ctx.transaction(async (tx) => {
    if (!isUuid(orgId)) throw new NotFoundError('Organization');
    await lockOrganization(tx, orgId);
    const perms = await permissionsAfterLock(tx, orgId, user);
    if (perms.size === 0) throw new NotFoundError('Organization'); // R1
    if (!perms.has(permissionOf(def, 'create'))) throw new AuthError('FORBIDDEN', `You may not create a ${def.name.toLowerCase()} (${permissionOf(def, 'create')})`);
    const id = crypto.randomUUID();
    await tx.execute(`insert into resource (id, org_id, type, name, created_by_id) values (?, ?, ?, ?, ?)`, [id, orgId, type, trimmed, user.id]);
    recordAudit(tx, ctx.actor, { orgId, action: 'resource.created', target: { type: 'Resource', id, label: trimmed }, after: { type, name: trimmed, creatorRole: def.creatorRoleKey ?? null } });
    return id;
  });
}

interface LockedResource {
  resource: ResourceRow;
  def: ResourceTypeDef;
  standing: OrgStanding;
  perms: ReadonlySet<string>;
}

/** Locks the resource's org, then re-reads the resource and the actor's standing (R5-style serialization). */
async function lockResource(ctx: Context, tx: Em, resourceId: string): Promise<LockedResource> {
  const user = ctx.user!;
  const found = await findResource(tx, resourceId);
  if (!found) throw new NotFoundError('Resource');
  await lockOrganization(tx, found.org_id);
  const resource = await findResource(tx, resourceId);
  const def = resource && resourceType(ctx.app.preset, resource.type);
  if (!resource || !def) throw new NotFoundError('Resource');
  const standing = await standingIn(tx, resource.org_id, user);
  const perms = await permissionsOn(tx, standing, resource, ctx.app.preset, user);
  // R1: who cannot read the resource learns nothing about it, not even that it exists.
  if (!perms.has(permissionOf(def, 'read'))) throw new NotFoundError('Resource');
  return { resource, def, standing, perms };
}

/** Deletes a resource and its grants; needs `<prefix>:delete` on it (org role or resource role). */
export async function deleteResource(ctx: Context, resourceId: string): Promise<ResourceRow> {
  return ctx.transaction(async (tx) => {
    const { resource, def, perms } = await lockResource(ctx, tx, resourceId);
    if (!perms.has(permissionOf(def, 'delete'))) throw new AuthError('FORBIDDEN', `You may not delete this ${def.name.toLowerCase()} (${permissionOf(def, 'delete')})`);
    const grants = await grantsOf(tx, resource.id);
    await tx.execute(`delete from resource where id = ?`, [resource.id]);
    recordAudit(tx, ctx.actor, {
      orgId: resource.org_id,
      action: 'resource.deleted',
      target: { type: 'Resource', id: resource.id, label: resource.name },
      before: { type: resource.type, name: resource.name, grants: grants.map((g) => ({ membershipId: g.membership_id, roleKey: g.role_key })) },
    });
    return resource;
  });
}

/** Turns the pure rule's problems into the API's typed errors (first problem wins, R1 first). */
function throwGrantProblems(problems: ResourceGrantProblem[], def: ResourceTypeDef): void {
  const problem = problems[0];
  if (!problem) return;
  switch (problem.code) {
    case 'NOT_ALLOWED':
      throw new AuthError('FORBIDDEN', describeResourceGrantProblem(problem, def));
    case 'SELF_ROLE_CHANGE':
      throw new SelfRoleChangeError();
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
}

async function prepareGrantChange(ctx: Context, tx: Em, resourceId: string, membershipId: string): Promise<GrantScene> {
  const locked = await lockResource(ctx, tx, resourceId);
  const target = isUuid(membershipId) ? await findMembership(tx, membershipId) : undefined;
  if (!target || target.org_id !== locked.resource.org_id) throw new NotFoundError('Membership');
  const targetOrgRoleKeys = (
    await tx.execute<{ key: string }[]>(`select r.key from membership_role mr join role r on r.id = mr.role_id where mr.membership_id = ?`, [target.id])
  ).map((r) => r.key);
  const current = (await grantRoleKeyOf(tx, locked.resource.id, target.id)) ?? null;
  return { ...locked, target, targetOrgRoleKeys, current };
}

function check(ctx: Context, scene: GrantScene, nextRoleKey: string | null): void {
  throwGrantProblems(
    checkResourceGrantChange({
      def: scene.def,
      actorUserId: ctx.user!.id,
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
export async function grantResourceRole(ctx: Context, resourceId: string, membershipId: string, roleKey: string): Promise<string> {
  return ctx.transaction(async (tx) => {
    const scene = await prepareGrantChange(ctx, tx, resourceId, membershipId);
    check(ctx, scene, roleKey);
    const { resource, target, current } = scene;
    await tx.execute(
      `insert into resource_grant (resource_id, membership_id, org_id, role_key, granted_by_id) values (?, ?, ?, ?, ?)
         on conflict (resource_id, membership_id) do update set role_key = excluded.role_key, granted_by_id = excluded.granted_by_id`,
      [resource.id, target.id, resource.org_id, roleKey, ctx.user!.id],
    );
    recordAudit(tx, ctx.actor, {
      orgId: resource.org_id,
      action: 'resource.role_granted',
      target: { type: 'Membership', id: target.id, label: target.email },
      before: current ? { resourceId: resource.id, roleKey: current } : null,
      after: { resourceId: resource.id, resource: resource.name, roleKey },
    });
    return resource.id;
  });
}

/** Removes a member from a resource (their grant; the implicit creator role cannot be revoked). */
export async function revokeResourceRole(ctx: Context, resourceId: string, membershipId: string): Promise<string> {
  return ctx.transaction(async (tx) => {
    const scene = await prepareGrantChange(ctx, tx, resourceId, membershipId);
    if (!scene.current) {
      // Still say no to whoever may not manage the members before saying there is nothing to remove.
      check(ctx, { ...scene, current: null }, null);
      throw new NotFoundError('Resource grant');
    }
    check(ctx, scene, null);
    const { resource, target, current } = scene;
    await tx.execute(`delete from resource_grant where resource_id = ? and membership_id = ?`, [resource.id, target.id]);
    recordAudit(tx, ctx.actor, {
      orgId: resource.org_id,
      action: 'resource.role_revoked',
      target: { type: 'Membership', id: target.id, label: target.email },
      before: { resourceId: resource.id, resource: resource.name, roleKey: current },
    });
    return resource.id;
  });
}
