import { defineEntity, p } from '@mikro-orm/core';
import { User } from './user.entity.ts';

export const EmailTokenPurpose = ['VERIFY', 'CHANGE'] as const;
export type EmailTokenPurpose = (typeof EmailTokenPurpose)[number];

/**
 * A single-use confirmation link sent to an address (R20): VERIFY proves the account's current
 * address, CHANGE moves the account to `email` once its holder follows the link. Stored hashed.
 */
export const EmailTokenSchema = defineEntity({
  name: 'EmailToken',
  tableName: 'email_token',
  properties: {
    id: p.uuid().primary(),
    user: () => p.manyToOne(User).fieldName('user_id').deleteRule('cascade'),
    purpose: p.string().$type<EmailTokenPurpose>(),
    email: p.string(),
    tokenHash: p.string().unique().hidden(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class EmailToken extends EmailTokenSchema.class {}
EmailTokenSchema.setClass(EmailToken);
