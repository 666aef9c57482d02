// What the resource screens enable, computed from @gatehouse/permissions (the API checks the same
// functions again inside its transaction): never re-implemented here, only mapped to labels.
import {
  canManageResourceMembers,
  canRenameResource,
  renamePermissionOf,
  checkResourceGrantChange,
  describeResourceGrantProblem,
  expandPermissions,
  findResourceType,
  getPreset,
  permissionOf,
  resourceRoleOptions,
  type ResourceTypeDef,
} from '@gatehouse/permissions';
import { t } from '@lingui/core/macro';
import { resourceTypeNoun, roleLabel } from '../../i18n/data-names.ts';

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
  const type = resourceTypeNoun(def.name);
  return orgPerms.has(perm) ? null : t`Your role cannot create a ${type} (${perm}).`;
}

export function deleteReason(def: ResourceTypeDef, permsOnResource: ReadonlySet<string>): string | null {
  const perm = permissionOf(def, 'delete');
  const type = resourceTypeNoun(def.name);
  return permsOnResource.has(perm) ? null : t`You cannot delete this ${type} (${perm}).`;
}

export function renameReason(def: ResourceTypeDef, permsOnResource: ReadonlySet<string>): string | null {
  const type = resourceTypeNoun(def.name);
  const perm = renamePermissionOf(def);
  return canRenameResource(def, permsOnResource) ? null : t`You cannot rename this ${type} (${perm}).`;
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
    return { value: o.role.key, label: roleLabel(o.role), disabled: reason !== null, reason };
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

// ---------------------------------------------------------------- invitations carrying resource grants

export interface InviteGrantResource {
  id: string;
  name: string;
  type: string;
  /** What the inviter holds on the resource (org permissions ∪ capped resource roles), from the API. */
  viewerPermissions: readonly string[];
}

export interface InviteGrantOption {
  resource: InviteGrantResource;
  def: ResourceTypeDef;
  /** Why the inviter cannot put anyone on this resource (does not manage its members), or null. */
  reason: string | null;
  /** The resource's roles for the invitee: R3 within what the inviter holds there, R19 within the cap of the invited org roles. */
  roles: RoleChoice[];
}

/**
 * The resource grants an inviter may attach to an invitation, per resource: the same check the API
 * makes (checkResourceGrantChange, the invitee standing in for the grantee, who has no account in the
 * org yet, so R4 cannot apply). Resources of a type the preset does not know are left out.
 */
export function inviteGrantOptions(
  presetKey: string,
  resources: readonly InviteGrantResource[],
  actorOrgPerms: ReadonlySet<string>,
  invitedOrgRoleKeys: readonly string[],
): InviteGrantOption[] {
  const out: InviteGrantOption[] = [];
  for (const resource of resources) {
    const def = resourceTypeOf(presetKey, resource.type);
    if (!def) continue;
    const onResource = expandPermissions(resource.viewerPermissions);
    const roles = roleChoices({
      def,
      actorMembershipId: 'inviter',
      targetMembershipId: 'invitee',
      actorOrgPerms,
      actorPermsOnResource: onResource,
      targetOrgRoleKeys: invitedOrgRoleKeys,
      currentRoleKey: null,
    });
    const reason = manageReason(def, actorOrgPerms, onResource) ?? (roles.some((r) => !r.disabled) ? null : (roles.find((r) => r.reason)?.reason ?? null));
    out.push({ resource, def, reason, roles });
  }
  return out;
}

export interface InviteGrantDraft {
  resourceId: string;
  roleKey: string;
}

/** The least-privileged role the invitee may be given on the resource (a sensible default), or null. */
export function defaultInviteRole(option: InviteGrantOption): string | null {
  const allowed = option.roles.filter((r) => !r.disabled);
  const size = (key: string) => expandPermissions(option.def.roles.find((r) => r.key === key)?.permissions ?? []).size;
  return allowed.sort((a, b) => size(a.value) - size(b.value))[0]?.value ?? null;
}

/**
 * Why each chosen grant cannot be sent (index → sentence): the resource is gone from the list or not
 * managed by the inviter, it is listed twice, or the role is not allowed (e.g. the invited org roles
 * changed after the grant was chosen and the cap, R19, no longer admits it).
 */
export function inviteGrantIssues(options: readonly InviteGrantOption[], drafts: readonly InviteGrantDraft[]): Map<number, string> {
  const issues = new Map<number, string>();
  const seen = new Set<string>();
  drafts.forEach((d, i) => {
    const option = options.find((o) => o.resource.id === d.resourceId);
    if (!option) return issues.set(i, t`Choose a resource you manage.`);
    const type = resourceTypeNoun(option.def.name);
    if (seen.has(d.resourceId)) return issues.set(i, t`This ${type} is in the list twice.`);
    seen.add(d.resourceId);
    if (option.reason) return issues.set(i, option.reason);
    const role = option.roles.find((r) => r.value === d.roleKey);
    if (!role) return issues.set(i, t`Choose a role.`);
    if (role.disabled) issues.set(i, role.reason ?? t`This role cannot be given.`);
    return undefined;
  });
  return issues;
}

/**
 * How an invitation's grants read in a list: "Shop: Project Developer". The API leaves the name out
 * (null) of a resource the reader may not read (R1): "a project you cannot see".
 */
export function inviteGrantLabels(
  presetKey: string,
  grants: readonly { resourceType: string; resourceName: string | null; roleKey: string }[],
): string[] {
  return grants.map((g) => {
    const def = resourceTypeOf(presetKey, g.resourceType);
    const found = def?.roles.find((r) => r.key === g.roleKey);
    const role = found ? roleLabel(found) : g.roleKey;
    const type = def ? resourceTypeNoun(def.name) : undefined;
    const name = g.resourceName ?? (type ? t`a ${type} you cannot see` : t`a resource you cannot see`);

    return `${name}: ${role}`;
  });
}
