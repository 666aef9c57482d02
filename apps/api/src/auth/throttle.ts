import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Em } from '../db/orm.ts';
import { builder, execOf, rowOf, ShapeCache } from '../db/kysely.ts';
import { TooManyAttemptsError } from '../errors.ts';

/**
 * Sign-in attempts counted per account and per IP in Postgres (shared by replicas), R16. Every
 * attempt is counted, atomically and BEFORE the password is verified, so a parallel burst is
 * throttled exactly like a sequential one: after `free` attempts each further one doubles the
 * lock-out (30 s, 60 s, ... capped at 15 minutes). The first lock is long enough that attempts
 * queued behind slow password hashes on a loaded machine still meet it. A success clears the account's count and takes one off the IP's.
 */
const POLICY = {
  account: { free: 5, firstLockSeconds: 30, maxSeconds: 900 },
  ip: { free: 20, firstLockSeconds: 30, maxSeconds: 900 },
};

export interface ThrottleKeys {
  account: string;
  ip: string;
}

/** Bounded keys: a hash of whatever email was typed (valid or not), and the client address. */
export function throttleKeys(typedEmail: string, ip: string | undefined): ThrottleKeys {
  const digest = createHash('sha256').update(typedEmail.trim().toLowerCase()).digest('base64url');
  return { account: `account:${digest}`, ip: `ip:${(ip ?? 'unknown').slice(0, 64)}` };
}

/**
 * Counts this attempt against both keys and refuses it while either is locked. The decision is
 * made by the same upsert that counts, from the row as it was before (PostgreSQL evaluates SET
 * expressions on the old row), so concurrent attempts are serialized on the key's row.
 */
export async function countAttempt(em: Em, keys: ThrottleKeys): Promise<void> {
  let wait = 0;
  for (const [key, policy] of [
    [keys.account, POLICY.account],
    [keys.ip, POLICY.ip],
  ] as const) {
    const row = await rowOf(em, countStatement.prepared({}, { key, free: policy.free, maxSeconds: policy.maxSeconds, firstLockSeconds: policy.firstLockSeconds }));
    if (row && !row.allowed) wait = Math.max(wait, row.wait ?? 1);
  }
  if (wait > 0) throw new TooManyAttemptsError(wait);
}

/** A successful sign-in: the account starts afresh; the address gets one attempt back. */
export async function recordSuccess(em: Em, keys: ThrottleKeys): Promise<void> {
  await execOf(em, clearAccount.prepared({}, { key: keys.account }));
  await execOf(em, creditAddress.prepared({}, { key: keys.ip, free: POLICY.ip.free }));
}

/** Something in PostgreSQL's clock: `now()`, the transaction's start, as the hand-written text had it. */
const now = sql<Date>`now()`;
const dayAgo = sql<Date>`now() - interval '1 day'`;

/**
 * Counts one attempt against a key (the upsert described at countAttempt). Built once (ShapeCache):
 * it runs twice per sign-in, as one named statement. Columns of the old row are `login_throttle.x`
 * (an insert cannot alias its table in Kysely; PostgreSQL accepts the table's name as well).
 */
const countStatement = new ShapeCache((_: object, v: { key: string; free: number; maxSeconds: number; firstLockSeconds: number }) =>
  builder
    .insertInto('login_throttle')
    .values((eb) => ({ key: v.key, failures: eb.lit(1), last_failure_at: now, locked_until: eb.lit(null), last_attempt_allowed: eb.lit(true) }))
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => {
        const failures = eb.ref('login_throttle.failures');
        const lastFailureAt = eb.ref('login_throttle.last_failure_at');
        const lockedUntil = eb.ref('login_throttle.locked_until');
        const lockSeconds = eb.fn<number>('least', [eb.val(v.maxSeconds), eb(eb.val(v.firstLockSeconds), '*', eb.fn<number>('power', [eb.lit(2), eb(eb(failures, '+', eb.lit(1)), '-', eb.val(v.free))]))]);
        return {
          failures: eb.case().when(lastFailureAt, '<', dayAgo).then(eb.lit(1)).else(eb(failures, '+', eb.lit(1))).end(),
          last_failure_at: now,
          last_attempt_allowed: eb.or([eb(lockedUntil, 'is', null), eb(lockedUntil, '<=', now)]).$castTo<boolean>(),
          locked_until: eb
            .case()
            .when(lockedUntil, '>', now)
            .then(lockedUntil)
            .when(eb.and([eb(lastFailureAt, '>=', dayAgo), eb(eb(failures, '+', eb.lit(1)), '>=', eb.val(v.free))]))
            .then(sql<Date>`${now} + make_interval(secs => ${lockSeconds})`)
            .else(eb.lit(null))
            .end(),
        };
      }),
    )
    .returning((eb) => ['last_attempt_allowed as allowed', sql<number | null>`ceil(extract(epoch from ${eb.ref('locked_until')} - ${now}))::int`.as('wait')]),
);

const clearAccount = new ShapeCache((_: object, v: { key: string }) => builder.deleteFrom('login_throttle').where('key', '=', v.key));

/** One attempt back for the address; the lock its counting may have set goes if the rest is under budget. */
const creditAddress = new ShapeCache((_: object, v: { key: string; free: number }) =>
  builder
    .updateTable('login_throttle')
    .set((eb) => ({
      failures: eb.fn<number>('greatest', [eb('failures', '-', eb.lit(1)), eb.lit(0)]),
      locked_until: eb.case().when(eb('failures', '-', eb.lit(1)), '<', eb.val(v.free)).then(eb.lit(null)).else(eb.ref('locked_until')).end(),
    }))
    .where('key', '=', v.key),
);
