import { defineEntity, p } from '@mikro-orm/core';

export const UserStatus = ['ACTIVE', 'DISABLED'] as const;
export type UserStatus = (typeof UserStatus)[number];

export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'user',
  properties: {
    id: p.uuid().primary(),
    /** Stored lower-cased; a unique index on lower(email) keeps it case-insensitive. */
    email: p.string(),
    /** R20: when the holder proved the address; only proven addresses are ever matched. */
    emailVerifiedAt: p.datetime().nullable(),
    firstName: p.string().default(''),
    lastName: p.string().default(''),
    authProvider: p.string().default('credentials'),
    passwordHash: p.string().nullable().hidden(),
    mustChangePassword: p.boolean().default(false),
    status: p.string().$type<UserStatus>().default('ACTIVE'),
    isPlatformAdmin: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastLoginAt: p.datetime().nullable(),
    passwordChangedAt: p.datetime().nullable(),
  },
});

export class User extends UserSchema.class {}
UserSchema.setClass(User);

export function displayName(user: Pick<User, 'firstName' | 'lastName' | 'email'>): string {
  const name = `${user.firstName} ${user.lastName}`.trim();
  return name === '' ? user.email : name;
}
