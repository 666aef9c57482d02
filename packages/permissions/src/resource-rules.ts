// R19: resource roles (OEC projects, Spaces spaces) obey the same rules as organization roles.
// Pure functions: the API calls them inside its transactions, the SPA to enable controls.
//
// What a member holds on one resource = their org permissions (every resource of the org)
//   ∪ the permissions of their resource roles there (grant + creator role), capped by the
//     preset's orgRoleCaps for their org roles.
// A grant or revoke of a resource role is allowed only when
//   - the actor may manage the resource's members (org members:update, or `<prefix>:assign` on it),
//   - the actor is not the grantee (R4),
//   - every role added or taken away lies within what the actor holds on that resource (R3),
//   - the role given lies within the grantee's cap (R19), so the grant means what it says.

import { ORG_OWN } from './catalog.ts';
import type { Preset, ResourceTypeDef, RoleDefinition } from './presets.ts';
import { expandPermissions, missingPermissions, selfRoleChangeVerdict, type SelfRoleChangeReason } from './rules.ts';

/** Org permission of a resource type: `permissionOf(project, 'read')` → `projects:read`. */
export function permissionOf(def: Pick<ResourceTypeDef, 'permissionPrefix'>, action: string): string {
  return `${def.permissionPrefix}:${action}`;
}

export function findResourceType(preset: Preset, typeKey: string): ResourceTypeDef | undefined {
  return preset.policy.resourceTypes.find((t) => t.key === typeKey);
}

export function findResourceRole(def: ResourceTypeDef, roleKey: string): RoleDefinition | undefined {
  return def.roles.find((r) => r.key === roleKey);
}

/**
 * The most a member with these org roles gets on one resource through resource roles, or null when
 * nothing caps them (an org role without a cap entry, e.g. Spaces Admin). Several org roles add up.
 */
export function resourceRoleCap(def: ResourceTypeDef, orgRoleKeys: readonly string[]): ReadonlySet<string> | null {
  const caps = def.orgRoleCaps;
  if (!caps) return null;
  const out: string[] = [];
  for (const key of orgRoleKeys) {
    const cap = caps[key];
    if (!cap) return null; // custom or uncapped role
    out.push(...cap);
  }
  return expandPermissions(out);
}

export interface ResourceRoleHolding {
  def: ResourceTypeDef;
  /** The member's org role keys (for the cap). */
  orgRoleKeys: readonly string[];
  /** Resource roles held on the resource: the grant and, for its creator, the creator role. */
  roleKeys: readonly string[];
}

/** Permissions the resource roles give on this resource, after the cap (R19). Unknown keys give nothing. */
export function resourceRolePermissions(holding: ResourceRoleHolding): Set<string> {
  const perms: string[] = [];
  for (const key of holding.roleKeys) perms.push(...(findResourceRole(holding.def, key)?.permissions ?? []));
  const granted = expandPermissions(perms);
  const cap = resourceRoleCap(holding.def, holding.orgRoleKeys);
  if (!cap) return granted;
  return new Set([...granted].filter((p) => cap.has(p)));
}

/** Everything a member holds on one resource: org permissions and capped resource-role permissions add up. */
export function permissionsOnResource(orgPerms: ReadonlySet<string>, holding: ResourceRoleHolding): Set<string> {
  return new Set([...orgPerms, ...resourceRolePermissions(holding)]);
}

/** Who may list, add, change and remove a resource's members: org members:update, or `<prefix>:assign` on it. */
export function canManageResourceMembers(def: ResourceTypeDef, orgPerms: ReadonlySet<string>, permsOnResource: ReadonlySet<string>): boolean {
  return orgPerms.has('members:update') || permsOnResource.has(permissionOf(def, 'assign'));
}

/** The permission that renames a resource of the type (`projects:update`; Spaces: `spaces:assign`). */
export function renamePermissionOf(def: ResourceTypeDef): string {
  return permissionOf(def, def.renameAction ?? 'update');
}

/** Who may rename a resource: the type's rename permission, from the org role or a resource role on it. */
export function canRenameResource(def: ResourceTypeDef, permsOnResource: ReadonlySet<string>): boolean {
  return permsOnResource.has(renamePermissionOf(def));
}

/** Who may see a resource at all (R1 within the org): `<prefix>:read` from the org role or on the resource. */
export function canReadResource(def: ResourceTypeDef, permsOnResource: ReadonlySet<string>): boolean {
  return permsOnResource.has(permissionOf(def, 'read'));
}

// ---------------------------------------------------------------- grant / revoke (R3, R4, R19)

export type ResourceGrantProblem =
  | { code: 'NOT_ALLOWED'; required: string[] }
  | { code: 'SELF_ROLE_CHANGE'; reason?: SelfRoleChangeReason; message?: string }
  | { code: 'UNKNOWN_ROLE'; roleKey: string }
  | { code: 'GRANT_CEILING'; roleKeys: string[]; missing: string[] }
  | { code: 'ORG_ROLE_CAP'; roleKey: string; exceeding: string[]; allowedRoleKeys: string[] };

export interface ResourceGrantChange {
  def: ResourceTypeDef;
  /** Null for a service account (R23): never anyone's self. */
  actorUserId: string | null;
  targetUserId: string;
  /** The actor's org permissions (for members:update). */
  actorOrgPerms: ReadonlySet<string>;
  /** Everything the actor holds on this resource (permissionsOnResource). */
  actorPermsOnResource: ReadonlySet<string>;
  /** The grantee's org role keys (for the cap). */
  targetOrgRoleKeys: readonly string[];
  /** Role granted on the resource now (not the implicit creator role), or null. */
  currentRoleKey: string | null;
  /** Role after the change, or null to revoke. */
  nextRoleKey: string | null;
}

/** Resource roles whose permissions fit in the grantee's cap (all of them when uncapped). */
export function rolesWithinCap(def: ResourceTypeDef, orgRoleKeys: readonly string[]): RoleDefinition[] {
  const cap = resourceRoleCap(def, orgRoleKeys);
  return def.roles.filter((r) => !cap || missingPermissions(cap, r.permissions).length === 0);
}

/** Checks one grant (current → next role, either may be null). Empty list = allowed. */
export function checkResourceGrantChange(change: ResourceGrantChange): ResourceGrantProblem[] {
  const { def, actorPermsOnResource } = change;
  const problems: ResourceGrantProblem[] = [];
  const mayManage = canManageResourceMembers(def, change.actorOrgPerms, actorPermsOnResource);
  if (!mayManage) problems.push({ code: 'NOT_ALLOWED', required: ['members:update', permissionOf(def, 'assign')] });
  // R4 on resources too, by the same rule as organization roles: who does not manage the members is
  // refused as for anyone (NOT_ALLOWED above); who does is told nobody changes their own role.
  const self = selfRoleChangeVerdict({ actorUserId: change.actorUserId, targetUserId: change.targetUserId, actorMayManage: mayManage, where: `this ${def.name.toLowerCase()}` });
  if (self.outcome === 'REFUSED' && self.reason !== 'NOT_ALLOWED') problems.push({ code: 'SELF_ROLE_CHANGE', reason: self.reason, message: self.message });
  // Someone who may not manage the members is told so; the role's details are none of their business.
  if (problems.some((p) => p.code === 'NOT_ALLOWED')) return problems;

  const next = change.nextRoleKey === null ? undefined : findResourceRole(def, change.nextRoleKey);
  if (change.nextRoleKey !== null && !next) {
    problems.push({ code: 'UNKNOWN_ROLE', roleKey: change.nextRoleKey });
    return problems;
  }
  const current = change.currentRoleKey === null ? undefined : findResourceRole(def, change.currentRoleKey);
  const changed = change.currentRoleKey === change.nextRoleKey ? [] : [next, current].filter((r): r is RoleDefinition => !!r);

  // R3: granting and taking away both need the role within the actor's permissions on this resource.
  const refused: string[] = [];
  const missing = new Set<string>();
  for (const role of changed) {
    const lacks = missingPermissions(actorPermsOnResource, role.permissions);
    if (lacks.length) {
      refused.push(role.key);
      for (const p of lacks) missing.add(p);
    }
  }
  if (refused.length) problems.push({ code: 'GRANT_CEILING', roleKeys: refused, missing: [...missing] });

  // R19: the role given must fit the grantee's cap, so a grant never promises more than it gives.
  if (next && change.currentRoleKey !== change.nextRoleKey) {
    const cap = resourceRoleCap(def, change.targetOrgRoleKeys);
    const exceeding = cap ? missingPermissions(cap, next.permissions) : [];
    if (exceeding.length) {
      problems.push({ code: 'ORG_ROLE_CAP', roleKey: next.key, exceeding, allowedRoleKeys: rolesWithinCap(def, change.targetOrgRoleKeys).map((r) => r.key) });
    }
  }
  return problems;
}

export type ResourceRoleOption = { role: RoleDefinition; allowed: true } | { role: RoleDefinition; allowed: false; reason: ResourceGrantProblem };

/** For the SPA's role selector: every role of the type, allowed or with the first reason it is not. */
export function resourceRoleOptions(change: Omit<ResourceGrantChange, 'nextRoleKey'>): ResourceRoleOption[] {
  return change.def.roles.map((role) => {
    const problems = checkResourceGrantChange({ ...change, nextRoleKey: role.key });
    return problems.length === 0 ? { role, allowed: true } : { role, allowed: false, reason: problems[0]! };
  });
}

/** One sentence per problem, shared by the API's error messages and the SPA's disabled controls. */
export function describeResourceGrantProblem(problem: ResourceGrantProblem, def: ResourceTypeDef): string {
  const name = def.name.toLowerCase();
  switch (problem.code) {
    case 'NOT_ALLOWED':
      return `Only members who manage members, or may assign users on this ${name}, change its members.`;
    case 'SELF_ROLE_CHANGE':
      return problem.message ?? `Nobody changes their own roles in this ${name}: ask another member who manages them.`;
    case 'UNKNOWN_ROLE':
      return `Role must be one of: ${def.roles.map((r) => r.key).join(', ')}.`;
    case 'GRANT_CEILING':
      return problem.missing.includes(ORG_OWN)
        ? `Only owners may grant or take away ${problem.roleKeys.join(', ')}.`
        : `You cannot grant or take away ${problem.roleKeys.join(', ')}: it holds permissions you do not have on this ${name} (${problem.missing.join(', ')}).`;
    case 'ORG_ROLE_CAP':
      return problem.allowedRoleKeys.length
        ? `Their organization role allows at most ${problem.allowedRoleKeys.join(' or ')} on a ${name}.`
        : `Their organization role cannot be given a role on a ${name}.`;
  }
}

// ---------------------------------------------------------------- discovery

export interface ResourceTypeSummary {
  def: ResourceTypeDef;
  /** Org roles that may create resources of the type (`<prefix>:create`). */
  creatorOrgRoleKeys: string[];
  /** Org roles that manage the members of every resource of the type (members:update or `<prefix>:assign`). */
  managerOrgRoleKeys: string[];
  /** Org roles that read every resource of the type without a grant (`<prefix>:read`). */
  readAllOrgRoleKeys: string[];
  /** Per resource role: org roles that may be granted it (within their cap). */
  grantableTo: Record<string, string[]>;
}

/** What the Preset type exposes about a resource type, so no one learns role keys from errors. */
export function summarizeResourceType(preset: Preset, def: ResourceTypeDef): ResourceTypeSummary {
  const holders = (perm: string) => preset.roles.filter((r) => expandPermissions(r.permissions).has(perm)).map((r) => r.key);
  const managers = new Set([...holders('members:update'), ...holders(permissionOf(def, 'assign'))]);
  const grantableTo: Record<string, string[]> = {};
  for (const role of def.roles) {
    grantableTo[role.key] = preset.roles.filter((org) => rolesWithinCap(def, [org.key]).includes(role)).map((r) => r.key);
  }
  return {
    def,
    creatorOrgRoleKeys: holders(permissionOf(def, 'create')),
    managerOrgRoleKeys: preset.roles.map((r) => r.key).filter((k) => managers.has(k)),
    readAllOrgRoleKeys: holders(permissionOf(def, 'read')),
    grantableTo,
  };
}

/** Permissions the preset's roles (org and resource) use, for the custom-role editor. */
export function permissionsUsedByPreset(preset: Preset): Set<string> {
  const all: string[] = [];
  for (const r of preset.roles) all.push(...r.permissions);
  for (const t of preset.policy.resourceTypes) for (const r of t.roles) all.push(...r.permissions);
  return expandPermissions(all);
}
