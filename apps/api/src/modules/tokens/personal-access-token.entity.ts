import { defineEntity, p } from '@mikro-orm/core';

/**
 * A member's personal access token for one organization (R23). Plain ids rather than relations: the
 * hot path (authentication) reads it with SQL, and the GraphQL type loads its organization itself.
 */
export const PersonalAccessTokenSchema = defineEntity({
  name: 'PersonalAccessToken',
  tableName: 'personal_access_token',
  properties: {
    id: p.uuid().primary(),
    orgId: p.uuid(),
    membershipId: p.uuid(),
    userId: p.uuid(),
    name: p.string(),
    tokenHash: p.blob().hidden(),
    /** Last four characters of the secret, to tell tokens apart in lists. */
    hint: p.string(),
    permissions: p.array().columnType('text[]'),
    expiresAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    revokedAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
  },
});

export class PersonalAccessToken extends PersonalAccessTokenSchema.class {}
PersonalAccessTokenSchema.setClass(PersonalAccessToken);
