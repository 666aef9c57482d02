// Which role a new member starts with (provisioning and invitations). The preset names it
// (`defaultRoleKey`); a custom role is never preselected, however few permissions it holds:
// nobody chose it, and custom roles may hold permissions (audit:read) the default does not.

import { expandPermissions, type KeyedRole } from './rules.ts';

export interface AssignableRole extends KeyedRole {
  /** True for the preset's built-in roles, false for an organization's custom roles. */
  builtin: boolean;
}

/**
 * The role to preselect for a new member: the preset's default built-in role when the actor may
 * give it, else the least privileged built-in role the actor may give, else none (the admin picks).
 * `mayGive` answers whether the actor may grant a role (R3 grant ceiling, R6 single owner).
 */
export function defaultMemberRole<R extends AssignableRole>(
  roles: readonly R[],
  defaultRoleKey: string,
  mayGive: (role: R) => boolean = () => true,
): R | undefined {
  const candidates = roles.filter((r) => r.builtin && mayGive(r));
  const preset = candidates.find((r) => r.key === defaultRoleKey);
  if (preset) return preset;
  let best: R | undefined;
  let bestSize = Infinity;
  for (const r of candidates) {
    const size = expandPermissions(r.permissions).size;
    if (size < bestSize) [best, bestSize] = [r, size];
  }
  return best;
}
