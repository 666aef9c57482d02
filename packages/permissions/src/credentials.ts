// Non-human credentials (R23): personal access tokens and, later, service-account keys hold a
// chosen subset of permissions, and never more than whoever stands behind them holds right now.

import { ORG_OWN, isKnownPermission } from './catalog.ts';

/** Permissions a personal access token may never carry: the top-role marker stays with people. */
export const TOKEN_FORBIDDEN_PERMISSIONS: readonly string[] = [ORG_OWN];

/** Live (not revoked) personal access tokens one member may hold in one organization. */
export const TOKEN_LIMIT_PER_MEMBER = 50;

/** Longest lifetime a token may be given, in days; no expiry is allowed too. */
export const TOKEN_MAX_DAYS = 366;

export interface TokenPermissionIssue {
  index: number;
  permission: string;
  reason: 'UNKNOWN' | 'FORBIDDEN' | 'NOT_HELD';
  message: string;
}

/**
 * Whether a requested subset is acceptable for a token: exact catalog keys (no wildcards, so the
 * token never grows when the catalog does), never org:own, and only permissions the owner holds
 * now (`ownerPerms` expanded).
 */
export function checkTokenPermissions(requested: readonly string[], ownerPerms: ReadonlySet<string>): TokenPermissionIssue[] {
  const issues: TokenPermissionIssue[] = [];
  requested.forEach((permission, index) => {
    if (!isKnownPermission(permission)) issues.push({ index, permission, reason: 'UNKNOWN', message: 'Not a permission of the catalog (wildcards are not accepted)' });
    else if (TOKEN_FORBIDDEN_PERMISSIONS.includes(permission)) issues.push({ index, permission, reason: 'FORBIDDEN', message: 'A token cannot carry this permission' });
    else if (!ownerPerms.has(permission)) issues.push({ index, permission, reason: 'NOT_HELD', message: 'You do not hold this permission in this organization' });
  });
  return issues;
}

/**
 * R2, R23: what a credential may do right now: its subset intersected with its holder's current
 * permissions (expanded), minus what credentials never carry. A demotion shrinks it at once.
 */
export function credentialRights(subset: readonly string[], holderPerms: ReadonlySet<string> | undefined): ReadonlySet<string> {
  if (!holderPerms) return new Set();
  return new Set(subset.filter((p) => holderPerms.has(p) && !TOKEN_FORBIDDEN_PERMISSIONS.includes(p)));
}
