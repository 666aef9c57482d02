// Pure rule functions: no database, no GraphQL. The API loads memberships and roles, then asks
// these functions; the SPA uses the same ones to enable controls.

import { ORG_OWN, isKnownPermissionPattern, matchPermissions } from './catalog.ts';
import type { PresetPolicy } from './presets.ts';

export interface HasPermissions {
  permissions: readonly string[];
}

export interface KeyedRole extends HasPermissions {
  key: string;
}

// ---------------------------------------------------------------- permission sets

/**
 * Expands wildcards (`resource:*`, `*`) against the catalog. Exact keys pass through unchanged,
 * even unknown ones, so a stored permission never silently disappears.
 */
export function expandPermissions(perms: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const p of perms) {
    if (p === '*' || p.endsWith(':*')) for (const k of matchPermissions(p)) out.add(k);
    else out.add(p);
  }
  return out;
}

/**
 * Expanded sets by the permission lists they came from. The key is the lists' content, read with the
 * roles on every request (R2), never a role's identity: a changed role makes a new key at once. Few
 * distinct combinations exist (roles are shared by many members), and the map is bounded anyway.
 */
const expandedByContent = new Map<string, ReadonlySet<string>>();
const EXPANDED_KEPT = 1000;

/** Union of the permissions of every role held (R2: compute per request from the current roles). */
export function effectivePermissions(roles: Iterable<HasPermissions>): ReadonlySet<string> {
  const all: string[] = [];
  for (const role of roles) all.push(...role.permissions);
  const key = all.join(' ');
  let expanded = expandedByContent.get(key);
  if (!expanded) {
    expanded = expandPermissions(all);
    if (expandedByContent.size >= EXPANDED_KEPT) expandedByContent.delete(expandedByContent.keys().next().value!);
    expandedByContent.set(key, expanded);
  }
  return expanded;
}

const sortedBySet = new WeakMap<ReadonlySet<string>, readonly string[]>();

/** The keys of an expanded set in order (for display and for APIs), computed once per set. */
export function sortedPermissions(perms: ReadonlySet<string>): readonly string[] {
  let sorted = sortedBySet.get(perms);
  if (!sorted) sortedBySet.set(perms, (sorted = Object.freeze([...perms].sort())));
  return sorted;
}

/** `perms` must be expanded (from effectivePermissions); `permission` is one exact key. */
export function can(perms: ReadonlySet<string>, permission: string): boolean {
  return perms.has(permission);
}

export function canAll(perms: ReadonlySet<string>, required: Iterable<string>): boolean {
  return missingPermissions(perms, required).length === 0;
}

/** Required permissions (wildcards expanded) that `perms` lacks. */
export function missingPermissions(perms: ReadonlySet<string>, required: Iterable<string>): string[] {
  return [...expandPermissions(required)].filter((p) => !perms.has(p));
}

export function isOwnerRole(role: HasPermissions): boolean {
  return expandPermissions(role.permissions).has(ORG_OWN);
}

// ---------------------------------------------------------------- R3 grant ceiling

export type GrantCheck = { ok: true } | { ok: false; reason: 'OWNER_ONLY' | 'CEILING'; missing: string[] };

/**
 * R3: an actor may grant or take away a role only if the role's permissions are a subset of the
 * actor's own; a role holding org:own only by an org:own holder (admins grant admin, not owner).
 */
export function checkGrant(actorPerms: ReadonlySet<string>, role: HasPermissions): GrantCheck {
  const missing = missingPermissions(actorPerms, role.permissions);
  if (missing.length === 0) return { ok: true };
  return { ok: false, reason: missing.includes(ORG_OWN) ? 'OWNER_ONLY' : 'CEILING', missing };
}

// ---------------------------------------------------------------- role changes (R3, R4, R6)

export type RoleChangeProblem =
  | { code: 'SELF_ROLE_CHANGE'; reason?: SelfRoleChangeReason; message?: string }
  | { code: 'NO_ROLES' }
  | { code: 'TOO_MANY_ROLES'; max: number }
  | { code: 'GRANT_CEILING'; roleKeys: string[]; missing: string[] }
  | { code: 'SINGLE_OWNER'; roleKeys: string[] };

export interface RoleChangeInput {
  /** Null for a service account (R23): it is nobody, so never the target (R4 cannot apply). */
  actorUserId: string | null;
  targetUserId: string;
  actorPerms: ReadonlySet<string>;
  currentRoles: readonly KeyedRole[];
  nextRoles: readonly KeyedRole[];
  policy: Pick<PresetPolicy, 'multipleRolesPerMembership' | 'ownerModel'> & Partial<Pick<PresetPolicy, 'ownerSelfDowngrade'>>;
}

/**
 * CloudTruth: an owner may lower their own roles (never raise them, never to none: that is leaving).
 * Whether another owner remains is the owner floor's business (R5), checked after locking.
 */
export function isOwnerSelfDowngrade(input: Pick<RoleChangeInput, 'currentRoles' | 'nextRoles' | 'policy'>): boolean {
  if (!input.policy.ownerSelfDowngrade || !input.currentRoles.some(isOwnerRole) || input.nextRoles.length === 0) return false;
  const held = effectivePermissions(input.currentRoles);
  return missingPermissions(held, effectivePermissions(input.nextRoles)).length === 0;
}

// ---------------------------------------------------------------- R4: one rule for changing one's own roles

/**
 * Why changing one's own roles is refused:
 * - NOT_ALLOWED: the actor does not manage these roles at all (a developer): the same top-level
 *   FORBIDDEN they get for anyone's roles; their own roles are no exception.
 * - NO_SELF_ROLE_CHANGE: the actor manages roles, but nobody changes their own (R4).
 * - OWNER_MAY_ONLY_LOWER: where owners may lower their own roles (CloudTruth), they may not raise or
 *   keep them through an edit.
 * The only owner lowering themselves is refused by the owner floor (LastOwnerError, R5), whose
 * message says what to do: another user must be made Owner first.
 */
export type SelfRoleChangeReason = 'NOT_ALLOWED' | 'NO_SELF_ROLE_CHANGE' | 'OWNER_MAY_ONLY_LOWER';

export type SelfRoleChangeVerdict =
  | { outcome: 'NOT_SELF' }
  | { outcome: 'ALLOWED' }
  | { outcome: 'REFUSED'; reason: SelfRoleChangeReason; message: string };

export interface SelfRoleChangeInput {
  /** Null for a service account (R23): never anyone's self. */
  actorUserId: string | null;
  targetUserId: string;
  /** Whether the actor manages these roles (org: members:update; resource: members:update or `<prefix>:assign` on it). */
  actorMayManage: boolean;
  /** The change is an owner lowering their own roles where the preset allows it (isOwnerSelfDowngrade). */
  ownerSelfDowngrade?: boolean;
  /** The preset lets owners lower their own roles and the actor is an owner (for the reason). */
  ownerMayLower?: boolean;
  /** Where the roles are: "this organization", "this project"... (for the message). */
  where?: string;
}

/** The one R4 rule for organization roles and resource roles alike. */
export function selfRoleChangeVerdict(input: SelfRoleChangeInput): SelfRoleChangeVerdict {
  if (input.actorUserId !== input.targetUserId) return { outcome: 'NOT_SELF' };
  const where = input.where ?? 'this organization';
  if (!input.actorMayManage) return { outcome: 'REFUSED', reason: 'NOT_ALLOWED', message: `You do not manage the roles in ${where}, your own included.` };
  if (input.ownerSelfDowngrade) return { outcome: 'ALLOWED' };
  if (input.ownerMayLower) return { outcome: 'REFUSED', reason: 'OWNER_MAY_ONLY_LOWER', message: 'Owners may only lower their own roles; another owner has to raise them.' };
  return { outcome: 'REFUSED', reason: 'NO_SELF_ROLE_CHANGE', message: `Nobody changes their own roles in ${where}: ask another member who manages them.` };
}

/**
 * Checks replacing a membership's whole role set (current → next). Empty list = allowed.
 * Also use it for adding a member (currentRoles = []) and, with nextRoles = [] and the NO_ROLES
 * problem ignored, for removing one: removal takes away every role, so R3 applies.
 */
export function checkRoleChange(input: RoleChangeInput): RoleChangeProblem[] {
  const { actorUserId, targetUserId, actorPerms, currentRoles, nextRoles, policy } = input;
  const problems: RoleChangeProblem[] = [];

  // R4: nobody changes their own roles, not even to the same set (leaving is separate), except an
  // owner lowering their own roles where the preset allows it (CloudTruth).
  const self = selfRoleChangeVerdict({
    actorUserId,
    targetUserId,
    actorMayManage: actorPerms.has('members:update'),
    ownerSelfDowngrade: isOwnerSelfDowngrade(input),
    ownerMayLower: Boolean(policy.ownerSelfDowngrade) && currentRoles.some(isOwnerRole),
  });
  if (self.outcome === 'REFUSED') problems.push({ code: 'SELF_ROLE_CHANGE', reason: self.reason, message: self.message });

  const nextKeys = new Set(nextRoles.map((r) => r.key));
  if (nextKeys.size === 0) problems.push({ code: 'NO_ROLES' });
  if (!policy.multipleRolesPerMembership && nextKeys.size > 1) problems.push({ code: 'TOO_MANY_ROLES', max: 1 });

  const currentKeys = new Set(currentRoles.map((r) => r.key));
  const changed = [
    ...nextRoles.filter((r) => !currentKeys.has(r.key)),
    ...currentRoles.filter((r) => !nextKeys.has(r.key)),
  ];

  // R3: every role added or taken away must be within the actor's own permissions.
  const refused = new Set<string>();
  const missing = new Set<string>();
  for (const role of changed) {
    const check = checkGrant(actorPerms, role);
    if (!check.ok) {
      refused.add(role.key);
      for (const p of check.missing) missing.add(p);
    }
  }
  if (refused.size > 0) problems.push({ code: 'GRANT_CEILING', roleKeys: [...refused], missing: [...missing] });

  // R6: with a single owner, ownership only moves by transfer, never by a role edit.
  if (policy.ownerModel === 'single') {
    const ownerKeys = [...new Set(changed.filter(isOwnerRole).map((r) => r.key))];
    if (ownerKeys.length > 0) problems.push({ code: 'SINGLE_OWNER', roleKeys: ownerKeys });
  }
  return problems;
}

// ---------------------------------------------------------------- R5 owner floor

export type OwnerFloorCheck = { ok: true } | { ok: false; code: 'LAST_OWNER' };

export interface OwnerFloorInput {
  /** Active memberships holding org:own now, read after locking the org row. */
  activeOwnerMembershipIds: readonly string[];
  /** Membership being demoted, removed, disabled, leaving or deleted. */
  affectedMembershipId: string;
  /** Whether that membership still holds org:own and stays active after the change. */
  keepsOwn: boolean;
}

/**
 * R5's refusal says what to do: ownership must reach someone else first (CloudTruth: "another user
 * must be assigned the Owner role"; single-owner presets move it by transfer).
 */
export function lastOwnerMessage(policy: Pick<PresetPolicy, 'ownerModel'>, topRoleName: string): string {
  return policy.ownerModel === 'single'
    ? `This is the organization's only ${topRoleName}: transfer ownership to another member first.`
    : `This is the organization's only ${topRoleName}: another user must be made ${topRoleName} first.`;
}

/** R5: every org keeps at least one active member holding org:own. */
export function checkOwnerFloor(input: OwnerFloorInput): OwnerFloorCheck {
  const { activeOwnerMembershipIds, affectedMembershipId, keepsOwn } = input;
  // A change to a non-owner, or one that keeps ownership, never lowers the owner count.
  if (keepsOwn || !activeOwnerMembershipIds.includes(affectedMembershipId)) return { ok: true };
  const remaining = activeOwnerMembershipIds.filter((id) => id !== affectedMembershipId);
  return remaining.length > 0 ? { ok: true } : { ok: false, code: 'LAST_OWNER' };
}

// ---------------------------------------------------------------- R11 leave

export type LeaveCheck = { ok: true } | { ok: false; code: 'LEAVE_NOT_ALLOWED'; requiredPermission: string };

/** R11 (+ cloudtruth: only admins and owners leave). The owner floor (R5) is checked separately. */
export function checkLeave(policy: Pick<PresetPolicy, 'leave'>, memberPerms: ReadonlySet<string>): LeaveCheck {
  if (policy.leave === 'any') return { ok: true };
  const required = policy.leave.requiresPermission;
  return can(memberPerms, required) ? { ok: true } : { ok: false, code: 'LEAVE_NOT_ALLOWED', requiredPermission: required };
}

// ---------------------------------------------------------------- R12 custom roles

export const ROLE_NAME_MAX = 64;
export const ROLE_DESCRIPTION_MAX = 500;

export type CustomRoleIssueCode =
  | 'LIMIT_EXCEEDED'
  | 'NAME_REQUIRED'
  | 'NAME_TOO_LONG'
  | 'NAME_TAKEN'
  | 'DESCRIPTION_TOO_LONG'
  | 'UNKNOWN_PERMISSION'
  | 'OWNER_PERMISSION';

export interface CustomRoleIssue {
  field: string[];
  message: string;
  code: CustomRoleIssueCode;
}

export interface CustomRoleInput {
  name: string;
  description?: string;
  permissions: readonly string[];
}

export interface CustomRoleContext {
  /** Names already used in the org: built-in role names and other custom roles (not the one edited). */
  existingNames: Iterable<string>;
  /** Custom roles the org has now, not counting the one edited. */
  count: number;
  policy: Pick<PresetPolicy, 'customRoleLimit'>;
}

/** R12: limit, unique name (case-insensitive), 1–64 chars, catalog permissions, never org:own. */
export function validateCustomRole(input: CustomRoleInput, ctx: CustomRoleContext): CustomRoleIssue[] {
  const issues: CustomRoleIssue[] = [];
  const limit = ctx.policy.customRoleLimit;
  if (ctx.count >= limit) {
    const message = limit === 0 ? 'This organization cannot have custom roles.' : `At most ${limit} custom roles per organization.`;
    issues.push({ field: [], message, code: 'LIMIT_EXCEEDED' });
  }

  const name = input.name.trim();
  if (name.length === 0) issues.push({ field: ['name'], message: 'Name is required.', code: 'NAME_REQUIRED' });
  else if (name.length > ROLE_NAME_MAX) issues.push({ field: ['name'], message: `Name must be at most ${ROLE_NAME_MAX} characters.`, code: 'NAME_TOO_LONG' });
  else {
    const lower = name.toLowerCase();
    for (const existing of ctx.existingNames) {
      if (existing.trim().toLowerCase() === lower) {
        issues.push({ field: ['name'], message: `A role named "${existing}" already exists.`, code: 'NAME_TAKEN' });
        break;
      }
    }
  }

  if ((input.description ?? '').length > ROLE_DESCRIPTION_MAX) {
    issues.push({ field: ['description'], message: `Description must be at most ${ROLE_DESCRIPTION_MAX} characters.`, code: 'DESCRIPTION_TOO_LONG' });
  }

  input.permissions.forEach((p, i) => {
    const field = ['permissions', String(i)];
    if (!isKnownPermissionPattern(p)) issues.push({ field, message: `Unknown permission "${p}".`, code: 'UNKNOWN_PERMISSION' });
    else if (matchPermissions(p).includes(ORG_OWN)) issues.push({ field, message: `A custom role cannot hold ${ORG_OWN}.`, code: 'OWNER_PERMISSION' });
  });
  return issues;
}

// ---------------------------------------------------------------- resource grants

export interface ResourceAccess {
  /** Effective permissions from the member's org roles (apply to every resource of the org). */
  orgPerms: ReadonlySet<string>;
  /** Permissions of the roles granted on this one resource, including the creator role. */
  resourceRolePerms: Iterable<string>;
}

/** Org roles and resource grants add up; a resource grant never takes an org permission away. */
export function canOnResource(access: ResourceAccess, permission: string): boolean {
  return can(access.orgPerms, permission) || expandPermissions(access.resourceRolePerms).has(permission);
}

// ---------------------------------------------------------------- explanations

export interface NamedRole extends KeyedRole {
  name: string;
}

/** Which of the given roles grant `permission` (for "why can / can't I" in the SPA). */
export function explainPermission<R extends NamedRole>(roles: readonly R[], permission: string): R[] {
  return roles.filter((role) => expandPermissions(role.permissions).has(permission));
}
