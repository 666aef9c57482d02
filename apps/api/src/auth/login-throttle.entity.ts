import { defineEntity, p } from '@mikro-orm/core';

/** Failed sign-ins per account and per address (auth/throttle.ts); one row per key. */
export const LoginThrottleSchema = defineEntity({
  name: 'LoginThrottle',
  tableName: 'login_throttle',
  properties: {
    key: p.string().primary(),
    failures: p.integer().default(0),
    lastFailureAt: p.datetime().onCreate(() => new Date()),
    lockedUntil: p.datetime().nullable(),
    lastAttemptAllowed: p.boolean().default(true),
  },
});

export class LoginThrottle extends LoginThrottleSchema.class {}
LoginThrottleSchema.setClass(LoginThrottle);
