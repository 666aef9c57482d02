import { defineEntity, p } from '@mikro-orm/core';
import { User } from '../users/user.entity.ts';

/** One refresh token. Tokens of one sign-in share a family; reusing a rotated one revokes the family. */
export const SessionSchema = defineEntity({
  name: 'Session',
  tableName: 'session',
  properties: {
    id: p.uuid().primary(),
    user: () => p.manyToOne(User).fieldName('user_id'),
    familyId: p.uuid(),
    tokenHash: p.string().unique().hidden(),
    expiresAt: p.datetime(),
    rotatedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    userAgent: p.string().nullable(),
    ip: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Session extends SessionSchema.class {}
SessionSchema.setClass(Session);
