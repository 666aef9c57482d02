import { credentialRights } from '@gatehouse/permissions';

/**
 * A request made with a credential rather than a signed-in session (R23): a personal access token
 * acts for its owner in one organization, with at most its permission subset; a service account
 * acts in its one organization with its own roles' permissions.
 */
export type Credential = PersonalAccessTokenCredential | ServiceAccountCredential;

export interface PersonalAccessTokenCredential {
  kind: 'personalAccessToken';
  id: string;
  name: string;
  orgId: string;
  /** The subset chosen at creation; the rights are this ∩ the owner's current permissions (R2). */
  permissions: readonly string[];
}

/**
 * A service account's stand-in user carries this (service-account.principal.ts). Its permissions
 * are its roles', read when the request was authenticated; rule checks re-read them after the
 * organization lock (serviceAccountPermissionsAfterLock), as they do a member's.
 */
export interface ServiceAccountCredential {
  kind: 'serviceAccount';
  id: string;
  name: string;
  orgId: string;
  permissions: ReadonlySet<string>;
}

/**
 * The credential behind a request's user object. Kept beside the object, not on it, so no entity
 * carries a field the ORM does not know; rule checks that re-read permissions inside a transaction
 * (membership.locks.ts permissionsAfterLock) find it here and apply the same restriction.
 */
const byUser = new WeakMap<object, Credential>();

export function attachCredential(user: object, credential: Credential): void {
  byUser.set(user, credential);
}

export function credentialOf(user: object | null | undefined): Credential | undefined {
  return user ? byUser.get(user) : undefined;
}

/**
 * The permissions a request may use in an organization: unchanged for a session; for a credential,
 * nothing outside its organization and its subset ∩ the holder's current permissions inside it.
 */
export function restrictToCredential(credential: Credential | undefined, orgId: string, perms: ReadonlySet<string> | undefined): ReadonlySet<string> | undefined {
  if (!credential) return perms;
  if (orgId !== credential.orgId) return undefined;
  // A service account holds no membership: its rights are its own roles', whatever `perms` says.
  if (credential.kind === 'serviceAccount') return credential.permissions;
  return credentialRights(credential.permissions, perms);
}

/** How the audit log names a credential's actions: the credential first, then whose it is. */
export function credentialLabel(credential: PersonalAccessTokenCredential, ownerEmail: string): string {
  return `token "${credential.name}" of ${ownerEmail}`;
}
