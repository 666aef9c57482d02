// Why a member control is disabled, in words a UI can show. Built only on the rule functions the
// API runs (checkRoleChange for R3/R4/R6, checkOwnerFloor for R5), so a UI never re-implements a
// rule: it explains the refusal the API would give before anyone clicks.

import { getPermission } from './catalog.ts';
import { defaultMemberRole, type AssignableRole } from './defaults.ts';
import { PRESETS, type OwnerModel } from './presets.ts';
import { checkOwnerFloor, checkRoleChange, isOwnerRole, lastOwnerMessage, type NamedRole, type RoleChangeProblem } from './rules.ts';

export interface ControlRole extends NamedRole {
  id: string;
}

export type ControlReasonCode = 'SELF' | 'NO_PERMISSION' | 'OWNER_ONLY' | 'CEILING' | 'LAST_OWNER' | 'SINGLE_OWNER' | 'TOO_MANY_ROLES';

export interface ControlReason {
  code: ControlReasonCode;
  /** The reason in English (the API's wording); a UI in another language words it from code and params. */
  message: string;
  /** Permissions the actor lacks (CEILING). */
  missing?: string[];
  /** What the message is made of, so a UI can say it in another language. */
  params?: ControlReasonParams;
}

export interface ControlReasonParams {
  /** The control refused: role changes, adding a member, or an action on a member. */
  control: 'roles' | 'add' | MemberAction;
  /** Role names the message speaks of (OWNER_ONLY, CEILING). */
  roles?: string[];
  /** The permission needed (NO_PERMISSION). */
  permission?: string;
  /** The top role's name and the preset's owner model (LAST_OWNER). */
  topRole?: string;
  ownerModel?: string;
}

/** The policy fields the reasons need; ownerModel as a UI receives it (a string over GraphQL). */
export interface ControlPolicy {
  ownerModel: OwnerModel | string;
  multipleRolesPerMembership?: boolean;
  ownerSelfDowngrade?: boolean;
}
type Policy = ControlPolicy;
const ownerModel = (policy: Policy) => policy.ownerModel as OwnerModel;

/** What a UI knows of the organization's owners: the same set the API counts for R5. */
export interface OwnerFacts {
  /**
   * Active memberships of active users holding org:own (API: activeOwnerMembershipIds). Undefined
   * when unknown: the owner floor is then left to the API's answer.
   */
  activeOwnerMembershipIds?: readonly string[];
}

export interface RoleControlContext extends OwnerFacts {
  actorUserId: string;
  /** The actor's effective permissions in the organization (expanded). */
  actorPerms: ReadonlySet<string>;
  targetUserId: string;
  /** The membership being changed (for the owner floor). */
  membershipId?: string;
  /** Roles the member holds now (saved state). */
  currentRoles: readonly ControlRole[];
  policy: Policy;
}

function describe(missing: readonly string[]): string {
  const shown = missing.slice(0, 3).map((p) => getPermission(p)?.key ?? p);
  return shown.join(', ') + (missing.length > 3 ? ` and ${missing.length - 3} more` : '');
}

function topRoleName(roles: readonly ControlRole[]): string {
  return roles.find(isOwnerRole)?.name ?? 'owner';
}

/** The first problem of checkRoleChange in words; NO_ROLES is the UI's own business (nothing picked). */
function problemReason(problem: RoleChangeProblem, roles: readonly ControlRole[], verb: string, control: ControlReasonParams['control']): ControlReason | null {
  const byKey = (key: string) => roles.find((r) => r.key === key)?.name ?? key;
  switch (problem.code) {
    case 'SELF_ROLE_CHANGE':
      return { code: 'SELF', message: 'You cannot change your own roles. Another administrator has to do it.', params: { control } };
    case 'SINGLE_OWNER':
      return { code: 'SINGLE_OWNER', message: 'This organization has exactly one owner: ownership moves by transfer.', params: { control } };
    case 'TOO_MANY_ROLES':
      return { code: 'TOO_MANY_ROLES', message: 'A member holds one role in this organization.', params: { control } };
    case 'GRANT_CEILING': {
      const roleNames = problem.roleKeys.map(byKey);
      const names = roleNames.join(', ');
      const params = { control, roles: roleNames };
      if (problem.missing.includes('org:own')) return { code: 'OWNER_ONLY', message: `Only holders of the top role can ${verb} ${names}.`, missing: problem.missing, params };
      return { code: 'CEILING', message: `${names} holds permissions you do not have: ${describe(problem.missing)}.`, missing: problem.missing, params };
    }
    case 'NO_ROLES':
      return null;
  }
}

/** R5 for a change that leaves the membership with `nextRoles` (or removes/disables it: keepsOwn false). */
function ownerFloorReason(ctx: RoleControlContext, keepsOwn: boolean, allRoles: readonly ControlRole[], control: ControlReasonParams['control']): ControlReason | null {
  if (!ctx.activeOwnerMembershipIds || !ctx.membershipId) return null;
  const check = checkOwnerFloor({ activeOwnerMembershipIds: ctx.activeOwnerMembershipIds, affectedMembershipId: ctx.membershipId, keepsOwn });
  const topRole = topRoleName(allRoles);
  return check.ok
    ? null
    : { code: 'LAST_OWNER', message: lastOwnerMessage({ ownerModel: ownerModel(ctx.policy) }, topRole), params: { control, topRole, ownerModel: ctx.policy.ownerModel } };
}

/**
 * Why the member's role set may not become `nextRoles` (R3 ceiling, R4 own roles, R6 single owner,
 * R5 owner floor), or null. Needs members:update like the API.
 */
export function roleChangeReason(nextRoles: readonly ControlRole[], ctx: RoleControlContext, allRoles: readonly ControlRole[] = nextRoles): ControlReason | null {
  if (!ctx.actorPerms.has('members:update')) return { code: 'NO_PERMISSION', message: 'Changing roles needs the members:update permission.', params: { control: 'roles', permission: 'members:update' } };
  const problems = checkRoleChange({
    actorUserId: ctx.actorUserId,
    targetUserId: ctx.targetUserId,
    actorPerms: ctx.actorPerms,
    currentRoles: ctx.currentRoles,
    nextRoles,
    policy: { multipleRolesPerMembership: ctx.policy.multipleRolesPerMembership ?? true, ownerModel: ownerModel(ctx.policy), ownerSelfDowngrade: ctx.policy.ownerSelfDowngrade },
  });
  for (const problem of problems) {
    const reason = problemReason(problem, [...allRoles, ...ctx.currentRoles], 'grant or take away', 'roles');
    if (reason) return reason;
  }
  return ownerFloorReason(ctx, nextRoles.some(isOwnerRole), [...allRoles, ...ctx.currentRoles], 'roles');
}

/**
 * Why `role` may not be ticked or unticked (several roles per member), or chosen (one role: the
 * member's role set becomes just this one). Null when it may.
 */
export function roleToggleReason(role: ControlRole, ctx: RoleControlContext, allRoles: readonly ControlRole[] = [role]): ControlReason | null {
  const multiple = ctx.policy.multipleRolesPerMembership ?? true;
  const holds = ctx.currentRoles.some((r) => r.id === role.id);
  let next: readonly ControlRole[];
  if (!multiple) next = [role];
  else if (holds) next = ctx.currentRoles.filter((r) => r.id !== role.id);
  else next = [...ctx.currentRoles, role];
  // Unticking the last role leaves none: the API refuses that (NO_ROLES), the UI says so at save time.
  return roleChangeReason(next, ctx, allRoles);
}

export type MemberAction = 'remove' | 'disable' | 'delete';

export interface MemberActionContext extends OwnerFacts {
  actorUserId: string;
  actorPerms: ReadonlySet<string>;
  isPlatformAdmin?: boolean;
  policy: Policy;
}

/** Why the actor may not remove, disable or delete a member (permission, R3 over their roles, R5), or null. */
export function memberActionReason(
  action: MemberAction,
  target: { userId: string; membershipId?: string; roles: readonly ControlRole[] },
  ctx: MemberActionContext,
): ControlReason | null {
  if (action === 'disable' && target.userId === ctx.actorUserId) return { code: 'SELF', message: 'You cannot disable yourself.', params: { control: action } };
  const needed = action === 'disable' ? 'members:update' : 'members:remove';
  if (!ctx.isPlatformAdmin) {
    if (!ctx.actorPerms.has(needed)) return { code: 'NO_PERMISSION', message: `Needs the ${needed} permission.`, params: { control: action, permission: needed } };
    // Removal takes every role away, so R3 applies to each (checkRoleChange with no next roles);
    // removing yourself is leaving, another control.
    const problems = checkRoleChange({
      actorUserId: ctx.actorUserId,
      targetUserId: target.userId,
      actorPerms: ctx.actorPerms,
      currentRoles: target.roles,
      nextRoles: [],
      policy: { multipleRolesPerMembership: true, ownerModel: 'multiple' },
    });
    const ceiling = problems.find((p) => p.code === 'GRANT_CEILING');
    if (ceiling) return problemReason(ceiling, target.roles, action, action);
  }
  return ownerFloorReason(
    { ...ctx, targetUserId: target.userId, membershipId: target.membershipId, currentRoles: target.roles },
    false,
    target.roles,
    action,
  );
}

/** Why `role` may not be given to someone being added or invited (permission, R3, R6), or null. */
export function addRoleReason(role: ControlRole, ctx: { actorPerms: ReadonlySet<string>; policy: Policy }): ControlReason | null {
  if (!ctx.actorPerms.has('members:invite')) return { code: 'NO_PERMISSION', message: 'Adding members needs the members:invite permission.', params: { control: 'add', permission: 'members:invite' } };
  const problems = checkRoleChange({
    actorUserId: 'actor',
    targetUserId: 'new member',
    actorPerms: ctx.actorPerms,
    currentRoles: [],
    nextRoles: [role],
    policy: { multipleRolesPerMembership: true, ownerModel: ownerModel(ctx.policy) },
  });
  for (const problem of problems) {
    const reason = problemReason(problem, [role], 'grant', 'add');

    if (reason) return reason;
  }
  return null;
}

/** The role preselected for a new member of a preset (defaultMemberRole with the preset's default key). */
export function presetDefaultRole<R extends AssignableRole>(roles: readonly R[], presetKey: string, mayGive: (role: R) => boolean): R | undefined {
  return defaultMemberRole(roles, PRESETS.find((p) => p.key === presetKey)?.defaultRoleKey ?? '', mayGive);
}
