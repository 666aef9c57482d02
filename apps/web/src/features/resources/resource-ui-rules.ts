// What the resource screens enable, computed from @gatehouse/permissions (the API checks the same
// functions again inside its transaction): never re-implemented here, only mapped to labels.
import {
  canManageResourceMembers,
  canRenameResource,
  renamePermissionOf,
  checkResourceGrantChange,
  describeResourceGrantProblem,
  findResourceType,
  getPreset,
  permissionOf,
  resourceRoleOptions,
  type ResourceTypeDef,
} from '@gatehouse/permissions';

export function resourceTypesOf(presetKey: string | undefined): ResourceTypeDef[] {
  if (!presetKey) return [];
  try {
    return getPreset(presetKey).policy.resourceTypes;
  } catch {
    return []; // an API on a newer preset than this build: no resource pages rather than a crash
  }
}

export function resourceTypeOf(presetKey: string | undefined, type: string | undefined): ResourceTypeDef | undefined {
  if (!presetKey || !type) return undefined;
  return resourceTypesOf(presetKey).length ? findResourceType(getPreset(presetKey), type) : undefined;
}

/** Why a resource action is off, or null when it is allowed. */
export function createReason(def: ResourceTypeDef, orgPerms: ReadonlySet<string>): string | null {
  const perm = permissionOf(def, 'create');
  return orgPerms.has(perm) ? null : `Your role cannot create a ${def.name.toLowerCase()} (${perm}).`;
}

export function deleteReason(def: ResourceTypeDef, permsOnResource: ReadonlySet<string>): string | null {
  const perm = permissionOf(def, 'delete');
  return permsOnResource.has(perm) ? null : `You cannot delete this ${def.name.toLowerCase()} (${perm}).`;
}

export function renameReason(def: ResourceTypeDef, permsOnResource: ReadonlySet<string>): string | null {
  return canRenameResource(def, permsOnResource) ? null : `You cannot rename this ${def.name.toLowerCase()} (${renamePermissionOf(def)}).`;
}

export function manageReason(def: ResourceTypeDef, orgPerms: ReadonlySet<string>, permsOnResource: ReadonlySet<string>): string | null {
  return canManageResourceMembers(def, orgPerms, permsOnResource)
    ? null
    : describeResourceGrantProblem({ code: 'NOT_ALLOWED', required: ['members:update', permissionOf(def, 'assign')] }, def);
}

export interface RoleChoice {
  value: string;
  label: string;
  disabled: boolean;
  reason: string | null;
}

export interface ChoiceInput {
  def: ResourceTypeDef;
  actorMembershipId: string | null;
  targetMembershipId: string;
  actorOrgPerms: ReadonlySet<string>;
  actorPermsOnResource: ReadonlySet<string>;
  targetOrgRoleKeys: readonly string[];
  currentRoleKey: string | null;
}

/** The role selector's options for one member: R3 ceiling, R4 self, R19 cap, each with its reason. */
export function roleChoices(input: ChoiceInput): RoleChoice[] {
  return resourceRoleOptions({
    def: input.def,
    actorUserId: input.actorMembershipId ?? 'platform-admin',
    targetUserId: input.targetMembershipId,
    actorOrgPerms: input.actorOrgPerms,
    actorPermsOnResource: input.actorPermsOnResource,
    targetOrgRoleKeys: input.targetOrgRoleKeys,
    currentRoleKey: input.currentRoleKey,
  }).map((o) => {
    const unchanged = o.role.key === input.currentRoleKey;
    const reason = o.allowed || unchanged ? null : describeResourceGrantProblem(o.reason, input.def);
    return { value: o.role.key, label: o.role.name, disabled: reason !== null, reason };
  });
}

/** Why removing a member from the resource is off (R3 on the role taken away, R4), or null. */
export function removeReason(input: ChoiceInput): string | null {
  const [problem] = checkResourceGrantChange({
    def: input.def,
    actorUserId: input.actorMembershipId ?? 'platform-admin',
    targetUserId: input.targetMembershipId,
    actorOrgPerms: input.actorOrgPerms,
    actorPermsOnResource: input.actorPermsOnResource,
    targetOrgRoleKeys: input.targetOrgRoleKeys,
    currentRoleKey: input.currentRoleKey,
    nextRoleKey: null,
  });
  return problem ? describeResourceGrantProblem(problem, input.def) : null;
}
