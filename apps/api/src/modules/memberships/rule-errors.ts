import { checkOwnerFloor, isOwnerRole, lastOwnerMessage, ORG_OWN, type Preset, type RoleChangeProblem, type PermissionKey } from '@gatehouse/permissions';
import type { Em } from '../../db/orm.ts';
import {
  AuthError,
  GrantCeilingError,
  LastOwnerError,
  PolicyError,
  SelfRoleChangeError,
  ValidationError,
} from '../../errors.ts';
import { activeOwnerMembershipIds } from './membership.locks.ts';

/** Turns the pure rule results of @gatehouse/permissions into the typed errors the API returns. */
export function throwRoleChangeProblems(problems: RoleChangeProblem[], options: { ignore?: RoleChangeProblem['code'][]; field?: string[] } = {}): void {
  const relevant = problems.filter((p) => !options.ignore?.includes(p.code));
  const field = options.field ?? ['roleIds'];
  for (const problem of relevant) {
    switch (problem.code) {
      case 'SELF_ROLE_CHANGE':
        // R4, one rule (packages/permissions selfRoleChangeVerdict): no manage permission = FORBIDDEN as for anyone.
        if (problem.reason === 'NOT_ALLOWED') throw new AuthError('FORBIDDEN', problem.message ?? 'You do not have permission to do this');
        throw new SelfRoleChangeError(problem.message, problem.reason);
      case 'SINGLE_OWNER':
        throw new PolicyError('This organization has exactly one owner: ownership moves only by transfer', 'SINGLE_OWNER');
      case 'GRANT_CEILING':
        throw new GrantCeilingError(problem.roleKeys, problem.missing.includes(ORG_OWN));
      case 'NO_ROLES':
        throw ValidationError.field(field, 'Choose at least one role');
      case 'TOO_MANY_ROLES':
        throw ValidationError.field(field, `Choose exactly ${problem.max} role`);
    }
  }
}

/** R5's refusal in the preset's words: who must become the top role first (CloudTruth: another Owner). */
export function ownerFloorMessage(preset: Preset): string {
  return lastOwnerMessage(preset.policy, preset.roles.find(isOwnerRole)?.name ?? 'Owner');
}

/** R5: fails when the membership is an active owner, loses ownership, and is the last one. */
export async function assertOwnerFloor(tx: Em, orgId: string, membershipId: string, keepsOwn: boolean, message?: string): Promise<void> {
  const owners = await activeOwnerMembershipIds(tx, orgId);
  const check = checkOwnerFloor({ activeOwnerMembershipIds: owners, affectedMembershipId: membershipId, keepsOwn });
  if (!check.ok) throw new LastOwnerError(message);
}

export function requirePermission(perms: ReadonlySet<string>, permission: PermissionKey): void {
  if (!perms.has(permission)) throw new AuthError('FORBIDDEN', 'You do not have permission to do this');
}
