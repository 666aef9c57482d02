import { createHash } from 'node:crypto';
import type { Em } from '../db/orm.ts';
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
    const rows = await em.execute<{ allowed: boolean; wait: number | null }[]>(
      `insert into login_throttle as t (key, failures, last_failure_at, locked_until, last_attempt_allowed)
       values (?, 1, now(), null, true)
       on conflict (key) do update set
         failures = case when t.last_failure_at < now() - interval '1 day' then 1 else t.failures + 1 end,
         last_failure_at = now(),
         last_attempt_allowed = (t.locked_until is null or t.locked_until <= now()),
         locked_until = case
           when t.locked_until > now() then t.locked_until
           when t.last_failure_at >= now() - interval '1 day' and t.failures + 1 >= ?
             then now() + make_interval(secs => least(?, ? * power(2, t.failures + 1 - ?)))
           else null end
       returning last_attempt_allowed as allowed,
                 ceil(extract(epoch from locked_until - now()))::int as wait`,
      [key, policy.free, policy.maxSeconds, policy.firstLockSeconds, policy.free],
    );
    const row = rows[0];
    if (row && !row.allowed) wait = Math.max(wait, row.wait ?? 1);
  }
  if (wait > 0) throw new TooManyAttemptsError(wait);
}

/** A successful sign-in: the account starts afresh; the address gets one attempt back. */
export async function recordSuccess(em: Em, keys: ThrottleKeys): Promise<void> {
  await em.execute(`delete from login_throttle where key = ?`, [keys.account]);
  // The lock this attempt may have set while it was counted is lifted again if the rest is under budget.
  await em.execute(
    `update login_throttle set failures = greatest(failures - 1, 0),
            locked_until = case when failures - 1 < ? then null else locked_until end
      where key = ?`,
    [POLICY.ip.free, keys.ip],
  );
}
