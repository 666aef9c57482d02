import { checkGrant, isOwnerRole, type HasPermissions } from '@gatehouse/permissions';
import { GrantCeilingError, PolicyError, ValidationError } from '../../errors.ts';

/** At most this many service accounts per organization (Auth0 allows 100 client-credential apps per org). */
export const SERVICE_ACCOUNT_LIMIT = 100;
/** Live keys per service account: enough to rotate with overlap, few enough to review. */
export const SERVICE_ACCOUNT_KEY_LIMIT = 10;
export const KEY_MAX_DAYS = 366;
/** Longest overlap when rotating: the old key keeps working this long at most. */
export const ROTATION_MAX_HOURS = 24 * 30;

interface NamedRole extends HasPermissions {
  key: string;
  name: string;
}

/**
 * R3 for service accounts: whoever gives or takes away a role, or issues a key for an account
 * (which hands out the account's whole power), must hold every permission of those roles. A
 * service account never holds a role with org:own: the owner floor (R5) counts people only.
 */
export function checkServiceAccountRoles(actorPerms: ReadonlySet<string>, roles: readonly NamedRole[]): void {
  const owner = roles.filter((r) => isOwnerRole(r));
  if (owner.length) throw new PolicyError(`A service account cannot hold ${owner.map((r) => r.name).join(', ')}: it holds org:own`);
  const over = roles.filter((r) => !checkGrant(actorPerms, r).ok);
  if (over.length) throw new GrantCeilingError(over.map((r) => r.key), false);
}

export function validateExpiry(days: number | null, path: string[], max = KEY_MAX_DAYS): Date | null {
  if (days === null) return null;
  if (!Number.isInteger(days) || days < 1 || days > max) throw ValidationError.field(path, `Between 1 and ${max} days, or none for no expiry`);
  return new Date(Date.now() + days * 86_400_000);
}

export function validateName(name: string, path: string[]): string {
  const trimmed = name.trim();
  if (!trimmed) throw ValidationError.field(path, 'Give it a name');
  return trimmed;
}
