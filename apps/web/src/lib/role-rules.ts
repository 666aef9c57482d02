// Why a role control is disabled: the same pure rules the API runs (@gatehouse/permissions), so
// the SPA can explain a refusal before the user tries (R3 grant ceiling, R4 own roles, R5 last
// owner, R6 single owner). The API stays the authority: its typed errors are shown too.
import { PRESETS, checkGrant, defaultMemberRole, expandPermissions, isOwnerRole, getPermission } from '@gatehouse/permissions';

export interface RoleLike {
  id: string;
  key: string;
  name: string;
  permissions: readonly string[];
}

export interface RoleToggleContext {
  actorUserId: string;
  targetUserId: string;
  /** The actor's effective permissions in the organization. */
  actorPerms: ReadonlySet<string>;
  /** Role ids the member holds now (saved state). */
  currentRoleIds: ReadonlySet<string>;
  /** Whether the membership being edited is active. */
  membershipActive?: boolean;
  /** Active members holding each owner role, when known (Role.memberCount). */
  ownerHolderCount?: number;
  ownerModel: 'none' | 'single' | 'multiple' | string;
}

export type Reason =
  | { code: 'SELF'; message: string }
  | { code: 'NO_PERMISSION'; message: string }
  | { code: 'OWNER_ONLY'; message: string }
  | { code: 'CEILING'; message: string; missing: string[] }
  | { code: 'LAST_OWNER'; message: string }
  | { code: 'SINGLE_OWNER'; message: string };

function describe(missing: string[]): string {
  const shown = missing.slice(0, 3).map((p) => getPermission(p)?.key ?? p);
  return shown.join(', ') + (missing.length > 3 ? ` and ${missing.length - 3} more` : '');
}

/** Null when the actor may tick or untick `role` for the target member; otherwise the reason. */
export function roleToggleReason(role: RoleLike, ctx: RoleToggleContext): Reason | null {
  if (ctx.actorUserId === ctx.targetUserId) {
    return { code: 'SELF', message: 'You cannot change your own roles. Another administrator has to do it.' };
  }
  if (!ctx.actorPerms.has('members:update')) {
    return { code: 'NO_PERMISSION', message: 'Changing roles needs the members:update permission.' };
  }
  const owner = isOwnerRole(role);
  if (owner && ctx.ownerModel === 'single') {
    return { code: 'SINGLE_OWNER', message: 'This organization has exactly one owner: ownership moves by transfer.' };
  }
  const grant = checkGrant(ctx.actorPerms, role);
  if (!grant.ok) {
    if (grant.reason === 'OWNER_ONLY') {
      return { code: 'OWNER_ONLY', message: `Only holders of the top role can grant or take away ${role.name}.` };
    }
    return { code: 'CEILING', message: `${role.name} holds permissions you do not have: ${describe(grant.missing)}.`, missing: grant.missing };
  }
  const holds = ctx.currentRoleIds.has(role.id);
  if (owner && holds && (ctx.membershipActive ?? true) && ctx.ownerHolderCount !== undefined && ctx.ownerHolderCount <= 1) {
    return { code: 'LAST_OWNER', message: `Last ${role.name}: give another member this role first.` };
  }
  return null;
}

/** Reason the actor may not remove / disable / delete a member, or null. */
export function memberActionReason(
  action: 'remove' | 'disable' | 'delete',
  target: { userId: string; roles: readonly RoleLike[] },
  ctx: { actorUserId: string; actorPerms: ReadonlySet<string>; ownerHolderCount?: number; isPlatformAdmin?: boolean },
): string | null {
  const needed = action === 'remove' || action === 'delete' ? 'members:remove' : 'members:update';
  if (!ctx.isPlatformAdmin && !ctx.actorPerms.has(needed)) return `Needs the ${needed} permission.`;
  if (!ctx.isPlatformAdmin) {
    for (const role of target.roles) {
      const grant = checkGrant(ctx.actorPerms, role);
      if (!grant.ok) {
        return grant.reason === 'OWNER_ONLY'
          ? `Only holders of the top role can ${action} a member with ${role.name}.`
          : `${role.name} holds permissions you do not have.`;
      }
    }
  }
  if (target.roles.some(isOwnerRole) && ctx.ownerHolderCount !== undefined && ctx.ownerHolderCount <= 1) {
    return 'This is the last owner of the organization: make someone else owner first.';
  }
  return null;
}

export { expandPermissions, isOwnerRole };

/** Why a role may not be given to a member being added (R3; R6 single owner), or null. */
export function addRoleReason(role: RoleLike, ctx: { actorPerms: ReadonlySet<string>; ownerModel: string }): Reason | null {
  if (!ctx.actorPerms.has('members:invite')) return { code: 'NO_PERMISSION', message: 'Adding members needs the members:invite permission.' };
  if (ctx.ownerModel === 'single' && isOwnerRole(role)) {
    return { code: 'SINGLE_OWNER', message: 'This organization has exactly one owner: ownership moves by transfer.' };
  }
  const grant = checkGrant(ctx.actorPerms, role);
  if (grant.ok) return null;
  return grant.reason === 'OWNER_ONLY'
    ? { code: 'OWNER_ONLY', message: `Only holders of the top role can grant ${role.name}.` }
    : { code: 'CEILING', message: `${role.name} holds permissions you do not have: ${describe(grant.missing)}.`, missing: grant.missing };
}

/**
 * The role preselected for a new member: the preset's default built-in role (viewer, user,
 * operator), never a custom role nobody chose (@gatehouse/permissions defaultMemberRole).
 */
export function presetDefaultRole<R extends RoleLike & { builtin: boolean }>(
  roles: readonly R[],
  presetKey: string,
  mayGive: (role: R) => boolean,
): R | undefined {
  const preset = PRESETS.find((p) => p.key === presetKey);
  return defaultMemberRole(roles, preset?.defaultRoleKey ?? '', mayGive);
}
