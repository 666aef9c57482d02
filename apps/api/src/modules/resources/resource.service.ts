import { checkGrant, expandPermissions, type Preset, type ResourceTypeDef, type RoleDefinition } from '@gatehouse/permissions';
import type { Context } from '../../context.ts';
import type { Em } from '../../db/orm.ts';
import { AuthError, GrantCeilingError, NotFoundError, SelfRoleChangeError, ValidationError } from '../../errors.ts';
import { isUuid } from '../../ids.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { findMembership, findMembershipOf, lockOrganization, permissionsAfterLock } from '../memberships/membership.locks.ts';
import { requirePermission } from '../memberships/rule-errors.ts';

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
  return preset.policy.resourceTypes.find((t) => t.key === type);
}

/** Org permission namespace of a resource type: project → projects:*, space → spaces:*. */
export const permissionPrefix = (type: string) => `${type}s`;

export async function findResource(em: Em, resourceId: string): Promise<ResourceRow | undefined> {
  if (!isUuid(resourceId)) return undefined;
  return (await em.execute<ResourceRow[]>(`select * from resource where id = ?`, [resourceId]))[0];
}

export async function grantsOf(em: Em, resourceId: string): Promise<ResourceGrantRow[]> {
  return em.execute<ResourceGrantRow[]>(`select * from resource_grant where resource_id = ? order by created_at, membership_id`, [resourceId]);
}

/**
 * Permissions a user holds on one resource through resource roles: their grant and, for the
 * creator, the type's creator role. Only an active membership of an active user in an active org counts
 * (R2: read per request, never cached across requests).
 */
export async function resourcePermissions(em: Em, orgId: string, userId: string, resourceId: string, preset: Preset): Promise<Set<string>> {
  if (!isUuid(orgId) || !isUuid(resourceId)) return new Set();
  const resource = await findResource(em, resourceId);
  if (!resource || resource.org_id !== orgId) return new Set();
  const def = resourceType(preset, resource.type);
  if (!def) return new Set();
  const membership = await findMembershipOf(em, orgId, userId);
  if (!membership || membership.status !== 'ACTIVE' || membership.user_status !== 'ACTIVE') return new Set();
  const org = (await em.execute<{ status: string }[]>(`select status from organization where id = ?`, [orgId]))[0];
  if (org?.status !== 'ACTIVE') return new Set();
  const keys: string[] = [];
  if (resource.created_by_id === userId && def.creatorRoleKey) keys.push(def.creatorRoleKey);
  const grant = (await em.execute<{ role_key: string }[]>(`select role_key from resource_grant where resource_id = ? and membership_id = ?`, [resourceId, membership.id]))[0];
  if (grant) keys.push(grant.role_key);
  const perms: string[] = [];
  for (const key of keys) perms.push(...(def.roles.find((r) => r.key === key)?.permissions ?? []));
  return expandPermissions(perms);
}

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
    requirePermission(await permissionsAfterLock(tx, orgId, user), `${permissionPrefix(type)}:create`);
    const id = crypto.randomUUID();
    await tx.execute(`insert into resource (id, org_id, type, name, created_by_id) values (?, ?, ?, ?, ?)`, [id, orgId, type, trimmed, user.id]);
    recordAudit(tx, ctx.actor, { orgId, action: 'resource.created', target: { type: 'Resource', id, label: trimmed }, after: { type, name: trimmed, creatorRole: def.creatorRoleKey ?? null } });
    return id;
  });
}

interface GrantScene {
  resource: ResourceRow;
  def: ResourceTypeDef;
  target: NonNullable<Awaited<ReturnType<typeof findMembership>>>;
  current: string | undefined;
}

/**
 * Shared checks of grant and revoke: locks the org, finds the resource and target membership in it,
 * and requires org members:update or `<type>s:assign` on the resource (org or resource role).
 * Returns the actor's effective permissions on the resource, for the grant ceiling (R3).
 */
async function prepareGrantChange(ctx: Context, tx: Em, resourceId: string, membershipId: string): Promise<GrantScene & { actorPerms: ReadonlySet<string> }> {
  const user = ctx.user!;
  const found = await findResource(tx, resourceId);
  if (!found) throw new NotFoundError('Resource');
  await lockOrganization(tx, found.org_id);
  const resource = await findResource(tx, resourceId);
  if (!resource) throw new NotFoundError('Resource');
  const orgPerms = await permissionsAfterLock(tx, resource.org_id, user);
  // R1: someone with no access to the org learns nothing about its resources.
  if (orgPerms.size === 0) throw new NotFoundError('Resource');
  const def = resourceType(ctx.app.preset, resource.type);
  if (!def) throw new NotFoundError('Resource');
  const resourcePerms = user.isPlatformAdmin ? new Set<string>() : await resourcePermissions(tx, resource.org_id, user.id, resource.id, ctx.app.preset);
  const actorPerms = new Set([...orgPerms, ...resourcePerms]);
  if (!orgPerms.has('members:update') && !actorPerms.has(`${permissionPrefix(resource.type)}:assign`)) {
    throw new AuthError('FORBIDDEN', 'You do not have permission to do this');
  }
  const target = isUuid(membershipId) ? await findMembership(tx, membershipId) : undefined;
  if (!target || target.org_id !== resource.org_id) throw new NotFoundError('Membership');
  // R4: nobody changes their own roles, on the org or on one resource.
  if (target.user_id === user.id) throw new SelfRoleChangeError();
  const current = (await tx.execute<{ role_key: string }[]>(`select role_key from resource_grant where resource_id = ? and membership_id = ?`, [resource.id, target.id]))[0]?.role_key;
  return { resource, def, target, current, actorPerms };
}

/** R3 on resource roles: each role granted or taken away must lie within the actor's permissions on the resource. */
function checkCeiling(actorPerms: ReadonlySet<string>, roles: (RoleDefinition | undefined)[]): void {
  const refused: string[] = [];
  let ownerOnly = false;
  for (const role of roles) {
    if (!role) continue;
    const check = checkGrant(actorPerms, role);
    if (!check.ok) {
      refused.push(role.key);
      ownerOnly ||= check.reason === 'OWNER_ONLY';
    }
  }
  if (refused.length) throw new GrantCeilingError(refused, ownerOnly);
}

/** Gives a member a role on one resource (replacing the role they had on it). */
export async function grantResourceRole(ctx: Context, resourceId: string, membershipId: string, roleKey: string): Promise<string> {
  return ctx.transaction(async (tx) => {
    const { resource, def, target, current, actorPerms } = await prepareGrantChange(ctx, tx, resourceId, membershipId);
    const role = def.roles.find((r) => r.key === roleKey);
    if (!role) throw ValidationError.field('roleKey', `Role must be one of: ${def.roles.map((r) => r.key).join(', ')}`);
    checkCeiling(actorPerms, [role, current && current !== roleKey ? def.roles.find((r) => r.key === current) : undefined]);
    await tx.execute(
      `insert into resource_grant (resource_id, membership_id, role_key, granted_by_id) values (?, ?, ?, ?)
         on conflict (resource_id, membership_id) do update set role_key = excluded.role_key, granted_by_id = excluded.granted_by_id`,
      [resource.id, target.id, roleKey, ctx.user!.id],
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

/** Takes a member's role on one resource away (the creator role, implicit, cannot be revoked). */
export async function revokeResourceRole(ctx: Context, resourceId: string, membershipId: string): Promise<string> {
  return ctx.transaction(async (tx) => {
    const { resource, def, target, current, actorPerms } = await prepareGrantChange(ctx, tx, resourceId, membershipId);
    if (!current) throw new NotFoundError('Resource grant');
    checkCeiling(actorPerms, [def.roles.find((r) => r.key === current)]);
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
