// Types of the Gatehouse check API, as in apps/api/schema.graphql (PermissionCheckInput,
// PermissionCheckAnswer, PermissionCheckReason, PermissionGrantSource). packages/client/test
// checks them against the printed schema so they cannot drift.

export type PermissionCheckReason = 'ALLOWED' | 'NOT_GRANTED' | 'NO_SUCH_SUBJECT' | 'UNKNOWN_PERMISSION' | 'NO_SUCH_RESOURCE';

export interface PermissionCheckInput {
  /** A User or ServiceAccount global id. */
  subject: string;
  permission: string;
  resourceId?: string | null;
}

export interface PermissionGrantSource {
  source: 'ORGANIZATION_ROLE' | 'RESOURCE_ROLE';
  key: string;
  name: string;
}

export interface PermissionCheckAnswer {
  subject: string;
  permission: string;
  resourceId: string | null;
  allowed: boolean;
  reason: PermissionCheckReason;
  grantedBy: PermissionGrantSource[];
}

/** Claims of a verified Gatehouse access token: a person's session, or a service account (client credentials). */
export type GatehouseClaims =
  | { kind: 'user'; userId: string; sessionId: string; issuer: string; audience: string | string[]; expiresAt: Date }
  | { kind: 'serviceAccount'; serviceAccountId: string; organizationId: string; organizationSlug: string | undefined; issuer: string; audience: string | string[]; expiresAt: Date };
